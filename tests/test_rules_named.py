"""Behaviour of the BL2xx-BL5xx rules that golden files cannot show: scale, clocks, lazy imports,
the registry hook, and hostile value types."""

import datetime
import subprocess
import sys
import textwrap
import time

import pytest

from blocklint.collect import collect_rules
from blocklint.engine import Engine, Settings
from blocklint.specs import RelatedSpecs
from blocklint.load import load_text

HEAD = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: orders, summary: Loads orders.}
      release: {version: "1.0.0"}
      config:
    """)


def _check(text, select, settings=None, name="spec.yaml"):
    rules = collect_rules(plugins=False).select(select=select)
    return Engine(rules, settings or Settings()).check(load_text(text, name))


def _chain_with_cycle_at_the_end(size):
    lines = [HEAD, "    steps:\n"]
    for index in range(size):
        parents = [f"s{index - 1}"] if index else []
        if index == size - 3:
            parents.append(f"s{size - 1}")  # closes s{n-3} -> s{n-2} -> s{n-1} -> s{n-3}
        lines.append(f"      s{index}: {{command: run, imageDetails: {{id: 1}}, parents: [{', '.join(parents)}]}}\n")
    return "".join(lines)


def test_a_cycle_at_the_end_of_10000_steps_is_reported_once_as_its_path():
    doc = load_text(_chain_with_cycle_at_the_end(10_000), "big.yaml")
    lint = Engine(collect_rules(plugins=False).select(select=["BL302"]))
    started = time.perf_counter()
    findings = lint.check(doc)
    elapsed = time.perf_counter() - started
    again_doc = load_text(_chain_with_cycle_at_the_end(10_000), "again.yaml")
    started = time.perf_counter()
    lint.check(again_doc)
    again = time.perf_counter() - started
    print(f"\nBL302 on 10,000 steps with one cycle: {elapsed * 1000:.0f} ms of rule time "
          f"(networkx imported on the way), {again * 1000:.0f} ms once imported")
    assert [(f.rule, f.line) for f in findings] == [("BL302", 8 + 9_997)]  # s0 is on line 8
    assert findings[0].message.startswith("steps form a cycle: s9997 → s9998 → s9999 → s9997;")
    # At the closing entry: `s9999` in the parents of s9997, its second parent.
    line = doc.source_lines[findings[0].line - 1]
    assert line[findings[0].column - 1:].startswith("s9999]")


def test_two_cycles_give_two_findings_and_a_knot_of_cycles_gives_one():
    text = HEAD + (
        "    steps:\n"
        "      a: {command: x, imageDetails: {id: 1}, parents: [c]}\n"
        "      b: {command: x, imageDetails: {id: 1}, parents: [a, c]}\n"
        "      c: {command: x, imageDetails: {id: 1}, parents: [b, a]}\n"
        "      d: {command: x, imageDetails: {id: 1}, parents: [e]}\n"
        "      e: {command: x, imageDetails: {id: 1}, parents: [d]}\n"
    )
    findings = _check(text, ["BL302"])
    assert [f.message.split(";")[0] for f in findings] == [
        "steps form a cycle: a → c → a",
        "steps form a cycle: d → e → d",
    ]


def test_a_self_parent_is_bl303_and_not_a_cycle():
    text = HEAD + "    steps:\n      a: {command: x, imageDetails: {id: 1}, parents: [a]}\n"
    assert [f.rule for f in _check(text, ["BL302", "BL303"])] == ["BL303"]


def test_cron_schedule_shows_the_next_three_runs_from_now_in_utc(monkeypatch):
    from blocklint.rules import triggers

    monday = datetime.datetime(2024, 1, 5, 12, 0, tzinfo=datetime.timezone.utc)  # a Friday noon
    monkeypatch.setattr(triggers, "_utcnow", lambda: monday)
    text = HEAD + '    triggers:\n      - cron: "0 6 * * 1-5"\n      - cron: "61 * * * *"\n' \
                  "    steps:\n      a: {command: x, imageDetails: {id: 1}}\n"
    assert _check(text, ["BL200"]) == []  # info: only with --verbose
    findings = _check(text, ["BL200"], Settings(verbose=True))
    assert [f.message for f in findings] == [
        "cron '0 6 * * 1-5' runs next (UTC): Mon 2024-01-08 06:00, Tue 2024-01-09 06:00, Wed 2024-01-10 06:00",
    ]
    assert findings[0].severity == "info"


def test_cron_schedule_is_shown_only_with_verbose_and_never_fails(run, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(HEAD + '    triggers:\n      - cron: "0 0 * * *"\n'
                           "    steps:\n      a: {command: x, imageDetails: {id: 1}}\n")
    code, quiet = run("check", "--format", "concise", "--select", "BL200", str(path))
    assert code == 0 and "BL200" not in quiet
    code, verbose = run("check", "--format", "concise", "--verbose", "--select", "BL200", str(path))
    assert code == 0 and "BL200 info cron '0 0 * * *' runs next (UTC): " in verbose


@pytest.mark.parametrize("expression, problem", [
    ("0 0 * * 7", None),
    ("5/15 * * * *", None),
    ("0 0 L * *", "day of month 'L' is not standard cron"),
    ("0 0 * * 1#2", "day of week '1#2' is not standard cron"),
    ("*/0 * * * *", "minute step '0' in '*/0' must be a positive number"),
    ("0 0 31 4,6 *", "the schedule never runs"),
    ("0 0 31 4 1", None),  # day of month OR day of week: every Monday of April
    ("0 24 * * *", "hour 24 is out of range 0-23"),
    ("0 0 1 13 *", "month 13 is out of range 1-12"),
    ("@reboot", "'@reboot' is not a cron expression"),
])
def test_cron_problems_name_the_field_and_value(expression, problem):
    from blocklint.rules.triggers import cron_problem

    found = cron_problem(expression)
    assert (found is None) if problem is None else (found is not None and problem in found), found


def test_every_cron_blocklint_accepts_croniter_accepts_too():
    from croniter import croniter

    from blocklint.rules.triggers import cron_problem

    for expression in ["0 0 * * *", "*/5 1-5,7 1 JAN-MAR/2 sun", "59 23 31 12 6", "0 0 29 2 *", "1-59/2 * * * 0-7"]:
        assert cron_problem(expression) is None
        assert croniter.is_valid(expression)


def _imports_after_check(text, select):
    code = textwrap.dedent(f"""
        import sys
        from blocklint.collect import collect_rules
        from blocklint.engine import Engine
        from blocklint.load import load_text
        rules = collect_rules(plugins=False).select(select={select!r})
        Engine(rules).check(load_text({text!r}, "spec.yaml"))
        print(" ".join(name for name in ("networkx", "croniter") if name in sys.modules))
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_a_clean_spec_without_crons_never_imports_networkx_or_croniter():
    text = HEAD + '    triggers:\n      - webhook: true\n' \
                  "    steps:\n      a: {command: x, imageDetails: {id: 1}}\n" \
                  "      b: {command: x, imageDetails: {id: 1}, parents: [a]}\n"
    assert _imports_after_check(text, ["BL2", "BL3", "BL4", "BL5"]) == []


