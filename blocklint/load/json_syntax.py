"""JSON files as the peak CLI reads them: through YAML, and where strict JSON would differ.

The peak CLI reads `.json` files with `yaml.safe_load`, so the tree is built by the YAML loader;
this module says where a strict JSON reader would have refused the file or read it otherwise
(BL014, a warning: the CLI sends what it read): a trailing comma, a `//` comment (text to YAML,
so a key or an item), single quotes, or a number such as `1e5`, a string to YAML 1.1.

It also rewrites the one construct libyaml refuses and JSON writers produce: an escaped surrogate
pair (`"\\ud83d\\ude80"`, as `json.dumps` writes an emoji), which becomes the single escape
`\\U0001f680` (the request carries the same text). The rewrite is right only inside a
double-quoted string; where the pair stood in a plain or single-quoted scalar (backslashes are
text there), the rewritten escape shows in a value, and the file is read again as written.
"""

from __future__ import annotations

import json
import re

from blocklint.load.document import Problem, Span
from blocklint.load.scalars import json_plain, yaml_plain
from blocklint.words import split_lines

_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_REWRITTEN = re.compile(r"\\U000[0-9a-f]{5}")
_AS_YAML = "the peak CLI reads `.json` files as YAML"
_NUMBER_START = frozenset("-0123456789.")


def differences(text: str, spans: dict, key_spans: dict) -> list[Problem]:
    """Where strict JSON refuses `text`, or reads one of its numbers otherwise than YAML does.

    `spans` and `key_spans` are the tree's (positions in `text`): a number token is found there.
    """
    problems = []
    lines = split_lines(text)
    strict = _strict_problem(text, lines, key_spans)
    if strict is not None:
        problems.append(strict)
    for span in spans.values():
        if span.line != span.end_line or span.line >= len(lines):
            continue
        token = lines[span.line][span.column:span.end_column]
        if not token or token[0] not in _NUMBER_START:
            continue
        as_yaml, as_json = yaml_plain(token), json_plain(token)
        if type(as_yaml) is not type(as_json) and not isinstance(as_json, str):
            problems.append(Problem("BL014", span, (
                f"`{token[:40]}` is {_described(as_yaml)} to the peak CLI ({_AS_YAML} 1.1), not "
                f"{_described(as_json)} as in strict JSON; write it as YAML 1.1 reads it the same way "
                "(`100000` or `1.0e+5`), or quote it if it is text")))
    return problems


def _described(value) -> str:
    return f"the string '{value[:40]}'" if isinstance(value, str) else f"the {type(value).__name__} {value!r}"


def _strict_problem(text: str, lines: list[str], key_spans: dict) -> Problem | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return _refused_by_json(text, error, lines, key_spans)
    except (ValueError, RecursionError):  # a huge integer or nesting: the YAML reading says its own
        return None
    return None


def _span_at(text: str, index: int) -> Span:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return Span(line, column, line, column + 1)


def _refused_by_json(text: str, error: json.JSONDecodeError, lines: list[str], key_spans: dict) -> Problem:
    at = text[error.pos:error.pos + 1]
    before = text[:error.pos].rstrip()
    span = Span(error.lineno - 1, error.colno - 1, error.lineno - 1, error.colno)
    if before.endswith(",") and at in ("}", "]"):
        return Problem("BL014", _span_at(text, len(before) - 1), (
            f"not strict JSON: a trailing comma; {_AS_YAML}, where it ends the list quietly, so the request is "
            "sent as if it were not there (strict JSON tools refuse it: remove it)"))
    if text.startswith("//", error.pos):
        key = next((path[-1] for path, where in key_spans.items() if (where.line, where.column) ==
                    (span.line, span.column)), None)
        becomes = (f"the key '{str(key)[:60]}' (dropped by the CLI when it has no value)" if key is not None
                   else "text in the document")
        return Problem("BL014", span, (
            f"not strict JSON: a `//` comment; JSON has no comments, and {_AS_YAML}, where this line becomes "
            f"{becomes}: remove the comment"))
    if at == "'":
        reason = "single quotes (JSON strings and keys use double quotes)"
    else:
        reason = error.msg[0].lower() + error.msg[1:]
    return Problem("BL014", span, (
        f"not strict JSON: {reason}; {_AS_YAML}, which accepts it (`blocklint render` shows what is sent); "
        "strict JSON tools refuse the file"))


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


def rewrite_shows(root) -> bool:
    """Whether a rewritten escape (`\\U000xxxxx`) is text in a key or value of `root`: a pair
    rewritten outside a double-quoted string, where YAML reads backslashes as they are."""
    pending = [root]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _REWRITTEN.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False
