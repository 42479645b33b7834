"""The fix model: text edits on the original source, grouped into fixes marked safe or unsafe
(ruff's model), and applying them without ever breaking a file.

An `Edit` replaces the characters `source[start:end]` of the text the user wrote. A `Fix` is
the edits that together repair one finding; it is *safe* when it cannot change what the
document means to the platform (a typo'd key that the platform drops anyway), *unsafe* when
it picks one meaning among several (a misspelt parent renamed to the closest step).

`apply_and_load` applies a list of fixes in source order and skips a fix that overlaps one
already applied (as ruff does: the next run picks it up), a fix that would edit inside a
template tag (`{{ }}`, `{% %}`, `{# #}`), and, when given the loader's settings, a result that
loads with problems the original did not have.
"""

from __future__ import annotations

import bisect
import re

from blocklint.findings import Edit, Fix  # plain data, carried by findings

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


class LineIndex:
    """Converts between (0-based line, column) positions and character offsets of one text,
    counting lines as editors and the loader do (at \\n, \\r\\n and \\r)."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def offset(self, line: int, column: int) -> int:
        line = min(max(line, 0), len(self.starts) - 1)
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        return min(self.starts[line] + max(column, 0), end)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]

    def line_end(self, line: int) -> int:
        """The offset just past the line's text (before its line break)."""
        end = self.next_line_start(line)
        start = self.starts[line]
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return end

    def next_line_start(self, line: int) -> int:
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)


def template_regions(source: str) -> list[tuple[int, int]]:
    """The offsets of every template tag in the source, which no fix may edit."""
    if "{" not in source:
        return []
    return [(match.start(), match.end()) for match in _TEMPLATE_TAG.finditer(source)]


def in_template(edit: Edit, regions) -> bool:
    return any(edit.start < end and start < edit.end or start <= edit.start < end for start, end in regions)


def apply_edits(source: str, edits) -> str:
    """The source with non-overlapping edits applied (checked by the caller)."""
    pieces, last = [], 0
    for edit in sorted(edits):
        pieces.append(source[last:edit.start])
        pieces.append(edit.replacement)
        last = edit.end
    pieces.append(source[last:])
    return "".join(pieces)


def select_fixes(source: str, fixes) -> list[Fix]:
    """The fixes that can be applied together: in source order, skipping a fix that overlaps one
    already taken, edits inside a template tag, edits outside the text or over text other than
    the one they were made for."""
    regions = template_regions(source)
    taken: list[Fix] = []
    edits: list[Edit] = []
    for fix in sorted((fix for fix in fixes if fix and fix.edits), key=lambda fix: (fix.start, fix.title)):
        if any(edit.start < 0 or edit.end > len(source) or edit.start > edit.end for edit in fix.edits):
            continue
        if any(edit.original is not None and source[edit.start:edit.end] != edit.original for edit in fix.edits):
            continue  # made for another text: the file changed since it was checked
        if any(in_template(edit, regions) for edit in fix.edits):
            continue
        if any(edit.touches(other) for edit in fix.edits for other in edits):
            continue
        own = list(fix.edits)
        if any(a.touches(b) for i, a in enumerate(own) for b in own[i + 1:]):
            continue
        taken.append(fix)
        edits.extend(own)
    return taken


def apply_and_load(source: str, fixes, *, path: str, load, before=None):
    """Apply what can be applied of `fixes` to `source`: `(new_source, applied_fixes, document)`.

    With `load` (the run's `LoadSettings`), the result is loaded again: when it has loading
    problems the original did not have, each fix is tried on its own and kept only if it loads
    cleanly; if none does, the original comes back unchanged with no fix applied. `document` is
    the fixed text's `Document` (None without `load`). `before`: the original's `Document`, when
    the caller has it (saves loading it again).
    """
    taken = select_fixes(source, fixes)
    if not taken:
        return source, [], before
    result = apply_edits(source, [edit for fix in taken for edit in fix.edits])
    if load is None:
        return result, taken, None
    from blocklint.load import load_text

    original = _problems_of(before if before is not None else load_text(source, path, load))
    fixed_doc = load_text(result, path, load)
    if _problems_of(fixed_doc) <= original:
        return result, taken, fixed_doc
    kept: list[Fix] = []
    for fix in taken:  # rare: find the fixes that break loading, and leave them out
        trial = apply_edits(source, [edit for other in (*kept, fix) for edit in other.edits])
        if _problems_of(load_text(trial, path, load)) <= original:
            kept.append(fix)
    if not kept:
        return source, [], before
    result = apply_edits(source, [edit for fix in kept for edit in fix.edits])
    return result, kept, load_text(result, path, load)


def _problems_of(doc) -> set:
    """What loading reported, without positions (an edit moves the lines below it)."""
    problems = {(problem.rule, _unlocated(problem.message)) for problem in doc.problems}
    if doc.data is None and not problems:
        problems.add(("BL002", "empty"))
    return problems


_LINE_NUMBER = re.compile(r"\bline \d+")


def _unlocated(message: str) -> str:
    return _LINE_NUMBER.sub("line N", message)