def test_networkx_is_imported_only_to_explain_a_cycle():
    text = HEAD + "    steps:\n      a: {command: x, imageDetails: {id: 1}, parents: [b]}\n" \
                  "      b: {command: x, imageDetails: {id: 1}, parents: [a]}\n"
    assert _imports_after_check(text, ["BL302"]) == ["networkx"]


SPEC_DATA = {
    "body": {"version": 1, "kind": "workflow"},
    "parameters": {
        "build": [{"name": "instance_type", "type": "number", "required": True}],
        "run": [{"name": "mode", "type": "string", "required": False,
                 "options": [{"title": "Fast", "value": "fast"}]}],
    },
}
DEPLOYMENT = textwrap.dedent("""\
    body:
      metadata: {name: orders-nightly, summary: Nightly.}
      parameters:
        run: {mode: slow}
      spec: {id: spec-1}
    """)


def test_deployment_values_are_checked_against_the_spec_the_registry_resolves():
    asked = []

    def resolver(spec_id):
        asked.append(spec_id)
        return SPEC_DATA if spec_id == "spec-1" else None

    findings = _check(DEPLOYMENT, ["BL406", "BL411"], Settings(specs=RelatedSpecs(lookup=resolver)),
                      name="deployment.yaml")
    assert asked == ["spec-1"]
    assert [(f.line, f.rule, f.severity, f.message) for f in findings] == [
        (3, "BL406", "error", "required build parameter 'instance_type' has no value here and no default in the "
                              "spec; give it a value"),
        (4, "BL411", "warning", "'slow' is not an option of run parameter 'mode' (options: 'fast')"),
    ]


def test_deployment_values_are_not_checked_without_a_known_spec():
    assert _check(DEPLOYMENT, ["BL406"], name="deployment.yaml") == []
    assert _check(DEPLOYMENT, ["BL406"], Settings(specs=RelatedSpecs(lookup=lambda spec_id: None)), name="deployment.yaml") == []


def test_the_param_field_table_is_keyed_by_path_not_by_property_name():
    from blocklint.paramschema import field_type_of

    assert field_type_of(("steps", "load", "imageDetails", "id")) == {"integer"}
    assert field_type_of(("imageDetails", "id")) == {"integer"}  # a service
    assert field_type_of(("steps", "load", "resources", "instanceTypeId")) == {"integer"}
    assert field_type_of(("minInstances",)) == {"number"}
    assert field_type_of(("images", "base", "useCache")) == {"boolean"}
    assert field_type_of(("watchers", 0, "events", "runtimeExceeded")) == {"integer"}
    assert field_type_of(("steps", "load", "runConfiguration", "retryOptions", "exitCodes")) == {"number_array"}
    assert field_type_of(("steps", "load", "parents")) == {"string_array"}
    assert field_type_of(("healthCheckURL",)) == {"string"}
    assert field_type_of(("steps", "load", "id")) is None


