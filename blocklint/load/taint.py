"""Environment values in templates: printed whole, or not at all.

`--template-env NAME` lets a template read `os_env.NAME`. Every output masks that value, but a
mask knows only the value's own spellings: `{{ os_env.TOKEN | reverse }}`, `| upper`, a slice,
`| join(' ')` or `| urlencode` would print the secret in a form no mask recognises. So the value
is tainted (`EnvValue`) and may be used only in ways that keep it whole:

- printed, compared for equality, tested for being defined, passed to a macro, given a
  `default`, measured (`length`), put in a list or a dict;
- built into a larger string (`~`, `+`, `*`, `join`, a `{% set %}` block, a macro's output):
  the result is tainted too;
- anything that looks inside it or transforms it is refused, with BL007: an index or slice,
  iteration (`for`, `list`, `first`), a method (`.upper()`), `%` and `format` (a precision
  prints the start of it), an ordering comparison or `in` (which would leak it a character at
  a time), and every other filter, test or call.

Refusing was chosen over tracking each transformation: no Press spec needs a secret reversed,
cased or sliced, and a refusal cannot be wrong, where a list of transformations to mask would
always miss one. What is left is documented in docs/security.md: a template can still branch on
`os_env.X == 'guess'` (one guess per comparison) and learn the value's length.
"""

from __future__ import annotations

import functools

from jinja2.runtime import Macro
from jinja2.sandbox import SecurityError

from blocklint.load.sandbox import BoundedSandbox


class EnvValueRefused(SecurityError):
    """A template tried to look inside or transform an environment value."""


def _refused(what: str) -> EnvValueRefused:
    return EnvValueRefused(f"{what} on a --template-env value (os_env) is refused: an environment value may only "
                           "be printed whole, so that it can be masked")


class EnvValue(str):
    """The value of an allowed environment variable, or a string built from one."""

    __slots__ = ()

    def __getattribute__(self, name):
        if name.startswith("__"):  # Python's own protocols: len(), hash(), str(), format()
            return str.__getattribute__(self, name)
        raise _refused(f"'.{name}'")

    def __str__(self):
        return self  # stays tainted where jinja2 turns output into text (`{% set %}` blocks, macros)

    def __html__(self):
        raise _refused("HTML escaping")

    def __getitem__(self, key):
        raise _refused("an index or slice")

    def __iter__(self):
        raise _refused("iterating")

    def __contains__(self, item):
        raise _refused("'in'")

    def __lt__(self, other):
        raise _refused("an ordering comparison")

    __le__ = __gt__ = __ge__ = __lt__

    def __add__(self, other):
        result = str.__add__(self, other)
        return result if result is NotImplemented else EnvValue(result)

    def __radd__(self, other):
        return EnvValue(other + str(self)) if isinstance(other, str) else NotImplemented

    def __mul__(self, count):
        result = str.__mul__(self, count)
        return result if result is NotImplemented else EnvValue(result)

    __rmul__ = __mul__

    def __mod__(self, values):
        raise _refused("'%' formatting")

    def __rmod__(self, template):
        raise _refused("'%' formatting")  # `%.3s` would print the start of the value


def tainted_env(env) -> dict:
    """`os_env` for a template: each string value tainted."""
    return {name: EnvValue(value) if isinstance(value, str) else value for name, value in (env or {}).items()}


def _holds(value) -> bool:
    """Whether a value is, or directly holds, an environment value."""
    if isinstance(value, EnvValue):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple, set, frozenset)):
        return False
    return any(isinstance(item, EnvValue) for item in value)


def _taint(result, inputs):
    if isinstance(result, str) and not isinstance(result, EnvValue) and any(map(_holds, inputs)):
        return EnvValue(result)
    return result


# Filters and tests that keep an environment value whole (or only measure or place it).
_WHOLE_FILTERS = frozenset({"default", "d", "string", "pprint", "length", "count", "join", "first", "last", "list",
                            "sort", "unique", "dictsort", "items", "map", "select", "reject", "selectattr",
                            "rejectattr", "groupby", "attr"})
_WHOLE_TESTS = frozenset({"defined", "undefined", "none", "string", "sameas", "eq", "equalto", "==", "ne", "!=",
                          "in", "mapping", "sequence", "iterable", "number", "boolean", "true", "false"})
# Callables that keep their arguments whole: str.join, dict.get, the globals that build containers,
# and the template's own macros. Not `format`: a precision (`{:.3}`) prints the start of a value.
_WHOLE_CALLS = frozenset({"join", "get", "dict", "namespace", "cycler", "joiner"})


def _guarded(function, name: str, allowed: frozenset, kind: str):
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        inputs = (*args, *kwargs.values())
        if name not in allowed and any(map(_holds, inputs)):
            raise _refused(f"{kind} '{name}'")
        return _taint(function(*args, **kwargs), inputs)

    return guarded


class TaintedEnvironment:
    """A mixin for a sandboxed jinja2 environment: keeps `EnvValue`s whole (see the module)."""

    def __init__(self, **options):
        super().__init__(**options)
        self.filters = {name: _guarded(function, name, _WHOLE_FILTERS, "the filter")
                        for name, function in self.filters.items()}
        self.tests = {name: _guarded(function, name, _WHOLE_TESTS, "the test") for name, function in self.tests.items()}

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2's signature
        inputs = (*args, *kwargs.values())
        if any(map(_holds, inputs)) and not isinstance(__obj, Macro) \
                and getattr(__obj, "__name__", None) not in _WHOLE_CALLS:
            raise _refused(f"calling {getattr(__obj, '__name__', 'a function')}")
        return _taint(super().call(__context, __obj, *args, **kwargs), inputs)

    def concat(self, parts) -> str:
        """A `{% set %}` block's, a macro's or a `{% filter %}` block's output."""
        parts = list(parts)
        return _taint("".join(parts), parts)

    def bounded_concat(self, parts) -> str:
        """`a ~ b`."""
        parts = tuple(parts)
        return _taint(super().bounded_concat(parts), parts)


class TaintedSandbox(TaintedEnvironment, BoundedSandbox):
    """The environment templates render in: the bounded sandbox, with environment values kept whole."""
