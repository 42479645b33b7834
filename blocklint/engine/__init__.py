"""Rules, as pytest runs tests: declared with decorators, selected, given fixtures by argument name.

A rule is a plain function decorated with `@rule(id, name, severity)`. Its argument names
pick fixtures (see `blocklint/fixtures.py`); an argument with a default is not injected. A rule
that asks for a per-node fixture (`step`, `image`, ...) runs once per node. A rule yields
`(location, message)` pairs (with, optionally, the `Evidence` it rests on and the `Suggestion`
it proposes); the engine turns each location into file:line:col (`locate.py`).

The rooms: `api` (the decorators and `Key`), `ruleset` (a run's rules and fixtures, checked for
clashes), `select` (`--select`/`--ignore`/`-k`), `suppress` (in-file suppressions), `locate`
(paths to spans), `settings` (what a run knows besides the document) and `run` (the
`Engine`). Collecting rules from modules, directories and plugins is `blocklint.collect`, a layer above the built-in rules.
"""

# Names are imported on first use (PEP 562): a plan is built with `RuleSet` and `Settings` alone,
# and a warm run, whose files all come from the result cache, never needs `Engine`, whose module
# imports the loader.
_HOMES = {
    "Key": "api", "Rule": "api", "RuleError": "api", "fanout": "api", "fixture": "api", "rule": "api",
    "locate": "locate",
    "RuleSet": "ruleset", "RuleSetBuilder": "ruleset",
    "Engine": "run", "Resolver": "run",
    "Settings": "settings",
    "compile_keyword": "select", "select_rules": "select",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_HOMES})
