"""The engine: rules as pytest runs tests."""

import json
import sys
import textwrap

import pytest

from blocklint.collect import collect_rules, ruleset_of
from blocklint.engine import Engine, Key, RuleError, fanout, rule
from blocklint.load import load_text

SPEC = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: n, summary: s}
      release: {version: "1.0.0"}
      config:
        steps:
          a: {command: x, imageRef: i}
          b: {command: y, imageRef: i, parents: [a]}
    """)


def _findings(*rules, text=SPEC):
    return Engine(ruleset_of(*rules)).check(load_text(text, "s.yaml"))


def test_a_step_rule_runs_once_per_step_with_its_companion_fixture():
    seen = []

    @rule("XX001", "probe")
    def probe(step, step_name):
        seen.append(step_name)
        return []

    _findings(probe)
    assert seen == ["a", "b"]


def test_a_rule_whose_fixture_does_not_apply_does_not_run():
    @rule("XX001", "probe")
    def probe(service):
        raise AssertionError("a workflow has no service config")

    assert _findings(probe) == []


def test_paths_are_relative_to_the_node_or_start_at_a_document_object():
    @rule("XX001", "probe")
    def probe(step, steps):
        if "parents" in step:
            yield ("parents", 0), "relative"
        yield (steps, Key("b")), "from an object, at the key"

    found = _findings(probe)
    relative = [f for f in found if f.message == "relative"]
    assert [(f.line, f.column) for f in relative] == [(9, 46)]
    assert {(f.line, f.column) for f in found if f.message.startswith("from")} == {(9, 7)}


def test_a_crashing_rule_becomes_one_internal_error_and_the_run_goes_on():
    @rule("XX001", "boom")
    def boom(config):
        raise ValueError("kaput")

    @rule("XX002", "fine")
    def fine(config):
        yield ("steps",), "still here"

    found = _findings(boom, fine)
    # a block mapping starts at its first key: config at line 7, its steps at line 8
    assert [(f.rule, f.line) for f in found] == [("BL000", 7), ("XX002", 8)]
    assert "XX001 (boom) crashed" in found[0].message and "kaput" in found[0].message


def test_a_per_node_fixture_is_worked_out_once_for_all_the_rules_over_it():
    made, seen = [], []

    @fanout("probe_name")
    def probe_node(r):
        made.append(r.doc.path)
        yield ("body",), r.doc.data["body"], {"probe_name": "body"}

    @rule("XX001", "one")
    def one(probe_node, probe_name):
        seen.append(("XX001", probe_name))
        return []

    @rule("XX002", "two")
    def two(probe_node):
        seen.append(("XX002", sorted(probe_node)[0]))
        return []

    assert _findings(probe_node, one, two) == []
    assert made == ["s.yaml"] and seen == [("XX001", "body"), ("XX002", "config")]


def test_a_per_node_fixture_that_fails_midway_fails_each_rule_after_its_first_nodes():
    seen = []

    @fanout()
    def flaky_node(r):
        yield ("body",), r.doc.data["body"], {}
        raise ValueError("no second node")

    @rule("XX001", "one")
    def one(flaky_node):
        seen.append("XX001")
        return []

    @rule("XX002", "two")
    def two(flaky_node):
        seen.append("XX002")
        return []

    found = _findings(flaky_node, one, two)
    assert seen == ["XX001", "XX002"]
    assert [f.rule for f in found] == ["BL000", "BL000"]
    assert all("no second node" in f.message for f in found)


def test_a_node_without_an_extra_its_fan_out_declares_fails_each_rule_there():
    seen = []

    @fanout("label")
    def labelled(r):
        yield ("body",), r.doc.data["body"], {"label": "first"}
        yield ("body", "config"), r.doc.data["body"]["config"], {}

    @rule("XX001", "one")
    def one(labelled, label):
        seen.append(label)
        yield (), "seen"

    @rule("XX002", "two")
    def two(label, labelled):  # called by name: another order
        seen.append(label)
        return []

    found = _findings(labelled, one, two)
    assert seen == ["first", "first"]
    assert sorted((f.rule, f.message.split(":")[0]) for f in found) == [
        ("BL000", "rule XX001 (one) crashed while preparing its fixtures"),
        ("BL000", "rule XX002 (two) crashed while preparing its fixtures"), ("XX001", "seen")]


def test_an_argument_with_a_default_is_not_injected():
    @rule("XX001", "probe")
    def probe(config, limit=3):
        yield (), f"limit {limit}"

    assert _findings(probe)[0].message == "limit 3"


def test_unknown_fixtures_are_refused_with_a_hint():
    @rule("XX001", "probe")
    def probe(stpe):
        return []

    with pytest.raises(RuleError, match="did you mean 'step'"):
        ruleset_of(probe)


def test_select_and_ignore_take_prefixes_and_the_longer_match_wins():
    rules = collect_rules()
    chosen = {r.id for r in rules.select(select=["BL1"], ignore=["BL10"])}
    assert chosen == set()
    chosen = {r.id for r in rules.select(select=["BL101"], ignore=["BL1"])}
    assert chosen == {"BL101"}
    assert {r.id for r in rules.select(ignore=["BL0"])}.isdisjoint({"BL001", "BL002"})


def test_keyword_expressions_match_rule_names_like_pytest():
    rules = collect_rules()
    chosen = {r.id for r in rules.select(keyword_expr="unknown or (yaml and not empty)")}
    assert {"BL101", "BL001"} <= chosen and "BL002" not in chosen
    with pytest.raises(RuleError):
        rules.select(keyword_expr="and or")


def test_inline_and_file_suppressions():
    text = SPEC.replace("imageRef: i, parents", "imageRef: i, parnts") \
        .replace("      b: {", "      # blocklint: disable=BL101\n      b: {")
    doc = load_text(text, "s.yaml")
    rules = collect_rules().select(select=["BL101"])
    assert Engine(rules).check(doc) == []
    doc = load_text(SPEC.replace("parents", "parnts"), "s.yaml")
    assert [f.rule for f in Engine(rules).check(doc)] == ["BL101"]
    doc = load_text(SPEC.replace("parents", "parnts") + "# blocklint: disable-file=BL1\n", "s.yaml")
    assert Engine(rules).check(doc) == []


def test_rules_dir_adds_local_rules(run, tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "team.py").write_text(textwrap.dedent('''\
        from blocklint.engine import rule

        @rule("TEAM001", "step-without-owner-tag", severity="warning")
        def step_without_owner_tag(step, step_name):
            """Every step names its owner in an env var."""
            if "OWNER" not in ((step.get("parameters") or {}).get("env") or {}):
                yield (), f"step '{step_name}' has no OWNER"
        '''))
    (tmp_path / "spec.yaml").write_text(SPEC)
    code, output = run("check", "--format", "json", "--rules-dir", tmp_path / "rules", "--select", "TEAM",
                       tmp_path / "spec.yaml")
    findings = json.loads(output)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("TEAM001", 8), ("TEAM001", 9)] and code == 0


def test_rules_from_installed_packages_via_entry_points(run, tmp_path, monkeypatch):
    dist = tmp_path / "acme_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[blocklint.rules]\nacme = acme_rules\n")
    (tmp_path / "acme_rules.py").write_text(textwrap.dedent('''\
        from blocklint.engine import rule

        @rule("ACME001", "spec-without-tags")
        def spec_without_tags(spec):
            """Specs carry tags."""
            if not (spec.get("metadata") or {}).get("tags"):
                yield ("metadata",), "add metadata.tags"
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "spec.yaml").write_text(SPEC)
    code, output = run("check", "--format", "concise", "--select", "ACME", tmp_path / "spec.yaml")
    assert "spec.yaml:4:13: ACME001 error add metadata.tags" in output and code == 1
    sys.modules.pop("acme_rules", None)


def test_a_directive_inside_a_value_or_in_json_text_suppresses_nothing(run, tmp_path):
    """Only comments hold directives: text in a string (or anywhere in JSON, which has no
    comments) could otherwise hide findings, a committed credential's among them."""
    bad = SPEC.replace("parents: [a]", "parents: [zz]")
    (tmp_path / "quoted.yaml").write_text(bad.replace("summary: s}", 'summary: "s # blocklint: disable-file=BL"}'))
    code, output = run("check", "--format", "concise", tmp_path / "quoted.yaml")
    assert "BL301" in output and code == 1
    data = {"body": {"version": 1, "kind": "workflow", "metadata": {"name": "n", "summary": "# blocklint: disable-file=BL"},
                     "release": {"version": "1.0.0"},
                     "config": {"steps": {"a": {"command": "x", "imageDetails": {"id": 1}, "parents": ["zz"]}}}}}
    (tmp_path / "text.json").write_text(json.dumps(data, indent=2))
    code, output = run("check", "--format", "concise", tmp_path / "text.json")
    assert "BL301" in output and code == 1


