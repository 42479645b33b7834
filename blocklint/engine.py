"""Rules, as pytest runs tests: collected, selected, given fixtures by argument name.

A rule is a plain function decorated with `@rule(id, name, severity)`. Its argument names
pick fixtures (see `fixtures.py`); an argument with a default is not injected. A rule that
asks for a per-node fixture (`step`, `image`, ...) runs once per node. A rule yields
`(location, message)` pairs; the engine turns each location into file:line:col.

A location is a path into the document: a tuple of keys and indexes, relative to the node
the rule fanned out over, or else to the rule's first fixture when that is a node of the
document (a rule taking `config` yields `("steps", name)`), or else to the root. When the first
element is a dict or list taken from the document, the path starts there instead, so
`yield (step, "imageRef"), "..."` and `yield (config["images"], Key(name)), "..."` both
work. `Key(name)` as the last element points at the key instead of its value. A loader
`Span` is taken as it is. A path that runs past the document (a missing key) resolves to the
nearest node that exists: the mapping that lacks the key.
"""

from __future__ import annotations

import importlib
import keyword
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from blocklint import fixtures
from blocklint.findings import ERROR, INFO, SEVERITIES, Finding
from blocklint.load import Document, Span

RULE_ID = re.compile(r"^[A-Z]{2,}[0-9]{3}$")
RULE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INTERNAL_ERROR = ("BL000", "internal-error")


class RuleError(Exception):
    """A rule set that cannot run: a duplicate id, an unknown fixture, an unloadable module."""


class Key(str):
    """A mapping key as the last element of a location: point at the key, not its value."""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    func: Callable = field(compare=False)
    args: tuple = ()
    fanout: str | None = None
    origin: str = ""

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0] if self.doc else ""


def rule(rule_id: str, name: str, severity: str = ERROR):
    """Declare a rule. The function's docstring is its documentation."""
    if not RULE_ID.match(rule_id):
        raise RuleError(f"rule id {rule_id!r} must look like BL123")
    if not RULE_NAME.match(name):
        raise RuleError(f"rule name {name!r} must be kebab-case")
    if severity not in SEVERITIES:
        raise RuleError(f"severity {severity!r} must be one of {', '.join(SEVERITIES)}")

    def decorate(func):
        func.__blocklint_rule__ = (rule_id, name, severity)
        return func

    return decorate


def fixture_names(func) -> tuple:
    """The arguments to inject: those without defaults (read from the code object, as `inspect`
    costs ~20 ms to import at every start)."""
    code = func.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = len(func.__defaults__ or ())
    keyword_only = code.co_varnames[code.co_argcount: code.co_argcount + code.co_kwonlyargcount]
    return (*positional[: len(positional) - defaults],
            *(name for name in keyword_only if name not in (func.__kwdefaults__ or {})))


def _as_rule(func, origin: str) -> Rule:
    rule_id, name, severity = func.__blocklint_rule__
    args = fixture_names(func)
    fanouts = [arg for arg in args if arg in fixtures.FANOUT]
    if len(fanouts) > 1:
        raise RuleError(f"rule {rule_id} asks for {fanouts[0]!r} and {fanouts[1]!r}; "
                        "a rule fans out over one kind of node at most")
    fanout = fanouts[0] if fanouts else None
    known = set(fixtures.FIXTURES) | set(fixtures.FANOUT) | set(fixtures.FANOUT_EXTRAS.get(fanout, ()))
    for arg in args:
        if arg not in known:
            hint = fixtures.did_you_mean(arg, known)
            raise RuleError(f"rule {rule_id} ({origin}) asks for unknown fixture {arg!r}{hint}")
    return Rule(rule_id, name, severity, func, args, fanout, origin)


def _rules_in(module, origin: str) -> list[Rule]:
    return [_as_rule(value, origin) for value in vars(module).values()
            if callable(value) and hasattr(value, "__blocklint_rule__")]


def collect_rules(rules_dirs=(), *, plugins: bool = True) -> list[Rule]:
    """Built-in rules, then `--rules-dir` modules, then the `blocklint.rules` entry points."""
    import blocklint.rules as builtin

    # Import every module before reading any rule: a module may use fixtures another registers.
    names = sorted({name[:-3] for directory in builtin.__path__ for name in os.listdir(directory)
                    if name.endswith(".py") and not name.startswith("_")})
    modules = [importlib.import_module(f"blocklint.rules.{name}") for name in names]
    collected: list[Rule] = []
    for module in modules:
        collected += _rules_in(module, module.__name__)
    for directory in rules_dirs:
        collected += _rules_from_directory(Path(directory))
    if plugins:
        collected += _rules_from_entry_points()
    by_id: dict[str, Rule] = {}
    for found in collected:
        if found.id in by_id and by_id[found.id].func is not found.func:
            raise RuleError(f"rule id {found.id} is defined twice: in {by_id[found.id].origin} "
                            f"and in {found.origin}")
        by_id[found.id] = found
    return sorted(by_id.values(), key=lambda found: found.id)


