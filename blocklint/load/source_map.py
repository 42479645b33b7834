"""Positions in a rendered template, mapped back onto the file the user wrote.

Lines are matched with difflib (an `{% include %}` maps every line it produced to its tag);
within a line that rendering changed, columns are matched character by character, so a node
after `{{ first_parent }}` points at its own token in the source and never past the end of the
line. A zero-width position where text was removed (a variable rendered as an empty string)
widens to the removed source text.
"""

from __future__ import annotations

import difflib
import re

from blocklint.load.document import Span
from blocklint.words import split_lines

_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
# Character matching is quadratic in the worst case: longer lines match only a common prefix
# and suffix (exact for the usual single substitution).
_CHARACTER_DIFF_UP_TO = 2000


class SourceMap:
    def __init__(self, rendered: str, source: str):
        self._rendered = split_lines(rendered)
        self._source = split_lines(source)
        self._lines = _line_map(self._rendered, self._source)
        self._columns: dict[int, list] = {}

    def line(self, rendered_line: int) -> int:
        """The source line a rendered line came from."""
        return self._lines[min(max(rendered_line, 0), len(self._lines) - 1)]

    def to_source(self, span: Span) -> Span:
        line, end_line = self.line(span.line), self.line(span.end_line)
        empty = (span.line, span.column) == (span.end_line, span.end_column)
        column = self._column(span.line, line, span.column, end=False, widen=empty)
        end_column = self._column(span.end_line, end_line, span.end_column, end=True, widen=empty)
        if (end_line, end_column) < (line, column):
            end_line, end_column = line, column
        return Span(line, column, end_line, end_column)

    def _column(self, rendered_line: int, source_line: int, column: int, *, end: bool, widen: bool) -> int:
        source_text = self._source[source_line] if source_line < len(self._source) else ""
        if rendered_line >= len(self._rendered):
            return min(column, len(source_text))
        opcodes = self._opcodes(rendered_line, source_line)
        if opcodes is None:  # the line was not changed
            return min(column, len(source_text))
        removed = [(j1, j2) for tag, i1, i2, j1, j2 in opcodes if widen and i1 == i2 == column]
        if removed:  # text removed right here: the span covers it
            return min(removed[0][1] if end else removed[0][0], len(source_text))
        mapped = None
        for tag, i1, i2, j1, j2 in opcodes:
            if end and i1 < column <= i2 or not end and i1 <= column < i2:
                if tag == "equal":
                    mapped = j1 + (column - i1)
                else:
                    mapped = j2 if end else j1
                break
        if mapped is None:  # at the very end of the line
            mapped = opcodes[-1][4] if opcodes else 0
        # A rendered character may match one inside a tag (the `n` of a value against the `n` of
        # `{{ name }}`): a position inside a tag stands for the whole tag.
        for tag in _JINJA_TAG.finditer(source_text):
            if tag.start() < mapped < tag.end() or (not end and mapped == tag.start()):
                mapped = tag.end() if end else tag.start()
                break
        return min(mapped, len(source_text))

    def _opcodes(self, rendered_line: int, source_line: int):
        if rendered_line not in self._columns:
            rendered = self._rendered[rendered_line]
            source = self._source[source_line] if source_line < len(self._source) else ""
            if rendered == source:
                self._columns[rendered_line] = None
            elif max(len(rendered), len(source)) <= _CHARACTER_DIFF_UP_TO:
                matcher = difflib.SequenceMatcher(None, rendered, source, autojunk=False)
                self._columns[rendered_line] = matcher.get_opcodes()
            else:
                self._columns[rendered_line] = _prefix_suffix_opcodes(rendered, source)
        return self._columns[rendered_line]


