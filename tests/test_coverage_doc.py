"""docs/coverage.md maps every constraint of the peak CLI's field reference to its check, and every
rule to the evidence behind its severity. It must not go stale: quotes still in the reference, rules
and schema pointers that exist, every rule listed, and a rule's severity, its stated evidence (in
code, in its `## Source` section and in the table) unable to drift apart."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from blocklint import docs
from blocklint.collect import collect_rules

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE_HEADING = "## Severity and evidence, per rule"
COVERAGE, _, EVIDENCE_SECTION = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8").partition(
    EVIDENCE_HEADING)
SCHEMA = json.loads((ROOT / "blocklint" / "schemas" / "press.json").read_text(encoding="utf-8"))
BUILTIN_RULES = sorted((found for found in collect_rules(plugins=False) if docs.is_builtin(found)), key=lambda r: r.id)
BUILTIN = [found.id for found in BUILTIN_RULES]
ROWS = [line for line in COVERAGE.splitlines() if line.startswith("| ") and not line.startswith("| Field")]


def _cells(row):
    return [cell.strip() for cell in row.strip().strip("|").split(" | ")]


def _normal(text: str) -> str:
    return " ".join(text.replace('\\"', '"').split())


def _reference_text() -> str | None:
    spec = importlib.util.find_spec("peak")
    if spec is None:
        return None
    press = Path(spec.origin).parent / "cli" / "press"
    return _normal(" ".join(path.read_text(encoding="utf-8") for path in sorted(press.rglob("*.py"))))


def test_every_row_names_a_check_or_why_there_is_none():
    assert len(ROWS) > 80
    for row in ROWS:
        field, says, checked = _cells(row)
        assert re.search(r"\bBL\d{3}\b|`#/\$defs/|Not offline", checked), f"no check named: {row}"


def test_every_rule_id_named_exists_and_every_rule_is_named():
    named = set(re.findall(r"\bBL\d{3}\b", COVERAGE))
    assert named <= set(BUILTIN), f"unknown rules in docs/coverage.md: {sorted(named - set(BUILTIN))}"
    assert set(BUILTIN) <= named, f"rules missing from docs/coverage.md: {sorted(set(BUILTIN) - named)}"


def _resolve(pointer: str):
    node = SCHEMA
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@pytest.mark.parametrize("pointer", sorted(set(re.findall(r"`(#/\$defs/[^`]+)`", COVERAGE))))
def test_every_schema_pointer_resolves(pointer):
    try:
        _resolve(pointer)
    except (KeyError, IndexError, ValueError):
        pytest.fail(f"docs/coverage.md names {pointer}, which blocklint/schemas/press.json does not have")


def test_quotes_are_marked_as_quotes():
    assert sum(row.count("“") for row in ROWS) > 60


def test_every_quote_is_still_in_the_field_reference():
    reference = _reference_text()
    if reference is None:
        pytest.skip("peak-sdk is not installed")
    stale = []
    for row in ROWS:
        says = _cells(row)[1]
        for quote in re.findall(r"“(.+?)”", says):
            if _normal(quote) not in reference:
                stale.append(quote)
    assert not stale, f"quotes no longer in the peak CLI reference: {stale}"


# --- severity and evidence --------------------------------------------------------------------


def _evidence_rows(first_cell: str) -> list[list[str]]:
    """The rows of the table in the evidence section whose header starts with `first_cell`."""
    table, rows = False, []
    for line in EVIDENCE_SECTION.splitlines():
        if line.startswith(f"| {first_cell} |"):
            table = True
        elif table and line.startswith("| ") and not line.startswith("|---"):
            rows.append(_cells(line))
        elif table and not line.startswith("|"):
            table = False
    return rows


def test_the_evidence_section_exists_and_every_rule_has_one_row():
    assert EVIDENCE_SECTION, f"docs/coverage.md has no '{EVIDENCE_HEADING}' section"
    assert [row[0] for row in _evidence_rows("Rule")] == BUILTIN


def test_the_legend_lists_every_kind_of_evidence_and_what_serve_refuses():
    from blocklint.findings import EVIDENCE

    expected = [[e.label, e.severity, "yes" if e.platform_rejects else "no", e.meaning] for e in EVIDENCE.values()]
    assert _evidence_rows("Evidence") == expected


@pytest.mark.parametrize("found", BUILTIN_RULES, ids=lambda found: found.id)
def test_a_rules_severity_follows_its_evidence_in_code_source_and_table(found):
    from blocklint.findings import ERROR, WARNING

    assert found.evidence is not None, (f"{found.id} names no evidence: add `evidence=` (blocklint.findings: "
                                        "DOCUMENTED, SDK_FAILS, INFERRED, ...) to its @rule")
    assert found.severity == found.evidence.severity, (
        f"{found.id} is {found.severity} but its evidence ({found.evidence.label}) supports {found.evidence.severity}")
    source = docs.rule_source(found)
    for evidence in (found.evidence, *found.also):
        assert evidence.label.lower() in source.lower(), f"{found.id}: its Source does not name '{evidence.label}'"
    severities = {evidence.severity for evidence in (found.evidence, *found.also)}
    if re.search(r"\bError[.:]", source):
        assert ERROR in severities, f"{found.id}: its Source says Error, but no evidence of it is an error"
    if re.search(r"\bWarning[.:]", source):
        assert WARNING in severities, f"{found.id}: its Source says Warning, but no evidence of it is a warning"
    row = next(row for row in _evidence_rows("Rule") if row[0] == found.id)
    assert row[1] == docs.severity_and_evidence(found), f"docs/coverage.md says {row[1]!r} for {found.id}"
    assert row[2], f"docs/coverage.md gives no reason for {found.id}"
