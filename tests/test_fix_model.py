"""The fix model and `check --fix`'s logic: overlapping edits, template tags, files that would
load worse, atomic writes, diffs, the fixable marker; and a property test over mutated examples:
applying every safe fix never breaks loading and never changes a line no edit touches."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocklint.fix import Edit, Fix, LineIndex, apply_and_load
from blocklint.findings import fixable_findings
from blocklint.fixing import FixSummary, fix_result, fixes_of
from blocklint.load import LoadSettings, load_text
from blocklint.plan import Overrides, Planner
from blocklint.runner import Target, check_document, check_target

ROOT = Path(__file__).resolve().parent.parent
FIXES = Path(__file__).parent / "fixes"
FUZZ_EXAMPLES = int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "1000"))


def test_overlapping_fix_is_skipped_and_the_first_one_kept():
    first = Fix((Edit(0, 3, "abc"),), True, "first")
    overlapping = Fix((Edit(2, 5, "xyz"),), True, "second")
    text, applied, _ = apply_and_load("0123456789", [overlapping, first], path="x", load=None)
    assert text == "abc3456789"
    assert applied == [first]


def test_two_insertions_at_one_point_conflict():
    text, applied, _ = apply_and_load("ab", [Fix((Edit(1, 1, "x"),), True, "x"), Fix((Edit(1, 1, "y"),), True, "y")],
                                      path="x", load=None)
    assert text in ("axb", "ayb") and len(applied) == 1


def test_edit_inside_a_template_tag_is_refused():
    source = "name: {{ block_name }}\nother: value\n"
    inside = Fix((Edit(source.index("block"), source.index("block") + 5, "x"),), True, "inside")
    outside = Fix((Edit(source.index("value"), source.index("value") + 5, "v"),), True, "outside")
    text, applied, _ = apply_and_load(source, [inside, outside], path="x.yaml", load=None)
    assert applied == [outside]
    assert "{{ block_name }}" in text


def test_a_fix_that_breaks_loading_is_not_applied():
    source = "a: 1\nb: [1, 2]\n"
    breaking = Fix((Edit(source.index("]"), source.index("]") + 1, ""),), True, "drop bracket")
    harmless = Fix((Edit(0, 1, "c"),), True, "rename a")
    text, applied, _ = apply_and_load(source, [breaking, harmless], path="x.yaml", load=LoadSettings())
    assert applied == [harmless]
    assert text == "c: 1\nb: [1, 2]\n"
    assert apply_and_load(source, [breaking], path="x.yaml", load=LoadSettings())[:2] == (source, [])


def test_a_fix_that_makes_a_duplicate_key_is_not_applied():
    source = "parent: [a]\nparents: [b]\n"
    rename = Fix((Edit(0, 6, "parents"),), True, "rename")
    assert apply_and_load(source, [rename], path="x.yaml", load=LoadSettings())[:2] == (source, [])


def test_no_fix_on_a_rendered_line_that_holds_a_template_tag(tmp_path):
    from blocklint.fixers import fix_for

    text = (FIXES / "BL101" / "templated.yaml.j2").read_text(encoding="utf-8")
    text = text.replace("        parent: [load]", "        parent: [{{ first | default('load') }}]")
    planner = Planner(Overrides(isolated=True), start=tmp_path)
    plan = planner.for_path(str(tmp_path / "t.yaml.j2"))
    doc = load_text(text, "t.yaml.j2", plan.load)
    assert doc.rendered
    [finding] = [f for f in check_document(doc, plan).findings if f.rule == "BL101"]
    assert fix_for(finding, doc) is None
    plain = load_text(text.replace("{{ first | default('load') }}", "load"), "t.yaml.j2", plan.load)
    [finding] = [f for f in check_document(plain, plan).findings if f.rule == "BL101"]
    assert fix_for(finding, plain) is not None


def test_line_index_counts_lines_as_editors_do():
    index = LineIndex("a\r\nbc\rd\ne")
    assert [index.offset(line, 0) for line in range(4)] == [0, 3, 6, 8]
    assert index.position(7) == (2, 1)


@pytest.fixture()
def project(tmp_path):
    """A copy of the BL101 and BL301 golden inputs in a directory of their own."""
    for name in ("BL101/parent.yaml", "BL301/unsafe-typo.yaml"):
        target = tmp_path / name.replace("/", "-")
        target.write_bytes((FIXES / name).read_bytes())
    return tmp_path


def _check(paths, planner):
    return [check_target(Target(str(path), True), planner.for_path(str(path))) for path in paths]


def _fix(results, planner, *, unsafe: bool = False, write: bool = True) -> FixSummary:
    """What `check --fix` (with `write=False`: `--diff`) does with each result as it comes."""
    summary = FixSummary()
    for result in results:
        fix_result(result, planner.for_path(result.path), unsafe=unsafe, write=write, summary=summary)
    return summary


def test_fix_writes_safe_fixes_in_place_keeping_permissions_and_leaves_no_temp_file(project):
    planner = Planner(Overrides(isolated=True), start=project)
    safe_file, unsafe_file = project / "BL101-parent.yaml", project / "BL301-unsafe-typo.yaml"
    safe_file.chmod(0o640)
    unsafe_before = unsafe_file.read_bytes()
    summary = _fix(_check([safe_file, unsafe_file], planner), planner, unsafe=False)
    assert summary.fixed == 1 and summary.errors == []
    assert safe_file.read_bytes() == (FIXES / "BL101" / "parent.fixed.yaml").read_bytes()
    assert stat.S_IMODE(safe_file.stat().st_mode) == 0o640
    assert unsafe_file.read_bytes() == unsafe_before
    assert sorted(p.name for p in project.iterdir()) == ["BL101-parent.yaml", "BL301-unsafe-typo.yaml"]


def test_diff_shows_the_change_and_writes_nothing(project):
    planner = Planner(Overrides(isolated=True), start=project)
    before = {p: p.read_bytes() for p in project.iterdir()}
    summary = _fix(_check(sorted(project.iterdir()), planner), planner, unsafe=True, write=False)
    assert {p: p.read_bytes() for p in project.iterdir()} == before
    diff = summary.diff()
    assert "-        parent:\n+        parents:\n" in diff
    assert "-        parents: [laod]\n+        parents: [load]\n" in diff
    assert summary.remaining(_check([project / "BL101-parent.yaml"], planner)[0]) == []


def test_fix_result_reports_what_is_left_after_fixing(project):
    planner = Planner(Overrides(isolated=True), start=project)
    [result] = _check([project / "BL101-parent.yaml"], planner)
    summary = FixSummary()
    after = fix_result(result, planner.for_path(result.path), summary=summary)
    assert [f.rule for f in result.findings] == ["BL101"]
    assert after.findings == [] and after.path == result.path
    assert summary.fixed == 1 and [fixed.path for fixed in summary.files] == [result.path]


def test_fixable_findings_are_only_what_fix_would_fix(project):
    planner = Planner(Overrides(isolated=True), start=project)
    results = _check(sorted(project.iterdir()), planner)
    safe = {f for result in results for f in fixable_findings(result)}
    unsafe = {f for result in results for f in fixable_findings(result, unsafe=True)}
    assert {f.rule for f in safe} == {"BL101"}
    assert {f.rule for f in unsafe} == {"BL101", "BL301"}


def test_fixes_travel_with_the_findings_as_plain_data(project):
    import pickle

    planner = Planner(Overrides(isolated=True), start=project)
    results = _check(sorted(project.iterdir()), planner)
    fixes = {(f.rule, f.suggestion, f.fix.safe, f.fix.edits[0].original, f.fix.edits[0].replacement)
             for result in results for f in result.findings}
    assert fixes == {("BL101", "parents", True, "parent", "parents"), ("BL301", "load", False, "laod", "load")}
    assert pickle.loads(pickle.dumps(results)) == results  # as they come back from a worker
    for path in project.iterdir():
        path.write_text("body: {}\n")  # what the marker says was decided on the text that was checked
    assert {f.rule for result in results for f in fixable_findings(result)} == {"BL101"}


def test_rewording_a_message_keeps_its_fix(project):
    """The fix is made from the rule's data (its suggestion, the node's span), not its message."""
    planner = Planner(Overrides(isolated=True), start=project)
    path = project / "BL301-unsafe-typo.yaml"
    plan = planner.for_path(str(path))
    doc = load_text(path.read_text(encoding="utf-8"), str(path), plan.load)
    [finding] = check_document(doc, plan).findings
    from blocklint.fixers import fix_for

    assert fix_for(finding._replace(message="reworded"), doc) == fix_for(finding, doc) is not None


def test_a_fix_is_not_applied_to_a_file_changed_since_it_was_checked(project):
    planner = Planner(Overrides(isolated=True), start=project)
    path = project / "BL101-parent.yaml"
    [result] = _check([path], planner)
    changed = path.read_text(encoding="utf-8").replace("parent:", "parnt:")
    path.write_text(changed, encoding="utf-8")
    summary = _fix([result], planner)
    assert summary.fixed == 0 and path.read_text(encoding="utf-8") == changed


def test_a_warm_run_marks_fixable_findings_from_the_cache_without_reading_any_file(project, run, monkeypatch):
    monkeypatch.delenv("BLOCKLINT_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(project.parent / "machine-cache"))
    cold = run("check", "--isolated", ".", cwd=project)
    assert cold[0] == 1 and cold[1].count("[*]") == 1, cold[1]

    def no_reading(*args, **kwargs):
        raise AssertionError("a warm run read a file again")

    monkeypatch.setattr("blocklint.fixing.read_source", no_reading)
    monkeypatch.setattr("blocklint.load.load_text", no_reading)
    monkeypatch.setattr("blocklint.runner.load_target", no_reading)
    assert run("check", "--isolated", ".", cwd=project) == cold


def test_a_file_with_a_byte_order_mark_keeps_it(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXES / "BL101" / "parent.yaml").read_bytes())
    planner = Planner(Overrides(isolated=True), start=tmp_path)
    _fix(_check([path], planner), planner)
    assert path.read_bytes() == b"\xef\xbb\xbf" + (FIXES / "BL101" / "parent.fixed.yaml").read_bytes()


# --- property: safe fixes on mutated examples ------------------------------------------------------

EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.yaml"))
TEXTS = {p: p.read_text(encoding="utf-8") for p in EXAMPLES}
# Mutations that make fixable (and some unfixable) findings, each at one chosen occurrence.
MUTATIONS = [
    (re.compile(r"\bparents:"), "parent:"),
    (re.compile(r"\bsteps:"), "step:"),
    (re.compile(r"\btype: standard\b"), "type: Standard"),
    (re.compile(r"\btype: string_array\b"), "type: string_arrray"),
    (re.compile(r"cron: ['\"][^'\"]*['\"]"), 'cron: "@daily"'),
    (re.compile(r"parents: \[(\w+)"), r"parents: [\1, \1"),
    (re.compile(r"(\n\s*- )(\w+)"), r"\1\2\1\2"),
    (re.compile(r"imageRef: (\w+)"), r"imageRef: \1x"),
    (re.compile(r"\n"), "\n# blocklint: disable=BL999\n"),
    (re.compile(r"\bname: "), "nam: "),
    (re.compile(r"\n  "), "\n"),
]
PLANNER = Planner(Overrides(isolated=True), start=ROOT)


@st.composite
def mutated_examples(draw):
    path = draw(st.sampled_from(EXAMPLES))
    text = TEXTS[path]
    for _ in range(draw(st.integers(1, 4))):
        pattern, replacement = draw(st.sampled_from(MUTATIONS))
        matches = list(pattern.finditer(text))
        if matches:
            match = draw(st.sampled_from(matches))
            text = text[:match.start()] + match.expand(replacement) + text[match.end():]
    return path, text


def _only_touched_lines_changed(before: str, after: str, touched: set) -> bool:
    """Whether `after` is `before` with only the `touched` lines (0-based) replaced: the untouched
    lines, in order, with anything in place of each run of touched lines."""
    pattern, gap = [], False
    for number, line in enumerate(before.splitlines(keepends=True)):
        if number in touched:
            if not gap:
                pattern.append("(?s:.*?)")
            gap = True
        else:
            pattern.append(re.escape(line))
            gap = False
    return re.fullmatch("".join(pattern), after) is not None


def test_the_property_check_tells_touched_from_untouched_lines():
    before = "a\n- x\n- x\nb\n"
    assert _only_touched_lines_changed(before, "a\n- x\nb\n", {2})  # the second of two equal lines
    assert _only_touched_lines_changed(before, "a\n- y\n- x\nb\n", {1})
    assert not _only_touched_lines_changed(before, "a\n- x\n- x\nc\n", {1, 2})
    assert not _only_touched_lines_changed(before, "a\n- x\n- x\n", {0})


@pytest.mark.slow
@settings(max_examples=max(FUZZ_EXAMPLES // 10, 20), deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")), suppress_health_check=[HealthCheck.too_slow])
@given(mutated_examples())
def test_safe_fixes_never_break_loading_nor_touch_other_lines(example):
    path, text = example
    plan = PLANNER.for_path(str(path))
    doc = load_text(text, path.name, plan.load)
    fixes = fixes_of(check_document(doc, plan).findings, unsafe=False)
    fixed, applied, _ = apply_and_load(text, fixes, path=path.name, load=plan.load)
    before_problems = {p.rule for p in doc.problems}
    after = load_text(fixed, path.name, plan.load)
    assert {p.rule for p in after.problems} <= before_problems
    index = LineIndex(text)
    touched = set()
    for fix in applied:
        for edit in fix.edits:
            first, last = index.position(edit.start)[0], index.position(max(edit.end - 1, edit.start))[0]
            touched.update(range(first, last + 1))
    assert _only_touched_lines_changed(text, fixed, touched)
    assert all(fix.safe for fix in applied)


def test_a_plain_replacement_that_would_change_type_is_quoted():
    from blocklint.fixers import _replace

    index = LineIndex("key: abc\n")
    assert _replace(index, 5, 8, "abc", "123") == Edit(5, 8, "'123'")
    assert _replace(index, 5, 8, "abc", "true") == Edit(5, 8, "'true'")
    assert _replace(index, 5, 8, "abc", "a: b") == Edit(5, 8, "'a: b'")
    assert _replace(index, 5, 8, "abc", "/health") == Edit(5, 8, "/health")
    assert _replace(index, 5, 8, "abd", "x") is None  # not the text the finding names
