"""The rule catalogue: what collecting the built-in rules found, kept as data, so a run that
answers every file from the result cache imports no rule.

Collecting the rules imports `blocklint.fixtures` and some twenty rule modules (~8 ms of CPU),
and a warm run (a pre-commit hook on unchanged files) never calls one: it needs only their ids,
names, severities and arguments, to select them, check the configuration's codes and name the
plan's fingerprint. After a real collection of the built-in rules (no rules directory, no plugin
installed) their description is written to the user's cache folder, beside the result cache's
machine key and never in a project, so a checkout cannot plant one. A later run of the same
blocklint (its version, the Python version and the size and mtime of each of its source files
name the file) builds its rule set from it: each function a `Deferred`, imported on first use.
The engine gets the rules collected for real (`RuleSet.loaded`), and a catalogue that no longer
describes them is removed with an error asking to run again. Any trouble reading one (missing,
truncated, too large, another layout) is no catalogue: the rules are collected as before.
"""

from __future__ import annotations

import json
import os
import sys

from blocklint.engine.api import Named, Rule, RuleError
from blocklint.engine.ruleset import RuleSet

ENTRY_POINT_GROUP = "blocklint.rules"
_FORMAT = 1  # bump when the layout below changes
_MAX_BYTES = 1 << 20  # a catalogue of ~80 rules is ~20 KB
_SEARCH_PATHS = 4  # module search paths known to hold no plugin, the latest
_SETTLED_NS = 3_000_000_000  # a folder's mtime is trusted this long after it changed
_KEEP = 8  # catalogues kept in the folder (one per installed copy of blocklint, the newest)


