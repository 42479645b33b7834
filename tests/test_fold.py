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


IMAGES = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: n, summary: s}
      release: {version: "1.0.0"}
      config:
        images:
          base: {context: ".", dockerfile: Dockerfile, version: "0.0.1"}
          other: {context: ".", dockerfile: Dockerfile, version: "0.0.1"}
          spare: {context: ".", dockerfile: Dockerfile, version: "0.0.1"}
        steps:
          load:
            imageRef: base
            command: python load.py
          report:
            imageRef: other
            command: python report.py
    """)


@pytest.mark.parametrize("mistake, root", [
    ("imageRef: bsae", (13, "BL503")),   # a misspelt value: "did you mean 'base'?"
    ("imagRef: base", (13, "BL101")),    # a misspelt key: the step "has no image" folds too (BL502)
], ids=["value", "key"])
def test_a_misspelt_image_ref_is_one_finding_not_an_unused_image_too(run, tmp_path, mistake, root):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    path = tmp_path / "spec.yaml"
    path.write_text(IMAGES.replace("imageRef: base", mistake))
    # `spare` is really unused: no imageRef names it (`bsae` is nearer `base`).
    assert _findings(run, path, "--select", "BL1,BL5") == (1, [(10, "BL504"), root])
    # Selected alone, with no root to fold into, the consequence is reported.
    assert (8, "BL504") in _findings(run, path, "--select", "BL504")[1]


def test_an_image_ref_far_from_every_image_leaves_the_unused_image_reported(run, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    path = tmp_path / "spec.yaml"
    path.write_text(IMAGES.replace("imageRef: base", "imageRef: nightly-loader"))
    assert _findings(run, path, "--select", "BL1,BL5") == (1, [(8, "BL504"), (10, "BL504"), (13, "BL503")])


def test_named_follows_reads_the_root_value_and_matches_the_findings_node():
    from blocklint.engine.api import Named
    from blocklint.engine.fold import fold
    from blocklint.findings import Finding

    def finding(rule, path):
        return Finding("f", 1, 1, 1, 2, rule, rule.lower(), "warning", "m", path)

    unused = finding("BL504", ("body", "config", "images", "base"))
    data = {"body": {"config": {"images": {"base": {}, "spare": {}},
                                "steps": {"a": {"imageRef": "bsae", "command": "base"}}}}}
    follows = {"BL504": (("BL503", Named("imageRef")),)}
    on_ref = finding("BL503", ("body", "config", "steps", "a", "imageRef"))
    on_other_key = finding("BL503", ("body", "config", "steps", "a", "command"))
    assert fold([unused, on_ref], follows, data=data) == [on_ref]
    assert fold([unused, on_other_key], follows, data=data) == [unused, on_other_key]
    assert fold([unused, on_ref], follows, data={"body": {}}) == [unused, on_ref]  # no value: no fold