def test_many_suppression_comments_cost_time_in_proportion(run, tmp_path):
    """20,000 directives on 20,000 steps: each is matched by line, not against every other (it
    took minutes when every finding was held against every directive)."""
    import time

    head = SPEC[: SPEC.index("    steps:")] + "    steps:\n"
    steps = "".join(f"      s{i}: {{command: x, imageDetails: {{id: 1}}}}  # blocklint: disable=BL301\n"
                    for i in range(20_000))
    (tmp_path / "many.yaml").write_text(head + steps)
    started = time.monotonic()
    code, output = run("check", "-q", tmp_path / "many.yaml")
    assert time.monotonic() - started < 30
    # the 20,000 warnings of another rule are capped: 1,000 and one BL005 for the rest
    assert output.splitlines()[-1].startswith("0 errors, 1001 warnings") and code == 0


def test_many_undefined_template_variables_cost_time_in_proportion(run, tmp_path):
    """4,000 steps with two undefined variables each: each name's line is found in one pass and
    the source split once (about 20 s when every name searched every line; 10,000 took 2.5 min)."""
    import time

    head = SPEC[: SPEC.index("    steps:")] + "    steps:\n"
    steps = "".join(f'      s{i}: {{command: "{{{{ u{i} }}}}", imageDetails: {{id: 1}}, type: "{{{{ t{i} }}}}"}}\n'
                    for i in range(4_000))
    (tmp_path / "many.yaml").write_text(head + steps)
    started = time.monotonic()
    code, output = run("check", "--format", "concise", "--select", "BL007,BL008", tmp_path / "many.yaml")
    assert time.monotonic() - started < 10
    # 8,000 BL008 findings, capped: 1,000 and one BL005 for the rest
    assert output.splitlines()[-1] == "1001 errors, 0 warnings in 1 file" and code == 1


