"""A run's rules and fixtures, checked as a whole: unique rule ids, unique fixture names, and
every argument a rule asks for known."""

from __future__ import annotations

from blocklint.engine.api import Rule, RuleError, fixture_names, place
from blocklint.engine.select import select_rules
from blocklint.records import FrozenRecord, field, record, replace
from blocklint.words import did_you_mean

# Fixtures the engine itself provides to every rule.
ENGINE_FIXTURES = ("settings", "options", "unused_suppressions")


@record(frozen=True)
class RuleSet(FrozenRecord):
    """Rules in id order, and the fixtures they may ask for. Iterates (and indexes) as its rules."""

    rules: tuple = ()
    fixtures: dict = field(default_factory=dict)  # name -> func(r)
    fanouts: dict = field(default_factory=dict)  # name -> (func(r), extras)
    # None for rules collected from their modules. A stand-in read from the rule catalogue
    # (`blocklint.catalogue`: functions named, not imported, so a run that only reads the result
    # cache imports no rule) has here what gives the rules collected for real: see `loaded`.
    real: object = field(default=None, compare=False)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self):
        return len(self.rules)

    def __getitem__(self, index):
        return self.rules[index]

    def select(self, *, select=(), ignore=(), keyword_expr: str | None = None) -> RuleSet:
        chosen = select_rules(self.rules, select=select, ignore=ignore, keyword_expr=keyword_expr)
        return self.only(chosen)

    def only(self, rules) -> RuleSet:
        """The same fixtures with these rules (for callers that picked rules themselves)."""
        return replace(self, rules=tuple(rules))

    def loaded(self) -> RuleSet:
        """The rule set to run rules with: itself, or for a catalogue's stand-in the same rules
        collected for real (their modules imported, once); a `RuleError` when the catalogue no
        longer describes them."""
        return self if self.real is None else self.real(self)


class RuleSetBuilder:
    """Reads rules and fixtures out of modules (and single functions), in order."""

    def __init__(self):
        self._rules: dict[str, Rule] = {}
        self._fixtures: dict[str, object] = {}
        self._fanouts: dict[str, tuple] = {}
        self._pending: list[tuple] = []

    def add_module(self, module, origin: str):
        for value in vars(module).values():
            self.add(value, origin)

    def add(self, value, origin: str):
        if not callable(value):
            return
        if hasattr(value, "__blocklint_fixture__"):
            self._declare(self._fixtures, value.__name__, value, value)
        elif hasattr(value, "__blocklint_fanout__"):
            self._declare(self._fanouts, value.__name__, (value, value.__blocklint_fanout__), value)
        if hasattr(value, "__blocklint_rule__"):
            self._pending.append((value, origin))

    def _declare(self, table: dict, name: str, entry, func):
        known = self._fixtures.get(name) or (self._fanouts.get(name) or (None,))[0]
        if known is not None and known is not func:
            if place(known) == place(func):
                return  # the same definition, loaded again (a helper module imported twice)
            raise RuleError(f"fixture {name!r} is defined twice: in {place(known)} and in {place(func)}; "
                            "rename one (a local fixture may not replace a built-in one)")
        if name in ENGINE_FIXTURES:
            raise RuleError(f"fixture {name!r} ({place(func)}) is provided by the engine; rename it")
        table[name] = entry

    def build(self) -> RuleSet:
        for func, origin in self._pending:
            found = self._as_rule(func, origin)
            known = self._rules.get(found.id)
            if known is not None and known.func is not found.func:
                if place(known.func) == place(found.func):
                    continue  # the same definition, loaded again
                raise RuleError(f"rule id {found.id} is defined twice: in {known.origin} and in {found.origin}")
            self._rules[found.id] = found
        self._pending = []
        ordered = tuple(sorted(self._rules.values(), key=lambda found: found.id))
        return RuleSet(ordered, dict(self._fixtures), dict(self._fanouts))

    def _as_rule(self, func, origin: str) -> Rule:
        rule_id, name, severity = func.__blocklint_rule__
        args = fixture_names(func)
        fanouts = [arg for arg in args if arg in self._fanouts]
        if len(fanouts) > 1:
            raise RuleError(f"rule {rule_id} asks for {fanouts[0]!r} and {fanouts[1]!r}; "
                            "a rule fans out over one kind of node at most")
        fanout = fanouts[0] if fanouts else None
        extras = self._fanouts[fanout][1] if fanout else ()
        known = {*self._fixtures, *self._fanouts, *ENGINE_FIXTURES, *extras}
        for arg in args:
            if arg not in known:
                raise RuleError(f"rule {rule_id} ({origin}) asks for unknown fixture {arg!r}"
                                f"{did_you_mean(arg, known)}")
        evidence, also = getattr(func, "__blocklint_evidence__", (None, ()))
        return Rule(rule_id, name, severity, func, args, fanout, origin,
                    tuple(getattr(func, "__blocklint_follows__", ())), evidence, also,
                    getattr(func, "__blocklint_clock__", False))
