"""`==`, `hash()` and `repr()` of a dataclass, shared by the classes that inherit `Record` instead
of generated for each of them.

`@dataclass` writes each method it adds as source text and compiles it, at every start: about
0.16 ms a method, and a command line that checks one file creates a dozen dataclasses. A class
declared `@dataclass(repr=False, eq=False)` (with `frozen=True` if it is frozen) and inheriting
`Record` (or `FrozenRecord`) compares, hashes and prints exactly as the plain `@dataclass` would:
fields in order, those with `compare=False` left out of `==` and `hash()`, those with
`repr=False` out of `repr()`, `...` for a recursive `repr()`, unhashable unless frozen
(tests/test_records.py holds each to a generated twin). A leaf: it imports nothing of blocklint.
"""

from __future__ import annotations

import dataclasses
from reprlib import recursive_repr

_COMPARED: dict[type, tuple] = {}
_SHOWN: dict[type, tuple] = {}


def _compared(record) -> tuple:
    names = _COMPARED.get(record.__class__)
    if names is None:
        names = _COMPARED[record.__class__] = tuple(
            field.name for field in dataclasses.fields(record) if field.compare)
    return tuple(getattr(record, name) for name in names)


class Record:
    """A mutable dataclass's `==` (and so no `hash()`) and `repr()`."""

    __slots__ = ()
    __hash__ = None

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return _compared(self) == _compared(other)
        return NotImplemented

    @recursive_repr()
    def __repr__(self):
        names = _SHOWN.get(self.__class__)
        if names is None:
            names = _SHOWN[self.__class__] = tuple(field.name for field in dataclasses.fields(self) if field.repr)
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"


class FrozenRecord(Record):
    """A frozen dataclass's `==`, `hash()` and `repr()`."""

    __slots__ = ()

    def __hash__(self):
        return hash(_compared(self))
