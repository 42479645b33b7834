"""Plain-scalar typing exactly as the `peak` CLI sees it.

The peak CLI and peak-sdk load YAML with PyYAML's `safe_load`, which follows YAML 1.1:
`yes`/`on` are booleans, `0o17` is a string but `017` is octal, `1:30` is sexagesimal.
blocklint types scalars the same way so that it lints what the platform receives.
JSON files follow JSON's own rules.
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
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
# Only these first characters can start a non-string plain scalar (PyYAML's own shortcut).
_MAYBE_TYPED = set("-+0123456789.yYnNtTfFoO~")
MERGE_KEY = object()


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
        return MERGE_KEY if text == "<<" else text
    if text in _BOOL:
        return _BOOL[text]
    try:
        if _INT.match(text):
            return _yaml11_int(text)
        if _FLOAT.match(text):
            return _yaml11_float(text)
    except ValueError:  # more digits than Python converts (4,300): PyYAML fails; keep the text
        return text
    return text


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

_TAGGED = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": lambda text: _yaml11_int(text),
    "tag:yaml.org,2002:float": lambda text: _yaml11_float(text),
    "tag:yaml.org,2002:bool": lambda text: _BOOL[text],
    "tag:yaml.org,2002:null": lambda text: None,
}


def tagged(tag: str, text: str):
    """The value of an explicitly tagged scalar (`!!str 1`); unknown tags keep the text."""
    convert = _TAGGED.get(tag)
    if convert is None:
        return text
    try:
        return convert(text)
    except (ValueError, KeyError, IndexError):
        return text
