"""One root mistake, one finding: findings that only follow from another finding are folded
into it (the root one is kept).

Two kinds of roots:

- a rule's declared `follows` (`@rule(..., follows={"BL101": ("parents",)})`): its finding is
  dropped when an unknown key close to `parents` (BL101) sits in the node its finding lies in;
  with `Named("imageRef")` keys, when the root lies on an `imageRef` (or a key close to it)
  whose value names, or nearly, the node the finding lies on (the image "no step uses");
- an undefined template variable (BL008): the peak CLI renders it as an empty string, so a
  finding on the node the empty text landed in (`Document.undefined`: a wrong type, a value not
  allowed, the required key the CLI then drops) or on the substitution's own line describes
  that empty value, not a second mistake.
"""

from __future__ import annotations

from blocklint.engine.api import Named
from blocklint.findings import Finding

SPAN_ROOTS = frozenset({"BL008"})
# Never folded: what the loader reports, and credentials (a secret beside a `{{ }}` is still a secret).
NEVER_FOLDED = ("BL0", "BL7")


def fold(findings: list[Finding], follows: dict, undefined=(), data=None) -> list[Finding]:
    """`findings` without those that follow from another; `follows` maps rule id -> ((root id,
    keys), ...),
    `undefined` holds the document's undefined template variables (`UndefinedUse`), `data` the
    document's data (where `Named` roots' values are read)."""
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
        if any(_names(root, finding, keys, data) if isinstance(keys, Named) else
               _encloses(root, finding) and _near(root, keys)
               for root_id, keys in follows.get(finding.rule, ()) for root in by_rule.get(root_id, ())):
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


def _names(root: Finding, finding: Finding, keys: Named, data) -> bool:
    """The root lies on one of `keys` (or an unknown key close to one) and its value is the name of
    the finding's node, or a near miss of it: the name "did you mean" picks among the node's
    siblings (as BL503's own message does), so a misspelling folds one node, not every similar one."""
    from blocklint.words import did_you_mean

    if not root.path or not finding.path:
        return False
    key = str(root.path[-1])
    if key not in keys and not did_you_mean(key, keys):
        return False
    value, name = _value_at(data, root.path), str(finding.path[-1])
    siblings = _value_at(data, finding.path[:-1])
    return isinstance(value, str) and (
        value == name or isinstance(siblings, dict) and did_you_mean(value, siblings) == f"; did you mean '{name}'?")


def _value_at(data, path):
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
