"""One root mistake, one finding: findings that only follow from another finding are folded
into it (the root one is kept).

Two kinds of roots:

- a rule's declared `follows` (`@rule(..., follows={"BL101": ("parents",)})`): its finding is
  dropped when an unknown key close to `parents` (BL101) sits in the node its finding lies in;
- an undefined template variable (BL008): the peak CLI renders it as an empty string, so a
  finding on the node the empty text landed in (`Document.undefined`: a wrong type, a value not
  allowed, the required key the CLI then drops) or on the substitution's own line describes
  that empty value, not a second mistake.
"""

from __future__ import annotations

from blocklint.findings import Finding

SPAN_ROOTS = frozenset({"BL008"})
# Never folded: what the loader reports, and credentials (a secret beside a `{{ }}` is still a secret).
NEVER_FOLDED = ("BL0", "BL7")


def fold(findings: list[Finding], follows: dict, undefined=()) -> list[Finding]:
    """`findings` without those that follow from another; `follows` maps rule id -> ((root id,
    keys), ...),
    `undefined` holds the document's undefined template variables (`UndefinedUse`)."""
    if not findings:
        return findings
    roots = [f for f in findings if f.rule in SPAN_ROOTS]
    emptied = {tuple(use.path) for use in undefined if use.path}
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    kept = []
    for finding in findings:
        if roots and not finding.rule.startswith(NEVER_FOLDED) and (
                finding.path in emptied
                or (finding.line == finding.end_line and any(_overlaps(finding, root) for root in roots))):
            continue
        if any(_encloses(root, finding) and _near(root, keys) for root_id, keys in follows.get(finding.rule, ())
               for root in by_rule.get(root_id, ())):
            continue
        kept.append(finding)
    return kept


def _overlaps(a: Finding, b: Finding) -> bool:
    return (a.line, a.column) < (b.end_line, b.end_column) and (b.line, b.column) < (a.end_line, a.end_column)


def _near(root: Finding, keys) -> bool:
    """Whether the root finding's unknown key is a near miss of one of `keys`."""
    from blocklint.words import did_you_mean

    return bool(root.path) and bool(did_you_mean(str(root.path[-1]), keys))


def _encloses(root: Finding, finding: Finding) -> bool:
    """The root's node (for a key finding, the mapping that holds the key) encloses the finding's."""
    node = root.path[:-1] if root.path else ()
    return bool(node) and finding.path[: len(node)] == node
