"""One root mistake, one finding: what only follows from another finding is folded into it."""

import json
import textwrap

import pytest

SPEC = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: n, summary: s}
      release: {version: "1.0.0"}
      config:
        steps:
          a: {command: x, imageDetails: {id: 1}}
          b:
            command: y
            imageDetails: {id: 1}
            parents: [a]
            executionParameters:
              parentStatus:
                - {condition: all-of, parents: [a], status: [success]}
              conditional:
                - {condition: equals, paramName: x, stepName: a, value: "1"}
    """)


def _findings(run, path, *args):
    code, output = run("check", "--format", "json", *args, path)
    return code, [(f["line"], f["rule"]) for f in json.loads(output)["findings"]]


def test_a_misspelt_parents_key_is_one_finding_not_three(run, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("parents: [a]\n        executionParameters", "parent: [a]\n        executionParameters"))
    assert _findings(run, path) == (1, [(12, "BL101")])
    # Each consequence is real on its own: selected alone, with no root to fold into, it is reported.
    assert _findings(run, path, "--select", "BL304,BL305") == (1, [(15, "BL304"), (17, "BL305")])


def test_a_misspelt_required_key_is_reported_once_as_unknown(run, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("  metadata:", "  metadatax:"))
    code, output = run("check", "--format", "concise", path)
    assert output.splitlines()[0].endswith("BL101 error unknown key 'metadatax' in body; did you mean 'metadata'?")
    assert "BL102" not in output and code == 1


@pytest.mark.parametrize("key", ["release", "metadata"])
def test_a_required_key_that_is_really_missing_is_still_reported(run, tmp_path, key):
    path = tmp_path / "spec.yaml"
    lines = [line for line in SPEC.splitlines(keepends=True) if not line.startswith(f"  {key}:")]
    path.write_text("".join(lines).replace("  kind: workflow", "  kind: workflow\n  colour: blue"))
    code, findings = _findings(run, path)
    assert (2, "BL102") in findings and (4, "BL101") in findings and code == 1


UNDEFINED = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata:
        summary: {{ summ }}
        title: "{{ ttl }}x"
      release: {version: "1.0.0"}
      config:
        steps:
          a: {command: x, imageDetails: {id: 1}}
    """)


def test_an_undefined_variable_is_the_one_finding_for_the_empty_value_it_leaves(run, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(UNDEFINED)
    code, findings = _findings(run, path)
    # `summary` is dropped by the peak CLI (BL102 folded into BL008); `name` is really missing.
    assert findings == [(5, "BL102"), (5, "BL008"), (6, "BL008")] and code == 1
    code, findings = _findings(run, path, "-p", "summ=s", "-p", "ttl=t")
    assert findings == [(5, "BL102")]


def test_a_credential_beside_a_template_variable_is_never_folded(run, tmp_path):
    path = tmp_path / "spec.yaml"
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    path.write_text(SPEC.replace("command: y", f"command: \"curl -H 'token: {token}' {{{{ url }}}}\""))
    code, findings = _findings(run, path)
    assert {rule for _, rule in findings} >= {"BL008", "BL701"} and code == 1


def test_an_unrelated_typo_in_the_step_does_not_hide_a_real_condition_error(run, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("command: y", "commnd: y").replace("parents: [a]\n", "parents: []\n"))
    code, findings = _findings(run, path)
    assert (10, "BL101") in findings and (15, "BL304") in findings and code == 1