def _prefix_suffix_opcodes(rendered: str, source: str) -> list:
    prefix = 0
    limit = min(len(rendered), len(source))
    while prefix < limit and rendered[prefix] == source[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and rendered[-1 - suffix] == source[-1 - suffix]:
        suffix += 1
    middle_r, middle_s = len(rendered) - suffix, len(source) - suffix
    opcodes = [("equal", 0, prefix, 0, prefix)] if prefix else []
    if middle_r > prefix or middle_s > prefix:
        opcodes.append(("replace", prefix, middle_r, prefix, middle_s))
    if suffix:
        opcodes.append(("equal", middle_r, len(rendered), middle_s, len(source)))
    return opcodes


def _line_map(rendered_lines: list[str], source_lines: list[str]) -> list[int]:
    """For each rendered line, the source line it came from (includes map to their tag).

    Lines the template left alone at the start and the end are matched directly; difflib matches
    what lies between when that is small, and a greedy forward match (rendering keeps the order
    of the source) when it is not: difflib on two 100,000-line texts full of repeated lines
    (`type: standard`) takes minutes.
    """
    mapping = [0] * max(len(rendered_lines), 1)
    last_source = max(len(source_lines) - 1, 0)
    prefix = 0
    limit = min(len(rendered_lines), len(source_lines))
    while prefix < limit and rendered_lines[prefix] == source_lines[prefix]:
        mapping[prefix] = prefix
        prefix += 1
    suffix = 0
    while (suffix < limit - prefix
           and rendered_lines[len(rendered_lines) - 1 - suffix] == source_lines[len(source_lines) - 1 - suffix]):
        mapping[len(rendered_lines) - 1 - suffix] = len(source_lines) - 1 - suffix
        suffix += 1
    rendered_middle = rendered_lines[prefix:len(rendered_lines) - suffix]
    source_middle = source_lines[prefix:len(source_lines) - suffix]
    if len(rendered_middle) * len(source_middle) <= _DIFFLIB_LINE_PAIRS:
        middle = _difflib_lines(rendered_middle, source_middle)
    else:
        middle = _greedy_lines(rendered_middle, source_middle)
    for offset, source_line in enumerate(middle):
        mapping[prefix + offset] = min(prefix + source_line, last_source)
    return mapping


_DIFFLIB_LINE_PAIRS = 4_000_000
_LOOKAHEAD = 64


def _difflib_lines(rendered_lines: list[str], source_lines: list[str]) -> list[int]:
    mapping = [0] * len(rendered_lines)
    matcher = difflib.SequenceMatcher(None, rendered_lines, source_lines, autojunk=False)
    last_source = max(len(source_lines) - 1, 0)
    for tag, r1, r2, s1, s2 in matcher.get_opcodes():
        for offset, rendered_line in enumerate(range(r1, r2)):
            if tag == "equal" or (tag == "replace" and r2 - r1 == s2 - s1):
                mapping[rendered_line] = s1 + offset
            elif tag == "replace" and (r2 - r1) * (s2 - s1) <= _SIMILARITY_PAIRS:
                # Lines a loop repeated or an include brought in: the most similar source line.
                line = rendered_lines[rendered_line]
                mapping[rendered_line] = max(range(s1, s2), key=lambda source: (
                    difflib.SequenceMatcher(None, line, source_lines[source]).quick_ratio(), -source))
            else:
                mapping[rendered_line] = min(s1, last_source)
    return mapping


_SIMILARITY_PAIRS = 10_000


def _greedy_lines(rendered_lines: list[str], source_lines: list[str]) -> list[int]:
    """Each rendered line to the next equal source line within a short look-ahead, else to the
    line the source is at (a substituted line, or text an include or a loop produced)."""
    mapping = [0] * len(rendered_lines)
    at = 0
    for index, line in enumerate(rendered_lines):
        window = source_lines[at:at + _LOOKAHEAD]
        if line in window:
            at += window.index(line)
            mapping[index] = at
            at = min(at + 1, max(len(source_lines) - 1, 0))
        else:
            mapping[index] = at
            if at + 1 < len(source_lines) and index + 1 < len(rendered_lines) \
                    and rendered_lines[index + 1] == source_lines[at + 1]:
                at += 1  # this line was a substitution: the source moves on with it
    return mapping
