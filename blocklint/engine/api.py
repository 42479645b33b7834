"""The rule author's vocabulary: `@rule`, `@fixture`, `@fanout`, `Key`, and what they declare.

Decorators only mark functions; nothing is registered globally. Collection (`blocklint.collect`)
reads the marks from the modules it loads and builds one `RuleSet` per run, so a local rules
directory can never replace a built-in fixture behind the run's back.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from blocklint.findings import ERROR, SEVERITIES, Evidence
from blocklint.records import FrozenRecord, field, record

# compiled on first use (`re` keeps them): a run whose rules come from the catalogue defines none
RULE_ID = r"^[A-Z]{2,}[0-9]{3}$"
RULE_NAME = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
INTERNAL_ERROR = ("BL000", "internal-error")
RESOURCE_LIMIT = ("BL005", "resource-limit")
# Findings reported per rule and per file (docs/limits.md): past them, one BL005 finding says so.
# A flood of findings is one mistake repeated (a generated file, a wrong indentation); listing
# 200,000 of them cost 18 s and 595 MB and helps nobody.
MAX_FINDINGS_PER_RULE = 1_000
MAX_FINDINGS_PER_FILE = 5_000


class RuleError(Exception):
    """A rule set that cannot run: a duplicate id or fixture, an unknown fixture, an unloadable module."""


class Key(str):
    """A mapping key as the last element of a location: point at the key, not its value."""


class Suggestion(str):
    """The name a finding proposes instead of the one it reports, as data: `yield where, message,
    Suggestion(closest(name, known))`. Its fixer turns it into an edit, so rewording the message
    never loses the fix; an empty one proposes nothing."""


class Related(tuple):
    """The other places a finding is about, as data: `yield where, message, Related((steps, "a"),
    (steps, "b"))`, each a location as the finding's own is. An editor shows them beside the
    finding (the steps of a cycle, where a repeated entry was first listed), so rewording the
    message never loses them."""

    def __new__(cls, *locations):
        return super().__new__(cls, locations)


class Named(tuple):
    """A `follows` entry for a finding on a *named* node (an image, a step): the root finding lies
    on one of these keys anywhere in the document (a finding on its value, or an unknown key
    close to it), and that value names the node this rule's finding lies on, or nearly (a
    misspelling). `follows={"BL503": Named("imageRef")}`: an image no step refers to is the image
    a misspelt `imageRef` meant."""

    def __new__(cls, *keys: str):
        return super().__new__(cls, keys)


@record(frozen=True)
class Rule(FrozenRecord):
    """A collected rule: what `@rule` declared, the fixtures its arguments name, where it came from."""

    id: str
    name: str
    severity: str
    func: Callable = field(compare=False)
    args: tuple = ()
    fanout: str | None = None
    origin: str = ""
    follows: tuple = ()  # (rule id, keys): see `rule`
    evidence: Evidence | None = None  # what its findings rest on, unless a finding names its own
    also: tuple = ()  # the other evidence a finding of it may name
    clock: bool = False  # its findings depend on the current time: see `rule`

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0] if self.doc else ""


def rule(rule_id: str, name: str, severity: str | None = None, *, evidence: Evidence | None = None, also=(),
         follows=None, clock: bool = False):
    """Declare a rule. The function's docstring is its documentation.

    `evidence` (`blocklint.findings.DOCUMENTED`, `INFERRED`, ...) is what the rule's findings rest
    on, and gives the rule its severity (tests/test_coverage_doc.py holds every built-in rule to
    it). A finding with other evidence, one of those listed in `also`, is yielded as `(location,
    message, evidence)` and takes that evidence's severity: BL104 is an error where the reference
    lists the values, a warning where they are known only from a list filter. A severity set in
    the configuration wins over both. A rule without evidence (a plugin's) has `severity`, an
    error by default.

    `follows` maps a rule id to the keys this rule reads: a finding of that rule on an unknown
    key close to one of them (`parent:` for `parents`), in the node this rule's finding lies in,
    is the root mistake, and this rule's finding only follows from it. `follows={"BL101":
    ("parents",)}` folds BL304's "not a parent" into the BL101 of a misspelt `parents`. For a
    finding on a node that another key refers to by name, the keys are `Named(...)` (see it).

    `clock=True`: the rule's findings depend on the current time (BL200's next runs of a cron),
    so a result holding one is never kept in the result cache, whose key cannot hold the clock.
    Such a rule reports on every document whose answer the clock changes.
    """
    if not re.match(RULE_ID, rule_id):
        raise RuleError(f"rule id {rule_id!r} must look like BL123")
    if not re.match(RULE_NAME, name):
        raise RuleError(f"rule name {name!r} must be kebab-case")
    severity = severity or (evidence.severity if evidence is not None else ERROR)
    if severity not in SEVERITIES:
        raise RuleError(f"severity {severity!r} must be one of {', '.join(SEVERITIES)}")

    def decorate(func):
        func.__blocklint_rule__ = (rule_id, name, severity)
        func.__blocklint_evidence__ = (evidence, tuple(also))
        func.__blocklint_clock__ = clock
        func.__blocklint_follows__ = tuple((root, keys if isinstance(keys, Named) else tuple(keys))
                                           for root, keys in (follows or {}).items())
        return func

    return decorate


def fixture(func):
    """Declare a document fixture: `func(r)` returns a value, or None where it does not apply.

    `r.get(name)` reads another fixture, `r.doc` is the Document and `r.settings` the run's
    Settings. The fixture's name is the function's name; two fixtures of one name in a run are
    an error naming both places.
    """
    func.__blocklint_fixture__ = ()
    return func


def fanout(*extras: str):
    """Declare a per-node fixture: `func(r)` yields `(path, node, {extra: value})` per node, and a
    rule asking for it runs once per node (and may ask for the `extras` too)."""

    def declare(func):
        func.__blocklint_fanout__ = tuple(extras)
        return func

    return declare


def fixture_names(func) -> tuple:
    """The arguments to inject: those without defaults (read from the code object, as `inspect`
    costs ~20 ms to import at every start)."""
    code = func.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = len(func.__defaults__ or ())
    keyword_only = code.co_varnames[code.co_argcount: code.co_argcount + code.co_kwonlyargcount]
    return (*positional[: len(positional) - defaults],
            *(name for name in keyword_only if name not in (func.__kwdefaults__ or {})))


def place(func) -> str:
    """`file:line` of a function's definition, for messages about clashes."""
    from blocklint.words import relative_path

    code = func.__code__
    return f"{relative_path(code.co_filename)}:{code.co_firstlineno}"