def _rules_from_directory(directory: Path) -> list[Rule]:
    if not directory.is_dir():
        raise RuleError(f"--rules-dir {directory}: not a directory")
    found: list[Rule] = []
    for path in sorted(directory.glob("*.py")):
        import importlib.util

        module_name = f"blocklint_local_rules.{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # a user's rule file: report, don't crash
            raise RuleError(f"cannot load rules from {path}: {type(error).__name__}: {error}") from error
        found += _rules_in(module, str(path))
    return found


def _some_distribution_declares(group: str) -> bool:
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
                        if needle in handle.read():
                            return True
                except OSError:
                    continue
    return False


def _rules_from_entry_points() -> list[Rule]:
    if not _some_distribution_declares("blocklint.rules"):
        return []
    from importlib.metadata import entry_points

    found: list[Rule] = []
    for entry in entry_points(group="blocklint.rules"):
        try:
            loaded = entry.load()
        except Exception as error:
            raise RuleError(f"cannot load rule plugin {entry.name} ({entry.value}): {error}") from error
        if hasattr(loaded, "__blocklint_rule__"):
            found.append(_as_rule(loaded, f"plugin {entry.name}"))
        else:
            found += _rules_in(loaded, f"plugin {entry.name}")
    return found


# --- selection ------------------------------------------------------------------------


def select_rules(rules, *, select=(), ignore=(), keyword_expr: str | None = None) -> list[Rule]:
    """`--select`/`--ignore` take ids or prefixes (`BL3`); the longer match wins, as in ruff."""
    chosen = []
    matcher = compile_keyword(keyword_expr) if keyword_expr else None
    for candidate in rules:
        selected = _longest_prefix(candidate.id, select) if select else 0
        ignored = _longest_prefix(candidate.id, ignore)
        if select and not selected:
            continue
        if ignored and ignored >= selected:
            continue
        if matcher and not matcher(candidate):
            continue
        chosen.append(candidate)
    return chosen


def _longest_prefix(rule_id: str, prefixes) -> int:
    lengths = [len(prefix) for prefix in prefixes if prefix == "ALL" or rule_id.startswith(prefix)]
    return max(lengths, default=0)


_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def compile_keyword(expression: str) -> Callable[[Rule], bool]:
    """pytest's `-k`: words match rule names and ids by substring; `and`, `or`, `not`, parentheses."""
    tokens = _TOKEN.findall(expression)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def parse_or():
        left = parse_and()
        while peek() == "or":
            take()
            right = parse_and()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def parse_and():
        left = parse_not()
        while peek() == "and":
            take()
            right = parse_not()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def parse_not():
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda r: not inner(r)
        return parse_atom()

    def parse_atom():
        token = peek()
        if token is None or token == ")" or (keyword.iskeyword(token) and token in ("and", "or")):
            raise RuleError(f"-k {expression!r}: expected a word at {' '.join(tokens[position:]) or 'the end'}")
        take()
        if token == "(":
            inner = parse_or()
            if peek() != ")":
                raise RuleError(f"-k {expression!r}: missing ')'")
            take()
            return inner
        word = token.lower()
        return lambda r: word in r.name or word in r.id.lower()

    matcher = parse_or()
    if position != len(tokens):
        raise RuleError(f"-k {expression!r}: unexpected {tokens[position]!r}")
    return matcher


# --- running --------------------------------------------------------------------------


@dataclass
class Settings:
    """What a run knows besides the document: severities, rule options, other documents."""

    severity: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    spec_files: tuple = ()
    artifact_root: str | None = None
    previous_version: str | None = None
    verbose: bool = False
    load: object = None  # the LoadSettings files were read with (to read --spec files alike)
    # spec id -> the spec as a peak CLI file's data ({body, parameters, ...}) or None; set by the
    # submit path when a registry is at hand, so deployments can be checked against their spec.
    spec_resolver: object = None
    extra: dict = field(default_factory=dict)


