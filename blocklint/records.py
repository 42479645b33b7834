"""Records: classes declared by their annotated fields as `@dataclass(repr=False, eq=False)`
declares them, without importing `dataclasses`.

Importing `dataclasses` imports `inspect` (and with it `ast`, `dis` and `tokenize`): ~7 ms of CPU
at every start, ~11 % of a check answered from the result cache, for classes that need an
`__init__` and nothing else of it. `@record` (`@record(frozen=True)`) generates that `__init__`
as `@dataclass` does (fields in order, defaults, `field(default_factory=...)`; a frozen record
refuses `setattr` and `del`), and `field`, `fields` and `replace` work as their `dataclasses`
namesakes. `==`, `hash()` and `repr()` are shared by every record (`Record`, `FrozenRecord`)
rather than generated for each: fields in order, those with `compare=False` left out of `==` and
`hash()`, those with `repr=False` out of `repr()`, `...` for a recursive `repr()`, unhashable
unless frozen. tests/test_records.py holds each record to its `@dataclass` twin. A leaf: it
imports nothing of blocklint.
"""

from __future__ import annotations

from reprlib import recursive_repr

_MISSING = object()  # no default
_FACTORY = object()  # the default of an argument whose field has a default factory


class Field:
    """One field of a record, as `dataclasses.Field` describes it (the parts records use)."""

    __slots__ = ("name", "default", "default_factory", "compare", "repr")

    def __init__(self, default=_MISSING, default_factory=_MISSING, compare: bool = True, repr: bool = True):
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default, self.default_factory = default, default_factory
        self.compare, self.repr = compare, repr

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is _MISSING


def field(*, default=_MISSING, default_factory=_MISSING, compare: bool = True, repr: bool = True) -> Field:
    """A field's default, default factory and part in `==`/`hash()` and `repr()`, as
    `dataclasses.field`."""
    return Field(default, default_factory, compare, repr)


class FrozenRecordError(AttributeError):
    """An attribute of a frozen record assigned or deleted (as `dataclasses.FrozenInstanceError`)."""


def record(cls=None, /, *, frozen: bool = False):
    """Declare a record: `@record` or `@record(frozen=True)` above a `Record` subclass."""

    def declare(cls):
        fields = _declared_fields(cls)
        cls.__record_fields__ = fields
        cls.__record_frozen__ = frozen
        cls.__init__ = _init(cls, fields, frozen)
        if frozen:
            cls.__setattr__, cls.__delattr__ = _refuse_setattr, _refuse_delattr
        return cls

    return declare if cls is None else declare(cls)


def _declared_fields(cls) -> tuple:
    """The fields of `cls`: its bases' (records), then its own annotated names, in order."""
    found = {}
    for base in reversed(cls.__mro__[1:]):
        found.update((item.name, item) for item in base.__dict__.get("__record_fields__", ()))
    for name in cls.__dict__.get("__annotations__", {}):
        value = cls.__dict__.get(name, _MISSING)
        declared = value if isinstance(value, Field) else Field(default=value)
        declared.name = name
        if isinstance(value, Field):  # as `@dataclass`: the class attribute is the default, if any
            if declared.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, declared.default)
        found[name] = declared
    fields = tuple(found.values())
    for before, after in zip(fields, fields[1:]):
        if after.required and not before.required:
            raise TypeError(f"non-default argument {after.name!r} follows default argument")
    return fields


def _init(cls, fields: tuple, frozen: bool):
    """`__init__` written out and compiled once per class, as `@dataclass` writes it: as fast to
    call as a hand-written one (a file's result is made once per file)."""
    names = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    arguments, assignments = [], []
    for item in fields:
        value = item.name
        if item.default_factory is not _MISSING:
            names[f"_factory_{item.name}"] = item.default_factory
            arguments.append(f"{item.name}=_FACTORY")
            value = f"_factory_{item.name}() if {item.name} is _FACTORY else {item.name}"
        elif item.default is not _MISSING:
            names[f"_default_{item.name}"] = item.default
            arguments.append(f"{item.name}=_default_{item.name}")
        else:
            arguments.append(item.name)
        assignments.append(f"_set(self, {item.name!r}, {value})" if frozen else f"self.{item.name} = {value}")
    source = f"def __init__(self, {', '.join(arguments)}):\n    " + "\n    ".join(assignments or ["pass"])
    exec(source, names)  # noqa: S102 - our own field names (identifiers), never input
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _refuse_setattr(self, name, value):
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _refuse_delattr(self, name):
    raise FrozenRecordError(f"cannot delete field {name!r}")


def fields(class_or_record) -> tuple:
    """A record's fields, in order (as `dataclasses.fields`)."""
    try:
        return class_or_record.__record_fields__
    except AttributeError:
        raise TypeError("must be called with a record type or instance") from None


def replace(item, /, **changes):
    """A copy of the record `item` with `changes` (as `dataclasses.replace`)."""
    for declared in fields(item):
        if declared.name not in changes:
            changes[declared.name] = getattr(item, declared.name)
    return item.__class__(**changes)


_COMPARED: dict[type, tuple] = {}
_SHOWN: dict[type, tuple] = {}


def _compared(item) -> tuple:
    names = _COMPARED.get(item.__class__)
    if names is None:
        names = _COMPARED[item.__class__] = tuple(declared.name for declared in fields(item) if declared.compare)
    return tuple(getattr(item, name) for name in names)


class Record:
    """A mutable record's `==` (and so no `hash()`) and `repr()`."""

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
            names = _SHOWN[self.__class__] = tuple(declared.name for declared in fields(self) if declared.repr)
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"


class FrozenRecord(Record):
    """A frozen record's `==`, `hash()` and `repr()`."""

    __slots__ = ()

    def __hash__(self):
        return hash(_compared(self))
