"""In-file suppressions: `# blocklint: disable=...` on a line or the line above,
`# blocklint: disable-file=...`, and the JSON `"x-blocklint": {"disable": [...]}` key."""

from __future__ import annotations

import re

from blocklint.engine.select import UNSUPPRESSIBLE, matches, names_every_rule
from blocklint.findings import Finding
from blocklint.load import Document, Span
from blocklint.records import Record, field, record

DIRECTIVE = re.compile(r"#\s*blocklint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\s]+)")


def _codes(text: str) -> set[str]:
    return {code.strip().upper() for code in text.split(",") if code.strip()}


@record
class Directive(Record):
    """One `# blocklint: disable=...` comment (or the JSON `x-blocklint` key)."""

    line: int  # 1-based line of the comment; 0 for file-wide directives
    codes: set
    covers: set  # 1-based lines it applies to; empty for file-wide
    used: set = field(default_factory=set)
    column: int = 0  # 0-based column of the comment


def suppressions(doc: Document) -> list[Directive]:
    """The document's directives: comments (YAML has them; JSON has none, so only its
    `x-blocklint` key counts), never text inside a value, where a file could hide one."""
    directives = [Directive(0, set(doc.disabled), set())] if doc.disabled else []
    if "blocklint:" not in doc.source or doc.path.endswith((".json", ".json.j2")):
        return directives
    found = [(number, text, match) for number, text in enumerate(doc.source_lines, start=1)
             if (match := DIRECTIVE.search(text))]
    in_values = _inside_values(doc, [(number - 1, match.start()) for number, _, match in found])
    for number, text, match in found:
        if (number - 1, match.start()) in in_values:
            continue
        codes = _codes(match.group(2))
        if match.group(1) == "disable-file":
            covers = set()
        elif text[: match.start()].strip():
            covers = {number}
        else:
            covers = {number, number + 1}  # a comment on a line of its own covers the line below
        directives.append(Directive(number, codes, covers, column=match.start()))
    return directives


def _inside_values(doc: Document, places: list) -> set:
    """Those of `places` ((0-based) line, column in the source) that lie inside a scalar value (a
    quoted string, a block scalar), where a `#` starts no comment. One pass over the nodes,
    whatever the number of directives."""
    import bisect

    if not places:
        return set()
    ordered = sorted(set(places))
    inside = set()
    for path, span in doc.spans.items():
        span = doc.to_source(span)
        start = (span.line, span.column)
        first = bisect.bisect_left(ordered, start)
        if first == len(ordered) or ordered[first] >= (span.end_line, span.end_column):
            continue  # no directive inside this node
        if isinstance(_node(doc.data, path), (dict, list)):
            continue
        last = bisect.bisect_left(ordered, (span.end_line, span.end_column), first)
        inside.update(ordered[first:last])
    return inside


def _node(data, path):
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _matches(rule_id: str, codes) -> bool:
    """Whether a directive's codes silence `rule_id`. A code naming every rule (`ALL`, `B`, `BL`)
    silences nothing, as an empty one: a file switching every check off is what a hostile file
    would write. Nor does any code silence what the file cannot (`UNSUPPRESSIBLE`)."""
    return rule_id not in UNSUPPRESSIBLE and matches(rule_id, {code for code in codes if not names_every_rule(code)})


def apply_suppressions(doc: Document, findings: list[Finding], ran: set, directives: list | None = None):
    """Findings left after suppression, and the directives' codes that suppressed nothing.

    A code counts as unused only if a rule it names ran: of a rule that was not selected,
    nothing can be said. An empty code, or one naming every rule, suppresses nothing and is
    always reported. `directives`: the document's (`suppressions(doc)`), when the caller has them.
    """
    directives = suppressions(doc) if directives is None else directives
    if not directives:
        return findings, []
    file_wide, by_line = _index(directives)
    kept = []
    for finding in findings:
        hits = _hits(finding, file_wide, by_line)
        for directive in hits:
            directive.used |= {code for code in directive.codes if _matches(finding.rule, {code})}
        if not hits:
            kept.append(finding)
    unused = []
    for directive in directives:
        for code in sorted(directive.codes - directive.used):
            # An empty code would name every rule; it names none, and is always reported.
            if not code or names_every_rule(code) or any(matches(rule_id, {code}) for rule_id in ran):
                line = max(directive.line - 1, 0)
                unused.append((Span(line, directive.column, line, directive.column + 1), code))
    return kept, unused


def suppression_test(directives: list[Directive]):
    """Whether a finding will be suppressed, marking no directive used: the finding caps count
    only the findings that will be shown (20,000 suppressed findings are no flood)."""
    if not directives:
        return lambda finding: False
    file_wide, by_line = _index(directives)
    return lambda finding: bool(_hits(finding, file_wide, by_line))


def _index(directives: list[Directive]) -> tuple[list, dict]:
    """The file-wide directives, and the others by the lines they cover."""
    by_line: dict[int, list] = {}
    for directive in directives:
        for line in directive.covers:
            by_line.setdefault(line, []).append(directive)
    return [d for d in directives if not d.covers], by_line


def _hits(finding: Finding, file_wide: list, by_line: dict) -> list[Directive]:
    return [d for d in (*file_wide, *by_line.get(finding.line, ())) if _matches(finding.rule, d.codes)]