def test_a_rule_gets_its_arguments_whatever_their_order_or_kind():
    # the engine calls most rules positionally; one whose parameters do not allow it (another
    # order, keyword-only or positional-only parameters) is called by name, with the same values
    seen = {}

    @rule("XX001", "node-first")
    def node_first(step, step_name, steps):
        seen.setdefault("node-first", []).append((step_name, step is steps[step_name]))
        return []

    @rule("XX002", "fixture-first")
    def fixture_first(steps, step_name, step):
        seen.setdefault("fixture-first", []).append((step_name, step is steps[step_name]))
        return []

    @rule("XX003", "keyword-only")
    def keyword_only(step, *, step_name):
        seen.setdefault("keyword-only", []).append((step_name, "command" in step))
        return []

    @rule("XX004", "positional-only")
    def positional_only(config, /):
        seen.setdefault("positional-only", []).append(sorted(config))
        return []

    found = _findings(node_first, fixture_first, keyword_only, positional_only)
    assert seen.pop("node-first") == seen.pop("fixture-first") == [("a", True), ("b", True)]
    assert seen.pop("keyword-only") == [("a", True), ("b", True)]
    # called by name, a positional-only parameter cannot be given: one BL000, as before
    assert seen == {} and [f.rule for f in found] == ["BL000"] and "XX004" in found[0].message
