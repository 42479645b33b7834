"""One root mistake, one finding: findings that only follow from another finding are folded
into it (the root one is kept).

Two kinds of roots:

- a rule's declared `follows` (`@rule(..., follows=("BL101",))`): its finding is dropped when a
  finding of a named rule sits on the same node or an enclosing one (the node holding the
  unknown key);
- a loading problem on a template substitution (BL008, an undefined variable): every other
  finding whose span overlaps it describes the empty value the peak CLI would render, not a
  second mistake.
"""

from __future__ import annotations

from blocklint.findings import Finding

SPAN_ROOTS = frozenset({"BL008"})


def fold(findings: list[Finding], follows: dict) -> list[Finding]:
    """`findings` without those that follow from another; `follows` maps rule id -> root ids."""
    if not findings:
        return findings
    roots = [f for f in findings if f.rule in SPAN_ROOTS]
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    kept = []
    for finding in findings:
        if finding.rule not in SPAN_ROOTS and not finding.rule.startswith("BL0") \
                and any(_overlaps(finding, root) for root in roots):
            continue
        if any(_encloses(root, finding) for root_id in follows.get(finding.rule, ())
               for root in by_rule.get(root_id, ())):
            continue
        kept.append(finding)
    return kept


def _overlaps(a: Finding, b: Finding) -> bool:
    return (a.line, a.column) < (b.end_line, b.end_column) and (b.line, b.column) < (a.end_line, a.end_column)


def _encloses(root: Finding, finding: Finding) -> bool:
    """The root's node (for a key finding, the mapping that holds the key) encloses the finding's."""
    node = root.path[:-1] if root.path else ()
    return bool(node) and finding.path[: len(node)] == node
