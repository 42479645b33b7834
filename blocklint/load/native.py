"""Which tree builder the loader runs: the native one (`blocklint.load._native`, built from
native/treebuilder.c when blocklint is installed on a machine with a C compiler) or the pure-Python
one (blocklint/load/tree.py), which reads every file the native one declines and every file when
it is missing. Both give the same data, spans and findings (tests/test_native_parity.py). The
native module also walks data for strings (`strings_holding`), as the Python walk here does, and
looks for several needles, or a run of characters, in a text in one pass (`holds_any`, `token_run`).

`BLOCKLINT_PURE_PYTHON=1` in the environment forces the pure-Python path."""

from __future__ import annotations

import os

from blocklint.load.document import SpanTable
from blocklint.load.scalars import TYPED_VALUES, yaml_plain

PURE_PYTHON_VARIABLE = "BLOCKLINT_PURE_PYTHON"


def _load():
    """The native module (or None) and a few words saying which path runs."""
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None, f"pure Python ({PURE_PYTHON_VARIABLE} is set)"
    try:
        from blocklint.load import _native
    except ImportError:
        return None, "pure Python (the native tree builder is not built)"
    return _native, "native"


builder, description = _load()

# Line breaks YAML counts and editors do not: where one occurs, the Python loader recounts
# libyaml's lines (tree.TreeBuilder._start).
YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")
# Those, and tabs and an inner byte-order mark, which send the Python loader to PyYAML's parser:
# texts holding one are never offered to the native builder.
_PYTHON_LOADERS_CASES = ("\t", "\ufeff", *YAML_ONLY_BREAKS)


def build(text: str, plain, span_type, limits: tuple[int, int, int]):
    """(root, spans, key_spans, ids) as the Python TreeBuilder makes them (the span tables made
    when first read: `document.SpanTable`) and whether a mapping holds a null value
    (`TreeBuilder.null_values`), or None when the native builder declines the text (then the
    Python one reads it). `limits`: the loader's nesting depth, node count and characters of scalars."""
    if "\t" in text or not text.isascii() and any(char in text for char in _PYTHON_LOADERS_CASES):
        return None
    # the builder types the common scalars itself only for the loader's own `plain`
    built = builder.build(text, plain, TYPED_VALUES if plain is yaml_plain else None, span_type, *limits)
    if built is None:
        return None
    root, tables, ids, null_values = built
    return root, SpanTable(tables, 0), SpanTable(tables, 1), ids, null_values


def strings_holding(root, needle: str) -> list:
    """`(container, key, string, path)` of every string under `root` (a dict or a list, as the
    loader makes them: types are tested exactly) that holds `needle`, `path` relative to `root`:
    a container's own strings first, then those under each of its mappings and lists in turn."""
    if builder is not None:
        return builder.strings_holding(root, needle)
    found: list = []
    _strings_in(root, (), needle, found)
    return found


def _strings_in(node, path: tuple, needle: str, found: list) -> None:
    """The Python walk (recursive: the loader nests at most `tree.MAX_DEPTH` levels)."""
    children = None
    for key, value in (node.items() if type(node) is dict else enumerate(node)):
        kind = type(value)
        if kind is str:
            if needle in value:
                found.append((node, key, value, path + (key,)))
        elif kind is dict or kind is list:
            if children is None:
                children = [(key, value)]
            else:
                children.append((key, value))
    if children:
        for key, value in children:
            _strings_in(value, path + (key,), needle, found)


def holds_any(text: str, needles: tuple) -> bool | None:
    """Whether `text` holds one of `needles` (plain text), in one pass; None when the native
    module is missing or the text has a lone surrogate (then the caller searches)."""
    return builder.holds_any(text, needles) if builder is not None else None


def token_run(text: str, characters: str, length: int) -> bool | None:
    """Whether `text` holds `length` or more of `characters` (ASCII) in a row, in one pass; None
    when the native module is missing or the text has a lone surrogate (then the caller searches)."""
    return builder.token_run(text, characters, length) if builder is not None else None