GARBAGE = [None, 0, 1.5, True, "text", "@param:x", [], [None, 3, {"a": 1}], {}, {"x": [1]}]


@pytest.mark.parametrize("value", GARBAGE, ids=repr)
def test_rules_never_crash_on_values_of_the_wrong_type(value):
    import json

    flow = {"triggers": [value, {"cron": value}, {"webhook": value, "webhookId": value}],
            "images": {"base": value},
            "steps": {"a": {"type": "sql", "parents": value, "imageRef": value, "sqlQueryPath": value,
                            "executionParameters": {"conditional": value, "parentStatus": [{"parents": value}]}},
                      "b": {"parents": ["a", value], "imageDetails": value, "outputParameters": value,
                            "executionParameters": {"conditional": [{"stepName": value}], "parentStatus": value}},
                      "c": value, "d": {"type": "http", "outputParameters": {"x": value}}}}
    params = {"build": [{"name": "x", "type": "number", "defaultValue": value, "options": value,
                         "conditions": value, "properties": value}, value],
              "run": [{"name": value, "type": value, "conditions": [{"dependsOn": value}, value]}]}
    documents = [
        {"body": {"version": 1, "kind": "workflow", "config": flow}, "parameters": params, "scope": value},
        {"body": {"version": 1, "kind": "service", "config": {"image": value, "imageDetails": value}},
         "parameters": value},
        {"body": {"metadata": {"name": "d"}, "parameters": {"build": value, "run": {"x": value}},
                  "spec": {"id": "spec-1"}}},
        {"body": {"appParameters": value, "parameters": {"orders": value}, "spec": {"id": "spec-1"}}},
        {"body": {"parameters": value}},
    ]
    settings = Settings(specs=RelatedSpecs(lookup=lambda spec_id: {
        "body": {"metadata": {"name": "orders"}, "config": value}, "parameters": params}))
    for data in documents:
        findings = _check(json.dumps(data), ["BL2", "BL3", "BL4", "BL5"], settings, name="x.json")
        assert not [f for f in findings if f.rule == "BL000"], findings


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), -5, 0, True, "15", 10**9])
def test_an_unusable_min_interval_is_one_finding_not_a_crash(value):
    spec = HEAD + "    triggers:\n      - cron: '*/5 * * * *'\n    steps:\n      a: {command: run, imageDetails: {id: 1}}\n"
    findings = _check(spec, ["BL204", "BL000"], Settings(options={"BL204": {"min-interval": value}}))
    assert [(f.rule, f.message.split(" not ")[0]) for f in findings] == [
        ("BL204", "option min-interval of BL204 must be a number of minutes above 0 and at most 527,040 (a year),")]


def test_min_interval_problem_is_there_for_config_loading():
    from blocklint.rules.triggers import min_interval_problem

    assert min_interval_problem(15) is None and min_interval_problem(0.5) is None
    assert min_interval_problem(float("nan")) and min_interval_problem(-1) and min_interval_problem(float("inf"))


def _secret(length, seed=7):
    import random
    import string

    chooser = random.Random(seed)
    return "".join(chooser.choice(string.ascii_letters + string.digits) for _ in range(length))


def test_bl701_scans_an_alias_bomb_once_and_reports_the_anchor_once():
    """One 10 KiB string aliased 1,500 times, 15 MiB once expanded (issue 11: the loader refuses
    the 1 GiB of a 100 KiB string aliased 10,000 times, BL005): each distinct scalar is scanned
    once and an aliased object is reported at its anchor."""
    blob = _secret(10 * 1024)
    spec = (HEAD + "    steps:\n      a:\n        command: run\n        imageDetails: {id: 1}\n"
            "        parameters:\n          env:\n"
            f"            BLOB: &blob {blob}\n            MORE: [{', '.join(['*blob'] * 1500)}]\n")
    started = time.monotonic()
    findings = _check(spec, ["BL701"])
    assert time.monotonic() - started < 2
    assert [(f.line, f.rule) for f in findings] == [(13, "BL701")]
    assert blob not in findings[0].message


def test_bl701_reports_the_same_secret_written_in_two_places_twice():
    token = "ghp_" + _secret(36)
    spec = (HEAD + "    steps:\n"
            f"      a: {{command: run, imageDetails: {{id: 1}}, parameters: {{env: {{T: {token}}}}}}}\n"
            f"      b: {{command: run, imageDetails: {{id: 1}}, parameters: {{env: {{T: {token}}}}}}}\n")
    assert [f.line for f in _check(spec, ["BL701"])] == [8, 9]