def user_cache_folder() -> str:
    """blocklint's folder in the user's cache (`$XDG_CACHE_HOME/blocklint`, or `~/.cache/...`)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "blocklint")


def some_distribution_declares(group: str) -> bool:
    """Whether any installed distribution names the entry-point group, read cheaply.

    importlib.metadata costs ~60 ms to import and scan on every start, and a pre-commit hook
    starts thousands of times a day; most installs have no blocklint plugin. This looks at the
    same `entry_points.txt` files importlib.metadata would read, and only then hands over to it.
    """
    needle = group.encode()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(entry or ".", name, "entry_points.txt"), "rb") as handle:
                        if needle in handle.read(1 << 20):
                            return True
                except OSError:
                    continue
    return False


class Deferred:
    # A rule's, fixture's or fan-out's function named by its module and qualified name, and
    # imported on first use: a call, or reading any attribute but its names and its module's
    # file (which the plan's fingerprint reads). `__doc__` is a property, so no docstring here.

    def __init__(self, module: str, qualname: str, source: str):
        self.__module__ = module
        self.__qualname__ = qualname
        self.__name__ = qualname.rpartition(".")[2]
        self.__blocklint_source__ = source

    def resolve(self):
        """The function itself (its module imported the first time)."""
        function = self.__dict__.get("_function")
        if function is None:
            import importlib

            function = importlib.import_module(self.__module__)
            for part in self.__qualname__.split("."):
                function = getattr(function, part)
            self.__dict__["_function"] = function
        return function

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.resolve(), name)

    @property
    def __doc__(self):
        return self.resolve().__doc__

    def __repr__(self):
        return f"<deferred {self.__module__}.{self.__qualname__}>"


class _Uncatalogued(Exception):
    """A function the catalogue cannot name (defined in a function, or without a module file)."""


def built_in_rules(plugins: bool, collect) -> RuleSet:
    """The built-in rules (and, with `plugins`, those of installed plugins: there must be none):
    from the catalogue when one describes this blocklint, else `collect()` (the real collection,
    whose description is then written for the next run)."""
    path = catalogue_path()
    data = _read(path)
    # Whether a plugin is installed is known without reading every distribution's entry points
    # (~2 ms) while no folder of the module search path has changed since the catalogue said so
    # (for the last few search paths: the console script's and `python -m blocklint`'s differ).
    search = _search_path_stamp() if plugins else None
    known = data.get("no_plugins_on") if data is not None else None
    known = known if isinstance(known, list) else []
    plugin_free = data is not None and (not plugins or (search is not None and search in known))
    if plugins and not plugin_free and some_distribution_declares(ENTRY_POINT_GROUP):
        return collect()
    found = _stand_in(data, path, collect) if data is not None else None
    if found is not None:
        if not plugin_free and search is not None:  # the folders changed, still no plugin: say so
            _write(path, {**data, "no_plugins_on": [search, *known[:_SEARCH_PATHS - 1]]})
        return found
    found = collect()
    try:
        described = describe(found)
    except (_Uncatalogued, TypeError):  # a function it cannot name, an evidence it cannot write
        return found
    _write(path, {"format": _FORMAT, "no_plugins_on": [search] if search is not None else [], "rules": described})
    return found


def catalogue_path() -> str:
    """The catalogue of this blocklint, named by its version, the Python version and the size and
    mtime of each of its source files (any edit or upgrade names another)."""
    from blocklint import __version__
    from blocklint.cache_key import _digest, package_stamp

    name = _digest(_FORMAT, __version__, sys.version, sys.implementation.cache_tag, package_stamp())
    return os.path.join(user_cache_folder(), f"rules-{name[:32]}.json")


def _search_path_stamp() -> list | None:
    """The mtime of each folder on the module search path: installing or removing a distribution
    adds or removes a folder in one of them. None while one changed less than 3 s ago: a file
    system's clock ticks coarsely, and a change in the same tick would leave the mtime as it was
    (git's "racily clean" rule, as the result cache's)."""
    import time

    stamps = []
    recent = time.time_ns() - _SETTLED_NS
    for entry in sys.path:
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = None
        if mtime is not None and mtime > recent:
            return None
        stamps.append([entry, mtime])
    return stamps


def describe(ruleset: RuleSet) -> dict:
    """A rule set as plain data: what the catalogue keeps, and what a real collection must match."""
    evidence: list = []

    def evidence_index(found):
        if found is None:
            return None
        if list(found) not in evidence:
            evidence.append(list(found))
        return evidence.index(list(found))

    rules = [[found.id, found.name, found.severity, *_reference(found.func), list(found.args), found.fanout,
              found.origin, [[root, isinstance(keys, Named), list(keys)] for root, keys in found.follows],
              evidence_index(found.evidence), [evidence_index(other) for other in found.also], bool(found.clock)]
             for found in ruleset.rules]
    return {"rules": rules, "evidence": evidence,
            "fixtures": [[name, *_reference(function)] for name, function in ruleset.fixtures.items()],
            "fanouts": [[name, *_reference(function), list(extras)]
                        for name, (function, extras) in ruleset.fanouts.items()]}


def _reference(function) -> list:
    """[module, qualified name, the module's file] of a function that can be imported by them."""
    if isinstance(function, Deferred):
        return [function.__module__, function.__qualname__, function.__blocklint_source__]
    module = sys.modules.get(getattr(function, "__module__", None) or "")
    qualname = getattr(function, "__qualname__", "")
    source = getattr(module, "__file__", None)
    found = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if module is None or not source or found is not function:
        raise _Uncatalogued(repr(function))
    return [module.__name__, qualname, os.path.abspath(source)]


def _stand_in(data: dict, path: str, collect) -> RuleSet | None:
    """The rule set a catalogue describes, its functions deferred; None for one that does not
    hold together."""
    from blocklint.findings import Evidence

    try:
        described = data["rules"]
        evidence = [Evidence(*_texts(fields[:3]), bool(fields[3]), *_texts(fields[4:]))
                    for fields in described["evidence"]]
        rules = tuple(_rule(entry, evidence) for entry in described["rules"])
        fixtures = {name: _deferred(module, qualname, source)
                    for name, module, qualname, source in described["fixtures"]}
        fanouts = {name: (_deferred(module, qualname, source), tuple(_texts(extras)))
                   for name, module, qualname, source, extras in described["fanouts"]}
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return RuleSet(rules, fixtures, fanouts, _RealRules(path, described, collect))


def _rule(entry: list, evidence: list) -> Rule:
    rule_id, name, severity, module, qualname, source, args, fanout, origin, follows, index, also, clock = entry
    _texts((rule_id, name, severity, origin, *args))
    return Rule(rule_id, name, severity, _deferred(module, qualname, source), tuple(args), fanout, origin,
                tuple((root, Named(*keys) if named else tuple(keys)) for root, named, keys in follows),
                None if index is None else evidence[index], tuple(evidence[other] for other in also), bool(clock))


def _texts(values):
    """`values`, each a str (a TypeError otherwise)."""
    for value in values:
        if value.__class__ is not str:
            raise TypeError("expected text")
    return values


def _deferred(module, qualname, source) -> Deferred:
    """A catalogued function; only blocklint's own modules are catalogued, so a name outside them
    (an edited catalogue) is no catalogue (a ValueError): a deferred function is imported when a
    report reads a rule's documentation, before the rules are checked against the catalogue."""
    _texts((module, qualname, source))
    if not module.startswith("blocklint."):
        raise ValueError(f"not a module of blocklint: {module!r}")
    return Deferred(module, qualname, source)


class _RealRules:
    """`RuleSet.real` of a catalogue's stand-in: the rules collected once, checked against the
    catalogue, and the same ones selected."""

    def __init__(self, path: str, described: dict, collect):
        self.path, self.described, self.collect = path, described, collect
        self.found: RuleSet | None = None

    def __call__(self, chosen: RuleSet) -> RuleSet:
        if self.found is None:
            found = self.collect()
            try:
                matches = describe(found) == self.described
            except (_Uncatalogued, TypeError):
                matches = False
            if not matches:
                _remove(self.path)
                raise RuleError(f"the rule catalogue {self.path} did not describe blocklint's rules (edited by "
                                "hand, or written by another copy of blocklint); it has been removed: run "
                                "blocklint again")
            self.found = found
        if [rule.id for rule in chosen] == [rule.id for rule in self.found]:
            return self.found
        by_id = {rule.id: rule for rule in self.found}
        return self.found.only(by_id[rule.id] for rule in chosen)


def _read(path: str) -> dict | None:
    """A catalogue's data: read bounded, from a regular file only (a FIFO would block)."""
    from blocklint.load.read import read_bounded

    try:
        data = json.loads(read_bounded(path, _MAX_BYTES, what="rule catalogue"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == _FORMAT else None


def _write(path: str, data: dict):
    """Written whole or not at all (a temporary file renamed over it); never an error."""
    folder = os.path.dirname(path)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):  # a folder it may not write in, a value JSON cannot hold
        _remove(temporary)
        return
    _prune(folder)


def _prune(folder: str):
    """The newest `_KEEP` catalogues stay: each upgrade or edit of blocklint names a new one."""
    try:
        names = [name for name in os.listdir(folder) if name.startswith("rules-") and name.endswith(".json")]
        if len(names) <= _KEEP:
            return
        dated = sorted(names, key=lambda name: os.stat(os.path.join(folder, name)).st_mtime_ns)
    except OSError:
        return
    for name in dated[:-_KEEP]:
        _remove(os.path.join(folder, name))


def _remove(path: str):
    try:
        os.remove(path)
    except OSError:
        pass