class Engine:
    def __init__(self, rules: list[Rule], settings: Settings | None = None):
        self.rules = rules
        self.settings = settings or Settings()

    def check(self, doc: Document, *, skip=()) -> list[Finding]:
        """Every finding of every selected rule on one document, suppressions applied, sorted.

        `skip` holds codes (ids or prefixes) not to run on this document (per-file ignores).
        Rules that ask for `unused_suppressions` run last, once the others' findings are known.
        """
        resolver = fixtures.Resolver(doc, self.settings)
        rules = [r for r in self.rules if not _matches(r.id, set(skip)) and self._shown(r)]
        late = [r for r in rules if "unused_suppressions" in r.args]
        findings: list[Finding] = []
        for current in rules:
            if current not in late:
                findings.extend(self._run(current, doc, resolver))
        findings, unused = apply_suppressions(doc, findings, {r.id for r in rules})
        if late:
            resolver.cache["unused_suppressions"] = unused
            late_findings = [f for current in late for f in self._run(current, doc, resolver)]
            findings += apply_suppressions(doc, late_findings, set())[0]
        return sorted(set(findings), key=Finding.sort_key)

    def _shown(self, current: Rule) -> bool:
        """Info findings are shown only with --verbose; without it, their rules need not run."""
        return self.settings.verbose or self.settings.severity.get(current.id, current.severity) != INFO

    def _run(self, current: Rule, doc: Document, resolver: fixtures.Resolver):
        values = {}
        for arg in current.args:
            if arg == current.fanout or arg in fixtures.FANOUT_EXTRAS.get(current.fanout, ()):
                continue
            value = resolver.get(arg, current)
            if value is None:
                return
            values[arg] = value
        if current.fanout is None:
            first = values[current.args[0]] if current.args else None
            anchor = doc.path_of(first) if isinstance(first, (dict, list)) else None
            yield from self._call(current, doc, values, anchor or ())
            return
        extras_wanted = [arg for arg in current.args if arg in fixtures.FANOUT_EXTRAS.get(current.fanout, ())]
        for anchor, node, extras in resolver.fan_out(current.fanout):
            call_values = dict(values)
            call_values[current.fanout] = node
            for name in extras_wanted:
                call_values[name] = extras[name]
            yield from self._call(current, doc, call_values, anchor)

    def _call(self, current: Rule, doc: Document, values: dict, anchor: tuple):
        severity = self.settings.severity.get(current.id, current.severity)
        try:
            results = current.func(**values)
            for location, message in results or ():
                span, path = locate(doc, location, anchor)
                yield _finding(doc, span, current.id, current.name, severity, message, path)
        except Exception as error:  # a broken rule must not stop the run
            span = doc.span_of(anchor)
            yield _finding(doc, span, *INTERNAL_ERROR, ERROR, (
                f"rule {current.id} ({current.name}) crashed on this node: "
                f"{type(error).__name__}: {error}; please report it"), anchor)


def _finding(doc, span: Span, rule_id, name, severity, message, path) -> Finding:
    return Finding(doc.path, span.line + 1, span.column + 1, span.end_line + 1, span.end_column + 1,
                   rule_id, name, severity, message, tuple(path))


def locate(doc: Document, location, anchor: tuple) -> tuple[Span, tuple]:
    """Turn a rule's location into a span in the user's file."""
    if isinstance(location, Span):
        return location, ()
    if location is None:
        location = ()
    if isinstance(location, (dict, list)):
        location = (location,)
    if isinstance(location, str):
        location = (location,)
    location = tuple(location)
    base = anchor
    if location and isinstance(location[0], (dict, list)):
        found = doc.path_of(location[0])
        base = found if found is not None else anchor
        location = location[1:]
    path = base + location
    is_key = bool(location) and isinstance(location[-1], Key)
    return doc.span_of(path, key=is_key), path


# --- suppression ----------------------------------------------------------------------

_DIRECTIVE = re.compile(r"#\s*blocklint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\s]+)")


def _codes(text: str) -> set[str]:
    return {code.strip().upper() for code in text.split(",") if code.strip()}


def _matches(rule_id: str, codes: set[str]) -> bool:
    return "ALL" in codes or any(rule_id.startswith(code) for code in codes)


@dataclass
class Directive:
    """One `# blocklint: disable=...` comment (or the JSON `x-blocklint` key)."""

    line: int  # 1-based line of the comment; 0 for file-wide directives
    codes: set
    covers: set  # 1-based lines it applies to; empty for file-wide
    used: set = field(default_factory=set)
    column: int = 0  # 0-based column of the comment


def suppressions(doc: Document) -> list[Directive]:
    directives = [Directive(0, set(doc.disabled), set())] if doc.disabled else []
    if "blocklint:" not in doc.source:
        return directives
    for number, text in enumerate(doc.source_lines, start=1):
        match = _DIRECTIVE.search(text)
        if not match:
            continue
        codes = _codes(match.group(2))
        if match.group(1) == "disable-file":
            covers = set()
        elif text[: match.start()].strip():
            covers = {number}
        else:
            covers = {number, number + 1}  # a comment on a line of its own covers the line below
        directives.append(Directive(number, codes, covers, column=match.start()))
    return directives


def apply_suppressions(doc: Document, findings: list[Finding], ran: set):
    """Findings left after suppression, and the directives' codes that suppressed nothing.

    A code counts as unused only if a rule it names ran: of a rule that was not selected,
    nothing can be said.
    """
    directives = suppressions(doc)
    if not directives:
        return findings, []
    kept = []
    for finding in findings:
        hits = [d for d in directives if (not d.covers or finding.line in d.covers) and _matches(finding.rule, d.codes)]
        for directive in hits:
            directive.used |= {code for code in directive.codes if finding.rule.startswith(code) or code == "ALL"}
        if not hits:
            kept.append(finding)
    unused = []
    for directive in directives:
        for code in sorted(directive.codes - directive.used):
            if any(rule_id.startswith(code) or code == "ALL" for rule_id in ran):
                line = max(directive.line - 1, 0)
                unused.append((Span(line, directive.column, line, directive.column + 1), code))
    return kept, unused
