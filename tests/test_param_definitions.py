"""BL404, BL409, BL410 and BL412 report their shares of one check of each parameter definition
(`param_definitions.definition_checks`): what each reports is what it reported on its own."""

import json

import pytest

from blocklint.rules import param_definitions

SPEC = """\
body:
  version: 1
  kind: workflow
  metadata: {name: shared, summary: One check per definition}
  release: {version: "1.0.0"}
  config:
    steps:
      load: {type: standard, imageDetails: {id: 12}, command: python load.py}
parameters:
  build:
    - &level {name: level, type: number, required: false, defaultValue: "5", hideValue: true,
              options: [{title: Low, value: 1}]}
    - {name: limits, type: object, required: false, defaultValue: {rows: 10}}
    - {name: mode, type: string, required: false, defaultValue: fast, options: [{title: Slow, value: slow}]}
  run:
    - *level
"""
RULES = ("BL404", "BL409", "BL410", "BL412")


def _findings(run, tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    _, output = run("check", "--no-cache", "-j", "1", "--format", "json", "--select", ",".join(RULES), "spec.yaml",
                    cwd=tmp_path)
    return [(f["rule"], f["line"], f["message"]) for f in json.loads(output)["findings"]]


def test_each_rule_reports_its_share_and_a_definition_in_both_groups_twice(run, tmp_path):
    assert _findings(run, tmp_path) == [
        ("BL404", 11, "defaultValue of build parameter 'level' should be a number (its type is number)"),
        ("BL404", 11, "defaultValue of run parameter 'level' should be a number (its type is number)"),
        ("BL412", 11, "hideValue only applies to string parameters; build parameter 'level' is number: remove it"),
        ("BL412", 11, "hideValue only applies to string parameters; run parameter 'level' is number: remove it"),
        ("BL409", 13, "build parameter 'limits' is of type object but declares no 'properties'; "
                      "list its fields under 'properties'"),
        ("BL410", 14, "defaultValue 'fast' of build parameter 'mode' is not one of its options ('slow')"),
    ]


@pytest.mark.parametrize("after", [0, 1])
def test_a_check_that_crashes_is_a_crash_of_every_rule_sharing_it(run, tmp_path, monkeypatch, after):
    """The findings before the crash are reported, then each rule's own BL000 at the definition."""
    def crashing(definition, label, found):
        checked(definition, label, found)
        del found[after:]
        raise RuntimeError("boom")

    checked = param_definitions._check_definition
    monkeypatch.setattr(param_definitions, "_check_definition", crashing)
    findings = _findings(run, tmp_path)
    crashes = sorted(message.split(" (")[0] for rule, _, message in findings if rule == "BL000")
    assert crashes == sorted(f"rule {rule}" for rule in RULES for _ in range(4))
    assert all(message.endswith("crashed on this node: RuntimeError: boom; please report it")
               for rule, _, message in findings if rule == "BL000")
    first_findings = ["BL404", "BL404", "BL409", "BL410"]  # level (in both groups), limits, mode
    assert sorted(rule for rule, _, _ in findings if rule != "BL000") == first_findings[:4 * after]


def test_an_option_is_found_as_same_value_finds_it():
    """`outside_options` looks for a value with `_among`, which must agree with `same_value` (a
    bool only as a bool, NaN never, not even as the same object)."""
    import itertools

    from blocklint.rules._params import _among, same_value

    nan = float("nan")
    values = [True, False, 1, 0, 1.0, 0.0, -0.0, 2, 10**30, "1", "", None, nan, [1], [True], [], {"a": 1}, {}]
    for value in values:
        for count in range(3):
            for allowed in itertools.product(values, repeat=count):
                assert _among(value, list(allowed)) == any(same_value(value, option) for option in allowed)
