"""The Jinja environment templates render in: sandboxed, and bounded in memory and work.

A spec file is hostile input (blocklint runs on pull requests from anyone), so templates get
jinja2's `ImmutableSandboxedEnvironment` (no attribute of Python internals, no mutation of
lists and dicts) and, on top of it, the checks jinja2's sandbox documentation suggests for
untrusted templates: operators, calls, filters and `~` concatenation are refused when their
result would pass `MAX_VALUE_CHARS` or `MAX_INT_BITS` (checked *before* the work is done, so
`{{ "x" * 2000000000 }}` allocates nothing), and rendering stops after `MAX_RENDER_STEPS` steps
of work.

Work is counted, never timed, so that a file gives the same result on a quiet machine and a busy
one. Each loop iteration costs the number of template nodes in the loop's body, and each call of
a macro or `{% call %}` block the nodes of its body; each item drawn from a loop's iterable or
from a filter's lazy result costs one step, an operator one, a `.`/`[]` lookup `_LOOKUP_STEPS`, a
filter or call `_CALL_STEPS`, plus the items (or `_CHARS_PER_STEP` characters) of arguments and
results. The count lives in the environment and stays exhausted once passed, so an error
swallowed inside jinja2 (constant folding at compile time catches every exception) cannot switch
it off: the next step raises again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sized

from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from blocklint.load.read import MAX_FILE_BYTES

MAX_VALUE_CHARS = MAX_FILE_BYTES  # any string or list a template builds, and the rendered text
MAX_INT_BITS = 64 * 1024  # about 20,000 decimal digits
MAX_RENDER_STEPS = 10_000_000
_CHARS_PER_STEP = 64
# A call (filter, function, method, macro) costs as much as a few loop iterations: measured,
# a filter applied item by item (`|map('abs')`) costs ~10x an empty loop's iteration.
_CALL_STEPS = 8
_LOOKUP_STEPS = 4  # `a.b`, `a[b]`: the sandbox's checks make them cost a few iterations too
# A width or precision of a million or more in a %-format or a str.format() spec (after the
# first `:` of a replacement field). Possessive, and the digits of the spec taken in groups that
# cannot be re-split, so the search is linear in the text (the lazy form was quadratic: 20 KB, 22 s).
_HUGE_FORMAT_WIDTH = re.compile(r"(?:%|\{[^{}:]*+:)(?:[^%{}a-zA-Z\d]|\d{1,6}+(?!\d))*+\d{7}")


class RenderLimit(SecurityError):
    """A template tried to build something past a limit."""


class RenderWorkLimit(RenderLimit):
    """Rendering took more than MAX_RENDER_STEPS steps of work."""


def _weight(value) -> int:
    """Steps of work a value stands for: its items, or its characters in `_CHARS_PER_STEP`s."""
    if isinstance(value, (str, bytes)):
        return len(value) // _CHARS_PER_STEP
    if isinstance(value, Sized):
        try:
            return len(value)
        except Exception:  # noqa: BLE001 - a broken __len__ weighs nothing more
            return 0
    return 0


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


def _bounded_filter(function, environment):
    what = f"filter '{function.__name__.removeprefix('do_')}'"

    @functools.wraps(function)
    def bounded(*args, **kwargs):
        _check_size(_worst_case(args, kwargs), what)
        environment.charge_arguments(args, kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, (str, list)):
            _check_size(_size(result), what)
        return environment.charge_result(result)

    return bounded


def _charge_first(body: list, lineno: int) -> None:
    """Make a loop's or macro's body charge its weight each time it runs."""
    body.insert(0, nodes.ExprStmt(_hook("charge", nodes.Const(_body_weight(body), lineno=lineno), lineno),
                                  lineno=lineno))


# Environment methods the instrumented code calls directly (not through the sandbox's `call`,
# which would charge them again); a template cannot name them, the parser makes no such node.
_WORK_HOOKS = frozenset({"charge", "counted"})


def _hook(name: str, argument, lineno: int):
    return nodes.Call(nodes.EnvironmentAttribute(name, lineno=lineno), [argument], [], None, None, lineno=lineno)


def _body_weight(body) -> int:
    return 1 + len(body) + sum(1 for statement in body for _ in statement.find_all(nodes.Node))


class _BoundedCodeGenerator(CodeGenerator):
    """`a ~ b` goes through the environment's size check (jinja2 compiles it to a plain join);
    loops and macro bodies charge their work to the environment's step count."""

    def visit_Template(self, node, frame=None) -> None:
        for loop in node.find_all(nodes.For):
            _charge_first(loop.body, loop.lineno)
            if not loop.recursive:  # a recursive loop's inner levels are charged by `loop(...)` calls
                loop.iter = _hook("counted", loop.iter, loop.lineno)
        for body_owner in (*node.find_all(nodes.Macro), *node.find_all(nodes.CallBlock)):
            _charge_first(body_owner.body, body_owner.lineno)
        super().visit_Template(node, frame)

    def visit_Call(self, node, frame, forward_caller=False) -> None:
        if isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name in _WORK_HOOKS:
            self.write(f"environment.{node.node.name}(")
            self.visit(node.args[0], frame)
            self.write(")")
            return
        super().visit_Call(node, frame, forward_caller=forward_caller)

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
        self.steps = 0
        self.filters = {name: _bounded_filter(function, self) for name, function in self.filters.items()}
        self.globals.pop("lipsum", None)  # builds text from a count: nothing a spec needs

    def charge(self, steps: int) -> None:
        """Count `steps` of work; past MAX_RENDER_STEPS, this and every later charge raise."""
        self.steps += steps
        if self.steps > MAX_RENDER_STEPS:
            raise RenderWorkLimit(f"rendering passed {MAX_RENDER_STEPS:,} steps of work (loop iterations, "
                                  "macro calls, values built); templates are limited to that")

    def charge_arguments(self, args, kwargs) -> None:
        self.charge(_CALL_STEPS + sum(map(_weight, args)) + sum(map(_weight, kwargs.values())))

    def charge_result(self, result):
        """Charge what a call built; a lazy result is charged item by item as it is drawn."""
        if isinstance(result, Iterator) and not isinstance(result, (str, bytes)):
            return self.counted(result)
        self.charge(_weight(result))
        return result

    def counted(self, iterable):
        for item in iterable:
            self.charge(1)
            yield item

    def getattr(self, obj, attribute):
        self.charge(_LOOKUP_STEPS)
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self.charge(_LOOKUP_STEPS)
        return super().getitem(obj, argument)

    def call_binop(self, context, operator_name, left, right):
        _check_binop(operator_name, left, right)
        self.charge(1 + _weight(left) + _weight(right))
        result = super().call_binop(context, operator_name, left, right)
        self.charge(_weight(result))
        return result

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2's signature
        wrapped = getattr(__obj, "__wrapped__", None)
        _check_format(getattr(wrapped, "__self__", None))  # "{:>999999999}".format(...)
        _check_format(getattr(__obj, "__self__", None))
        receiver = getattr(__obj, "__self__", None)
        extra = (receiver,) if isinstance(receiver, (str, list, tuple, dict)) else ()
        _check_size(_worst_case(extra + args, kwargs), f"calling {getattr(__obj, '__name__', 'a function')}")
        __self.charge_arguments(extra + args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, (str, list)):
            _check_size(_size(result), f"calling {getattr(__obj, '__name__', 'a function')}")
        return __self.charge_result(result)

    def bounded_concat(self, parts) -> str:
        texts = [str(part) for part in parts]
        _check_size(sum(map(len, texts)), "'~'")
        self.charge(1 + sum(map(len, texts)) // _CHARS_PER_STEP)
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
