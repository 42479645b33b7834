"""A flood of findings is capped: at most MAX_FINDINGS_PER_RULE per rule and MAX_FINDINGS_PER_FILE
per file, then one BL005 finding where the first left out was. The work stops at the cap too: the
rule is asked for no more, and the schema explains no more (200,000 unknown keys: 18 s, 595 MB)."""

from __future__ import annotations

from blocklint.engine import Engine, rule
from blocklint.engine.api import MAX_FINDINGS_PER_FILE, MAX_FINDINGS_PER_RULE
from blocklint.collect import ruleset_of
from blocklint.load import load_text

SPEC = "body:\n  kind: workflow\n  metadata: {name: n, summary: s}\n  version: 1\n  config:\n    steps: {}\n"


def test_a_rule_past_its_cap_gives_one_summary_and_is_asked_for_no_more():
    asked = []

    @rule("XX001", "flood")
    def flood(config):
        for n in range(5 * MAX_FINDINGS_PER_RULE):
            asked.append(n)
            yield (), f"finding {n}"

    findings = Engine(ruleset_of(flood)).check(load_text(SPEC, "s.yaml"))
    assert [f.rule for f in findings].count("XX001") == MAX_FINDINGS_PER_RULE
    summary = [f for f in findings if f.rule == "BL005"]
    assert len(summary) == 1 and f"more than {MAX_FINDINGS_PER_RULE:,} findings of XX001" in summary[0].message
    assert len(asked) == MAX_FINDINGS_PER_RULE + 1


def test_a_file_past_its_cap_gives_one_summary():
    def make(index):
        @rule(f"XX{index:03d}", f"flood-{index}")
        def flood(config):
            for n in range(MAX_FINDINGS_PER_RULE):
                yield (), f"finding {n} of rule {index}"
        return flood

    count = MAX_FINDINGS_PER_FILE // MAX_FINDINGS_PER_RULE + 2
    findings = Engine(ruleset_of(*(make(index) for index in range(1, count + 1)))).check(load_text(SPEC, "s.yaml"))
    assert len(findings) == MAX_FINDINGS_PER_FILE + 1
    assert findings[-1].rule == "BL005" and f"more than {MAX_FINDINGS_PER_FILE:,} findings in this file" in findings[-1].message


def test_two_hundred_thousand_unknown_keys_explained_no_further_than_the_cap(run, tmp_path, monkeypatch):
    from blocklint import schema

    explained = []
    did_you_mean = schema.did_you_mean
    monkeypatch.setattr(schema, "did_you_mean", lambda *a: (explained.append(a), did_you_mean(*a))[1])
    keys = "".join(f"        k{n}: 1\n" for n in range(200_000))
    (tmp_path / "flood.yaml").write_text(SPEC.replace("steps: {}", "steps:\n      s:\n        command: x\n"
                                                      "        imageRef: i\n") + keys)
    code, output = run("check", "--format", "concise", "flood.yaml", cwd=tmp_path)
    rules = [line.split()[1] for line in output.splitlines() if line.startswith("flood.yaml:")]
    assert rules.count("BL101") == MAX_FINDINGS_PER_RULE
    assert rules.count("BL005") == 1
    assert len(explained) <= MAX_FINDINGS_PER_RULE + 10


def test_a_list_of_wrong_items_under_alternatives_keeps_no_more_errors_than_the_cap():
    """`parents` is an array of strings or a parameter reference: jsonschema's own `anyOf` kept
    every item's error of the first branch (300,000 numbers: 1.1 GB, 6 s)."""
    from blocklint import schema

    data = {"body": {"kind": "workflow", "metadata": {"name": "n", "summary": "s"}, "version": 1, "config": {
        "steps": {"s": {"command": "x", "imageRef": "i", "parents": list(range(3 * MAX_FINDINGS_PER_FILE))}}}}}
    errors = list(schema._full_validator("block-spec", True).iter_errors(data))
    assert errors and all(len(error.context) <= 2 * (MAX_FINDINGS_PER_FILE + 1) for error in errors)
    issues = schema.validate(data, "block-spec", cli=True)
    wrong_types = [issue for issue in issues if issue.rule == "BL103"]
    assert MAX_FINDINGS_PER_RULE < len(wrong_types) <= MAX_FINDINGS_PER_FILE + 1


def test_suppressed_findings_do_not_count_and_directives_past_the_cap_are_not_unused():
    """Suppressed findings are no flood; and once a rule is cut short, its directives further on
    suppressed nothing only because it was not asked: none is reported unused."""
    count = 2 * MAX_FINDINGS_PER_RULE

    @rule("XX001", "flood")
    def flood(config):
        for n in range(count):
            yield ("steps", f"s{n}"), f"finding {n}"

    steps = "".join(f"      s{n}: {{command: x}}  # blocklint: disable=XX001\n" for n in range(count))
    quiet = SPEC.replace("    steps: {}\n", "    steps:\n" + steps)
    assert Engine(ruleset_of(flood)).check(load_text(quiet, "s.yaml")) == []

    half = SPEC.replace("    steps: {}\n", "    steps:\n" + "".join(
        f"      s{n}: {{command: x}}{'  # blocklint: disable=XX001' if n >= count - 10 else ''}\n" for n in range(count)))
    from blocklint.rules.loading import unused_suppression

    findings = Engine(ruleset_of(unused_suppression, flood)).check(load_text(half, "s.yaml"))
    assert [f.rule for f in findings].count("XX001") == MAX_FINDINGS_PER_RULE
    assert [f.rule for f in findings].count("BL005") == 1
    assert not [f for f in findings if f.rule not in ("XX001", "BL005")]
