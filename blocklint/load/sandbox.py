"""The Jinja environment templates render in: sandboxed, and bounded in memory and time.

A spec file is hostile input (blocklint runs on pull requests from anyone), so templates get
jinja2's `ImmutableSandboxedEnvironment` (no attribute of Python internals, no mutation of
lists and dicts) and, on top of it, the checks jinja2's sandbox documentation suggests for
untrusted templates: operators, calls, filters and `~` concatenation are refused when their
result would pass `MAX_VALUE_CHARS` or `MAX_INT_BITS` (checked *before* the work is done, so
`{{ "x" * 2000000000 }}` allocates nothing), and rendering stops after `RENDER_SECONDS`.
"""

from __future__ import annotations

import functools
import re
import signal
import threading
import time
from contextlib import contextmanager

from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from blocklint.load.read import MAX_FILE_BYTES

MAX_VALUE_CHARS = MAX_FILE_BYTES  # any string or list a template builds, and the rendered text
MAX_INT_BITS = 64 * 1024  # about 20,000 decimal digits
RENDER_SECONDS = 3.0
# A width or precision of a million or more in a %-format or a str.format() spec.
_HUGE_FORMAT_WIDTH = re.compile(r"(?:%|\{[^{}]*:)[^%{}a-zA-Z]*?\d{7,}")


class RenderLimit(SecurityError):
    """A template tried to build something past a limit."""


def _size(value) -> int:
    """How much a value weighs: characters of a string, items (and their characters) of a list."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value) + sum(len(item) for item in value if isinstance(item, (str, bytes)))
    return 1


def _check_size(size: int, what: str) -> None:
    if size > MAX_VALUE_CHARS:
        raise RenderLimit(f"{what} would build a value of about {size:,} characters; "
                          f"templates are limited to {MAX_VALUE_CHARS:,}")


def _check_format(text) -> None:
    if isinstance(text, str) and _HUGE_FORMAT_WIDTH.search(text):
        raise RenderLimit("a format width or precision of a million or more")


def _worst_case(args, kwargs) -> int:
    """An upper bound of what a string function can build from its arguments: the two largest
    inputs multiplied, times the largest integer (a width, a count)."""
    values = list(args) + list(kwargs.values())
    sizes = sorted((_size(value) for value in values if not isinstance(value, (int, float))), reverse=True)
    sizes += [0, 0]
    numbers = [abs(int(value)) for value in values if isinstance(value, int) and not isinstance(value, bool)]
    for value in values:
        _check_format(value)
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise RenderLimit("an integer argument of more than 20,000 digits")
    return (sizes[0] + 1) * (sizes[1] + 1) * max([1, *numbers])


def _bounded_filter(function):
    what = f"filter '{function.__name__.removeprefix('do_')}'"

    @functools.wraps(function)
    def bounded(*args, **kwargs):
        _check_size(_worst_case(args, kwargs), what)
        result = function(*args, **kwargs)
        if isinstance(result, (str, list)):
            _check_size(_size(result), what)
        return result

    return bounded


class _BoundedCodeGenerator(CodeGenerator):
    """`a ~ b` goes through the environment's size check (jinja2 compiles it to a plain join)."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.bounded_concat((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, **options):
        super().__init__(**options)
        self.filters = {name: _bounded_filter(function) for name, function in self.filters.items()}
        self.globals.pop("lipsum", None)  # builds text from a count: nothing a spec needs

    def call_binop(self, context, operator_name, left, right):
        _check_binop(operator_name, left, right)
        return super().call_binop(context, operator_name, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2's signature
        wrapped = getattr(__obj, "__wrapped__", None)
        _check_format(getattr(wrapped, "__self__", None))  # "{:>999999999}".format(...)
        _check_format(getattr(__obj, "__self__", None))
        receiver = getattr(__obj, "__self__", None)
        extra = (receiver,) if isinstance(receiver, (str, list, tuple, dict)) else ()
        _check_size(_worst_case(extra + args, kwargs), f"calling {getattr(__obj, '__name__', 'a function')}")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, (str, list)):
            _check_size(_size(result), f"calling {getattr(__obj, '__name__', 'a function')}")
        return result

    @staticmethod
    def bounded_concat(parts) -> str:
        texts = [str(part) for part in parts]
        _check_size(sum(map(len, texts)), "'~'")
        return "".join(texts)


def _check_binop(name: str, left, right) -> None:
    integers = isinstance(left, int) and isinstance(right, int)
    if name == "**" and integers and right > 0 and abs(left) > 1:
        if left.bit_length() * right > MAX_INT_BITS:
            raise RenderLimit(f"{left} ** {right} has more than 20,000 digits")
    elif name == "*" and integers:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise RenderLimit("a product of more than 20,000 digits")
    elif name == "*" and isinstance(right, int) and isinstance(left, (str, list, tuple)):
        _check_size(_size(left) * right, "'*'")
    elif name == "*" and isinstance(left, int) and isinstance(right, (str, list, tuple)):
        _check_size(_size(right) * left, "'*'")
    elif name == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        _check_size(_size(left) + _size(right), "'+'")
    elif name == "%" and isinstance(left, str):
        _check_format(left)
        _worst_case((left, right), {})


class RenderTimeout(Exception):
    """Rendering took longer than RENDER_SECONDS."""


@contextmanager
def deadline(seconds: float = RENDER_SECONDS):
    """Raise RenderTimeout in the code inside after `seconds` (an interval timer, so the main
    thread only; elsewhere the size limits still hold). An outer timer is restored after."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    active = [True]

    def expire(signum, frame):
        if active[0]:  # a signal handled after the block ended must not raise anywhere else
            raise RenderTimeout(f"rendering took longer than {seconds:g} s")

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            active[0] = False
        finally:  # runs even if the timer fired on the line above
            active[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
            if previous_delay:
                left = max(previous_delay - (time.monotonic() - started), 0.001)
                signal.setitimer(signal.ITIMER_REAL, left, previous_interval)
