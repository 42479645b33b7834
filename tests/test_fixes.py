"""Golden tests for every fixer: `tests/fixes/<RULE>/<name>.<ext>` is an input,
`<name>.fixed.<ext>` the exact file `check --fix` makes of it. Cases named `unsafe-*` need
`--unsafe-fixes` (and a safe-only run must leave them untouched). The fixed file lints clean of
that rule. `BLOCKLINT_REGEN=1` rewrites the `.fixed` files (review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blocklint.fixers import FIXERS
from blocklint.fixing import fix_document, read_source
from blocklint.load import load_text
from blocklint.plan import Overrides, Planner

FIXES = Path(__file__).parent / "fixes"
INPUTS = sorted(path for path in FIXES.rglob("*") if path.is_file() and ".fixed." not in path.name)


def _fixed_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.fixed{path.suffix}")


@pytest.fixture(scope="module")
def planner():
    return Planner(Overrides(isolated=True), start=FIXES)


def _fix(path: Path, planner, *, unsafe: bool):
    plan = planner.for_path(str(path))
    text, _ = read_source(str(path))
    return fix_document(load_text(text, path.name, plan.load), plan, unsafe=unsafe)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_gives_the_expected_file_and_clears_the_rule(path, planner):
    rule_id = path.parent.name
    unsafe = path.name.startswith("unsafe-")
    before = _fix(path, planner, unsafe=False)
    assert any(f.rule == rule_id for f in check_findings(path, planner)), "the input must show the rule"
    fixed = _fix(path, planner, unsafe=unsafe)
    expected = _fixed_path(path)
    if os.environ.get("BLOCKLINT_REGEN"):
        expected.write_text(fixed.fixed, encoding="utf-8", newline="")
    assert fixed.fixed == expected.read_text(encoding="utf-8"), fixed.diff()
    assert fixed.changed
    assert [f for f in fixed.findings if f.rule == rule_id] == []
    if unsafe:
        assert not before.changed, "an unsafe fix was applied without --unsafe-fixes"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixing_the_fixed_file_changes_nothing(path, planner):
    again = _fix(_fixed_path(path), planner, unsafe=True)
    assert not again.changed, again.diff()


def check_findings(path: Path, planner):
    from blocklint.runner import check_document

    plan = planner.for_path(str(path))
    return check_document(load_text(path.read_text(encoding="utf-8"), path.name, plan.load), plan).findings


def test_every_fixer_has_a_golden_case():
    assert sorted(FIXERS) == sorted({path.parent.name for path in INPUTS})


def test_every_fixer_is_listed_in_the_docs():
    table = (Path(__file__).parent.parent / "docs" / "lsp.md").read_text(encoding="utf-8")
    assert [rule for rule in sorted(FIXERS) if f"| {rule} |" not in table] == []
