"""What the registry accepts as a JSON value: finite numbers, 64-bit integers, bounded nesting.

Press stores JSON, and so does the registry; a value that cannot be answered back as strict JSON
(`NaN`, `Infinity`, `1e999`), an integer no JSON client can read exactly, or a document nested
deeper than any spec needs is refused at the door with a 400 (`Invalid`) rather than stored and
failing every later read. `parse_json` is the door for request bytes; `check_value` is the same
test for values handed over in-process (a YAML file read by `blocklint submit` may hold `.nan`).
"""

from __future__ import annotations

import json
import math

from blocklint.registry.errors import Invalid

MAX_DEPTH = 64  # Press documents nest about ten deep; JSON-schema parameters a few more
INT_BITS = 63  # signed 64-bit: what Press's stores and every JSON client read exactly or close
MAX_INT_DIGITS = 20  # a longer literal is refused unread; shorter ones are range-checked


class _Refused(ValueError):
    pass


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"the integer {text[:20]}... ({len(text)} digits) is too large for a 64-bit integer")
    value = int(text)
    if not -(2**INT_BITS) <= value < 2**INT_BITS:
        raise _Refused(f"the integer {text} is outside the 64-bit range")
    return value


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is too large to be a finite JSON number")
    return value


def _constant(name: str):
    raise _Refused(f"{name} is not a JSON number; use a finite number or null")


def parse_json(raw: bytes | str, what: str = "the request body"):
    """The JSON value of `raw`, or `Invalid` saying what is wrong with it."""
    try:
        value = json.loads(raw, parse_int=_integer, parse_float=_number, parse_constant=_constant)
    except _Refused as refused:
        raise Invalid(f"{what} is refused: {refused}") from None
    except RecursionError:
        raise Invalid(f"{what} is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as error:  # json.JSONDecodeError is a ValueError
        reason = f": {error.msg} at line {error.lineno} column {error.colno}" if isinstance(
            error, json.JSONDecodeError) else ""
        raise Invalid(f"{what} is not valid JSON{reason}") from None
    check_value(value, what)
    return value


def check_value(value, what: str = "the request body"):
    """`value` itself when it is storable JSON, else `Invalid` naming the first offending place."""
    pending = [(value, 1, "")]
    while pending:
        node, depth, path = pending.pop()
        if depth > MAX_DEPTH:
            raise Invalid(f"{what} is nested deeper than {MAX_DEPTH} levels (at {path or 'the top'})")
        if isinstance(node, dict):
            for key, item in node.items():
                if not isinstance(key, str):
                    raise Invalid(f"{what} has a key {key!r} that is not a string (at {path or 'the top'})")
                pending.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(node, (list, tuple)):
            pending.extend((item, depth + 1, f"{path}.{index}" if path else str(index))
                           for index, item in enumerate(node))
        elif isinstance(node, bool) or node is None or isinstance(node, str):
            continue
        elif isinstance(node, int):
            if not -(2**INT_BITS) <= node < 2**INT_BITS:
                raise Invalid(f"{what} has an integer outside the 64-bit range at {path or 'the top'}")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise Invalid(f"{what} has {node!r} at {path or 'the top'}; only finite numbers are stored")
        else:
            raise Invalid(f"{what} has a {type(node).__name__} at {path or 'the top'}, which is not JSON")
    return value
