"""A parser's syntax error as the problem a user reads: BL001 at the place, named as they would say it."""

from __future__ import annotations

from blocklint.load.document import Problem, Span
from blocklint.words import split_lines


def syntax_problem(error, text: str) -> Problem:
    """A libyaml syntax error as a BL001 problem, named as a user would say it."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    lines = split_lines(text)
    if lines and not lines[-1]:
        lines.pop()  # the empty "line" after a final line break
    if lines and (line >= len(lines) or (line == len(lines) - 1 and column >= len(lines[-1]))):
        line, column = len(lines) - 1, len(lines[-1])
        context = error.context_mark
        opened = f" (the construct opened on line {context.line + 1})" if context and context.line < line else ""
        return Problem("BL001", Span(line, column, line, column + 1),
                       f"invalid YAML: unexpected end of file{opened}: an unclosed bracket, brace or quote?")
    char = lines[line][column:column + 1] if line < len(lines) else ""
    if char == "\t" or (line < len(lines) and lines[line][:column + 1].strip() == "" and "\t" in lines[line]):
        tab = lines[line].find("\t") if line < len(lines) else 0
        return Problem("BL001", Span(line, max(tab, 0), line, max(tab, 0) + 1),
                       "tab character in indentation; YAML indents with spaces only")
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return Problem("BL001", Span(line, column, line, column + 1), message)
