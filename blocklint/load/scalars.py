"""Scalar typing exactly as the `peak` CLI sees it.

The peak CLI and peak-sdk load YAML with PyYAML's `safe_load`, which follows YAML 1.1:
`yes`/`on` are booleans, `0o17` is a string but `017` is octal, `1:30` is sexagesimal,
`2024-01-01` is a date, `1e5` is a string (a YAML 1.1 float has a dot and a signed exponent).
blocklint types scalars the same way so that it lints what the platform receives; `.json` files
too, since the CLI reads them with the same YAML loader (`json_plain` is what strict JSON would
have made of a token, to say where the two differ).

What the CLI's loader cannot construct (`!!int abc`, `2024-13-45`, `=`, an integer of more than
4,300 digits) comes back as an `Unloadable` carrying PyYAML's reason, never as an exception.
"""

from __future__ import annotations

import json
import re

_BOOL = {
    "yes": True, "Yes": True, "YES": True, "true": True, "True": True, "TRUE": True,
    "on": True, "On": True, "ON": True,
    "no": False, "No": False, "NO": False, "false": False, "False": False, "FALSE": False,
    "off": False, "Off": False, "OFF": False,
}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
# PyYAML's implicit timestamp (YAML 1.1): a date, or a date and a time.
_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
     (?:[Tt]|[ \t]+)[0-9][0-9]?
     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# Only these first characters can start a non-string plain scalar (PyYAML's own shortcut).
_MAYBE_TYPED = set("-+0123456789.yYnNtTfFoO~")
# For the loader's inline fast path: a plain scalar is its own text unless it starts with one of
# TYPED_STARTS or is one of PLAIN_STRING_SKIP (the branches of `yaml_plain` before `return text`).
TYPED_STARTS = frozenset(_MAYBE_TYPED)
MERGE_KEY = object()
MERGE_TAG = "tag:yaml.org,2002:merge"


class Unloadable:
    """A scalar the peak CLI's loader fails on; `reason` is PyYAML's (or Python's) own words."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


def _sexagesimal(digits: str, cast):
    value = cast(0)
    for part in digits.split(":"):
        value = value * 60 + cast(part)
    return value


def _yaml11_int(text: str) -> int:
    text = text.replace("_", "")
    sign = -1 if text[0] == "-" else 1
    if text[0] in "+-":
        text = text[1:]
    if text == "0":
        return 0
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text[0] == "0":
        return sign * int(text, 8)
    if ":" in text:
        return sign * _sexagesimal(text, int)
    return sign * int(text)


def _yaml11_float(text: str) -> float:
    text = text.replace("_", "").lower()
    sign = -1.0 if text[0] == "-" else 1.0
    if text[0] in "+-":
        text = text[1:]
    if text == ".inf":
        return sign * float("inf")
    if text == ".nan":
        return float("nan")
    if ":" in text:
        return sign * _sexagesimal(text, float)
    return sign * float(text)


def yaml_plain(text: str):
    """The Python value PyYAML's SafeLoader gives a plain (unquoted) scalar."""
    if text in _NULL:
        return None
    if text[0] not in _MAYBE_TYPED:
        if text == "<<":
            return MERGE_KEY
        if text == "=":  # YAML 1.1's value key: PyYAML resolves it and has no constructor for it
            return Unloadable("could not determine a constructor for the tag 'tag:yaml.org,2002:value'")
        return text
    if text in _BOOL:
        return _BOOL[text]
    try:
        if _FLOAT.match(text):
            return _yaml11_float(text)
        if _INT.match(text):
            return _yaml11_int(text)
    except ValueError as error:  # more digits than Python converts (4,300): PyYAML fails too
        return Unloadable(str(error))
    if _TIMESTAMP.match(text):
        return construct(_TIMESTAMP_TAG, text)
    return text


PLAIN_STRING_SKIP = frozenset(_NULL | {"<<", "="})
# For the native tree builder: a plain scalar starting with a letter is typed only when it is one
# of these words (the number and timestamp patterns start with a digit, a sign or a dot).
TYPED_WORDS = frozenset(_BOOL) | frozenset(_NULL)
# ... and their values, which the native builder gives them without calling `yaml_plain`.
TYPED_VALUES = {word: yaml_plain(word) for word in sorted(TYPED_WORDS)}

_JSON_LITERALS = {"true": True, "false": False, "null": None}


def json_plain(text: str):
    """The Python value `json.loads` gives an unquoted JSON token."""
    if text in _JSON_LITERALS:
        return _JSON_LITERALS[text]
    try:
        return json.loads(text)
    except ValueError:
        return text


# The tags PyYAML's SafeConstructor knows; `safe_load` refuses any other (`!foo`, `!!python/...`).
SAFE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "null", "bool", "int", "float", "binary", "timestamp", "omap", "pairs", "set", "str", "seq", "map"))
SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "null", "bool", "int", "float", "binary", "timestamp", "str"))
MAPPING_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("map", "set"))
SEQUENCE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("seq", "omap", "pairs"))


def tagged(tag: str, text: str):
    """The value of an explicitly tagged scalar (`!!str 1`), as the CLI constructs it.

    A merge tag gives MERGE_KEY (`!!merge <<:` is a merge key, as `<<:` is); a tag of a mapping
    or a sequence (`!!seq x`) is `Unloadable`, as it is for PyYAML.
    """
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag == MERGE_TAG:
        return MERGE_KEY
    if tag in MAPPING_TAGS or tag in SEQUENCE_TAGS:
        wanted = "mapping" if tag in MAPPING_TAGS else "sequence"
        return Unloadable(f"{_short_tag(tag)} expects a {wanted} node, but found a scalar")
    return construct(tag, text)


def construct(tag: str, text: str):
    """PyYAML's own SafeConstructor on one scalar: the value, or `Unloadable` with its error."""
    from yaml.constructor import SafeConstructor
    from yaml.nodes import ScalarNode

    try:
        return SafeConstructor().construct_object(ScalarNode(tag, text))
    except Exception as error:  # noqa: BLE001 - whatever PyYAML raises, the CLI fails with it
        reason = getattr(error, "problem", None) or str(error) or type(error).__name__
        return Unloadable(f"{type(error).__name__}: {reason}")


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
