"""JSON files: syntax errors named as a user would name them, and text libyaml can build from.

JSON is checked by `json` itself first (YAML would accept a trailing comma that JSON rejects);
the tree and its positions are then built by the YAML loader (JSON is YAML), after rewriting the
one construct libyaml refuses: an escaped surrogate pair (`"\\ud83d\\ude80"`, as `json.dumps`
writes an emoji), which becomes the single escape `\\U0001f680`.
"""

from __future__ import annotations

import json
import re

from blocklint.load.document import FILE_START, Problem, Span

_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_LONG_DIGITS = re.compile(r"\d{4300,}")


def check(text: str, max_depth: int) -> Problem | None:
    """None if `text` is valid JSON, else the problem, at its place."""
    try:
        json.loads(text)
    except RecursionError:
        return Problem("BL005", FILE_START, f"nesting deeper than {max_depth} levels")
    except json.JSONDecodeError as error:
        return _syntax_problem(text, error)
    except ValueError as error:  # an integer of more than 4,300 digits
        span = _span_at(text, _LONG_DIGITS.search(text).start()) if _LONG_DIGITS.search(text) else FILE_START
        return Problem("BL001", span, f"invalid JSON: {error}")
    return None


def _span_at(text: str, index: int) -> Span:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return Span(line, column, line, column + 1)


def _syntax_problem(text: str, error: json.JSONDecodeError) -> Problem:
    if not text.strip():
        return Problem("BL002", FILE_START, "the file is empty; a Press document is a YAML or JSON mapping")
    at = text[error.pos:error.pos + 1]
    before = text[:error.pos].rstrip()
    span = Span(error.lineno - 1, error.colno - 1, error.lineno - 1, error.colno)
    message = f"invalid JSON: {error.msg}"
    if not text[error.pos:].strip():
        return Problem("BL001", span, "invalid JSON: unexpected end of file: an unclosed bracket, brace or quote?")
    if error.msg.startswith(("Expecting property name", "Expecting value")):
        if before.endswith(",") and at in ("}", "]"):
            comma = len(before) - 1
            return Problem("BL001", _span_at(text, comma),
                           "invalid JSON: trailing comma; JSON allows no comma before a closing bracket")
        if at == "'":
            message = "invalid JSON: single quotes; JSON strings and keys use double quotes"
        elif error.msg.startswith("Expecting property name"):
            shown = {"[": "a list", "{": "an object"}.get(at, f"'{at}'")
            message = f"invalid JSON: an object key must be a string in double quotes, not {shown}"
        else:
            word = re.match(r"[A-Za-z_]\w*", text[error.pos:])
            if word:
                message = (f"invalid JSON: `{word.group()[:40]}` is not a JSON value (use true, false, null, "
                           "a number or a string in double quotes)")
    elif error.msg.startswith("Extra data"):
        message = "invalid JSON: text after the end of the document (a missing bracket earlier, or two documents?)"
    elif error.msg.startswith("Invalid control character"):
        message = "invalid JSON: a raw control character inside a string; write it as an escape (\\t, \\n, \\u0001)"
    elif error.msg.startswith("Unterminated string"):
        message = "invalid JSON: unterminated string (a missing closing double quote)"
    return Problem("BL001", span, message)


def without_surrogate_escapes(text: str) -> tuple[str, list | None]:
    """`text` with escaped surrogate pairs joined, and the index shifts back to `text` (or None)."""
    if "\\u" not in text and "\\U" not in text or not _SURROGATE_PAIR.search(text):
        return text, None
    pieces, shifts, position, delta, length = [], [(0, 0)], 0, 0, 0
    for match in _SURROGATE_PAIR.finditer(text):
        high, low = int(match.group(2), 16), int(match.group(3), 16)
        code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        replacement = f"{match.group(1)}\\U{code:08x}"
        pieces.append(text[position:match.start()])
        pieces.append(replacement)
        length += match.start() - position + len(replacement)
        delta += len(match.group()) - len(replacement)
        shifts.append((length, delta))
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), shifts
