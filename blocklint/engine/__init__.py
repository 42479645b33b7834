"""Rules, as pytest runs tests: declared with decorators, selected, given fixtures by argument name.

A rule is a plain function decorated with `@rule(id, name, severity)`. Its argument names
pick fixtures (see `blocklint/fixtures.py`); an argument with a default is not injected. A rule
that asks for a per-node fixture (`step`, `image`, ...) runs once per node. A rule yields
`(location, message)` pairs (with, optionally, the `Evidence` it rests on and the `Suggestion`
it proposes); the engine turns each location into file:line:col (`locate.py`).

The rooms: `api` (the decorators and `Key`), `ruleset` (a run's rules and fixtures, checked for
clashes), `select` (`--select`/`--ignore`/`-k`), `suppress` (in-file suppressions), `locate`
(paths to spans) and `run` (the `Engine`). Collecting rules from modules, directories and
plugins is `blocklint.collect`, a layer above the built-in rules.
"""

from blocklint.engine.api import Key, Rule, RuleError, fanout, fixture, rule
from blocklint.engine.locate import locate
from blocklint.engine.ruleset import RuleSet, RuleSetBuilder
from blocklint.engine.run import Engine, Resolver, Settings
from blocklint.engine.select import compile_keyword, select_rules

__all__ = ["Engine", "Key", "Resolver", "Rule", "RuleError", "RuleSet", "RuleSetBuilder", "Settings",
           "compile_keyword", "fanout", "fixture", "locate", "rule", "select_rules"]
