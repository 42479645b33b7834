"""docs/coverage.md maps every constraint of the peak CLI's field reference to its check. It must
not go stale: quotes still in the reference, rules and schema pointers that exist, every rule listed."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from blocklint import docs
from blocklint.collect import collect_rules

ROOT = Path(__file__).resolve().parent.parent
COVERAGE = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
SCHEMA = json.loads((ROOT / "blocklint" / "schemas" / "press.json").read_text(encoding="utf-8"))
BUILTIN = sorted(found.id for found in collect_rules(plugins=False) if docs.is_builtin(found))
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
