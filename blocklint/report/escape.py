"""Text quoted from input, made safe to print: the one escaping every format uses.

A spec file is hostile input, and its keys, values and even its file name reach the output
(in messages, code frames, paths). Printed raw, they could forge output lines: a key holding
`\\n::error file=README.md::...` would start a GitHub workflow command, an ANSI escape would
repaint the terminal, a bidi control would make a line read differently from what it is.
So every value quoted from input goes through `escape_text` (messages, source lines) or
`display_path` (file names) before any format writes it:

- line breaks and tabs become `\\n`, `\\r`, `\\t`; other C0 and C1 control characters (ESC,
  so ANSI escapes, included), DEL, the bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E,
  U+200F, U+061C), the Unicode line and paragraph separators, the BOM and lone surrogates (an
  undecodable file name) become `\\xNN` or `\\uNNNN`: visible, and inert;
- no line can begin with a workflow command of GitHub Actions (`::`) or Azure Pipelines
  (`##[`, `##vso[`): `display_path` prefixes such a file name with `./`, and `guard_line`
  neutralises any line that would still start with one.

JSON, SARIF and the GitLab format get the same escaped messages (their consumers display them),
and the serializer's own escaping on top; the github format keeps line breaks in annotation
data for GitHub's own `%0A` escaping.
"""

from __future__ import annotations

import re
from functools import cache

# Lone surrogates too: a file name that is not valid UTF-8 decodes to them, and they cannot be written.
# Every one of these is unprintable to `str.isprintable` (controls, format characters, separators,
# surrogates; tests/test_output_safety.py holds it), so printable text, nearly all of it, is
# returned as it is without compiling these (~1.5 ms at start-up).
UNSAFE = ("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
          "\ud800-\udfff\ufeff]")
UNSAFE_BUT_LINE_BREAKS = ("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                          "\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff]")


@cache
def _pattern(keep_line_breaks: bool) -> re.Pattern:
    return re.compile(UNSAFE_BUT_LINE_BREAKS if keep_line_breaks else UNSAFE)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What CI runners read as a command when a line starts with it (after leading white space).
COMMAND_PREFIXES = ("::", "##[", "##vso[")


def _visible(match: re.Match) -> str:
    character = match.group(0)
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_text(text: str, *, keep_line_breaks: bool = False) -> str:
    """`text` with every control, bidi and line-breaking character shown as an escape.

    `keep_line_breaks`: leave `\\n` and `\\r` for a format that escapes them its own way (the
    github format's `%0A`).
    """
    text = str(text)
    return text if text.isprintable() else _pattern(keep_line_breaks).sub(_visible, text)


def starts_command(line: str) -> bool:
    """Whether a CI runner would read `line` as a workflow or logging command."""
    return line.lstrip().startswith(COMMAND_PREFIXES)


def display_path(path: str) -> str:
    """A file name as human-readable formats print it at the start of a line."""
    shown = escape_text(path)
    return f"./{shown}" if starts_command(shown) else shown


def guard_line(line: str) -> str:
    """A line written by a human-readable format, made unable to start a CI command.

    Paths and values are already escaped by the time a line is built; this is the last guard,
    for a line whose first characters came from input some other way.
    """
    if not starts_command(line):
        return line
    stripped = line.lstrip()
    return line[:len(line) - len(stripped)] + "\\x3a" + stripped[1:] if stripped.startswith(":") \
        else line[:len(line) - len(stripped)] + "\\x23" + stripped[1:]
