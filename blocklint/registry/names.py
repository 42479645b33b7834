"""Names of specs and deployments as the registry stores them.

A name is an identifier other tools print, compare and put in paths and URLs. Press publishes no
rule for names beyond "unique within the tenant", and every name in Peak's documentation is
lowercase kebab-case (BL611 warns about others); so the registry refuses only what no platform
stores as an identifier and what would make two names look alike:

- control characters (NUL, CR, LF, tab, ESC...), which forge log lines and HTTP headers;
- Unicode format characters (bidi controls such as U+202E, zero-width characters, the BOM) and
  line separators, which make a name read differently from what it is;
- `/` and `\\`, and the names `.` and `..`, which address paths (`../../../etc/passwd`);
- leading or trailing white space, and more than `MAX_NAME_CHARS` characters.

A name is stored in Unicode normal form C. `café` typed on one machine and `café` taken from a
macOS file name (NFD: `e` followed by a combining accent) are the same word to every reader;
stored as given they would be two specs whose names cannot be told apart. NFC is the form the
web's identifiers use (RFC 5198, W3C character model) and what keyboards produce, so a name
already in it is stored unchanged; lookups by name are normalised the same way. Press's own
handling is not documented; this is the registry's choice, made so that equal-looking names are
one name.
"""

from __future__ import annotations

import unicodedata

from blocklint.registry.errors import Invalid

MAX_NAME_CHARS = 255  # a file name's length on every common file system
# Unicode categories refused anywhere in a name: controls, format characters (bidi, zero-width,
# BOM), line and paragraph separators, surrogates, private use and unassigned code points.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def stored_name(value, what: str = "metadata.name") -> str:
    """`value` as the registry stores a name (NFC), or `Invalid` saying why it cannot be one."""
    if not isinstance(value, str) or not value:
        raise Invalid(f"{what} is required (a non-empty string)")
    name = unicodedata.normalize("NFC", value)
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"{what} has {len(name)} characters (at most {MAX_NAME_CHARS})")
    for character in name:
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            raise Invalid(f"{what} holds the character U+{ord(character):04X} ({_describe(character)}); "
                          "a name holds no control, format or invisible characters")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise Invalid(f"{what} {name!r} is a path; a name holds no '/' or '\\\\' and is not '.' or '..'")
    if name != name.strip():
        raise Invalid(f"{what} {name!r} begins or ends with white space")
    return name


def lookup_name(value):
    """A name given to look a spec or deployment up, normalised as stored names are."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _describe(character: str) -> str:
    return unicodedata.name(character, "") or f"category {unicodedata.category(character)}"
