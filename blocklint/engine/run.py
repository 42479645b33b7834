"""Running a rule set on one document: fixtures resolved once per document, per-node rules fanned
out, findings located, a crashing rule turned into one BL000 finding at its node, suppressions
applied."""

from __future__ import annotations

from blocklint.engine.api import (
    INTERNAL_ERROR, MAX_FINDINGS_PER_FILE, MAX_FINDINGS_PER_RULE, RESOURCE_LIMIT, Related, Rule, RuleError, Suggestion)
from blocklint.engine.fold import fold
from blocklint.engine.locate import locate, make_finding, related_paths
from blocklint.engine.ruleset import RuleSet
from blocklint.engine.select import matches
from blocklint.engine.settings import Settings
from blocklint.engine.suppress import apply_suppressions, suppression_test, suppressions
from blocklint.findings import ERROR, INFO, UNCHECKED, Finding
from blocklint.load import Document


class Resolver:
    """Computes and caches one document's fixtures."""

    def __init__(self, doc: Document, settings: Settings, ruleset: RuleSet):
        self.doc = doc
        self.settings = settings
        self._fixtures = ruleset.fixtures
        self._fanouts = ruleset.fanouts
        self.cache: dict = {}
        self._fanned: dict = {}  # fan-out name -> its nodes

    def get(self, name: str, rule: Rule | None = None):
        if name == "options":  # the asking rule's own: never kept for the next rule
            return self.settings.options.get(rule.id, {}) if rule else {}
        cache = self.cache
        if name in cache:
            return cache[name]
        if name == "settings":
            return self.settings
        value = cache[name] = self._fixtures[name](self) if name in self._fixtures else None
        return value

    def fan_out(self, name: str):
        """The (anchor, node, extras) of a per-node fixture: worked out once per document for all
        the rules that fan out over it. One that fails is replayed as it is, for each rule to
        see the nodes before the failure and then the failure."""
        found = self._fanned.get(name)
        if found is None:
            try:
                found = self._fanned[name] = list(self._fanouts[name][0](self))
            except Exception:  # noqa: BLE001 - each rule reports it, as the generator raises it
                return self._fanouts[name][0](self)
        return found

    def extras(self, name: str | None) -> tuple:
        return self._fanouts[name][1] if name else ()


# How a rule's function is called (worked out once per engine): positionally where its arguments
# allow (a keyword call builds a dict per node; positional is what most rules take), else by name.
_FIXTURES, _NODE, _NODE_EXTRA, _BY_NAME = range(4)


class _Call:
    """How to call one rule, worked out once per engine rather than once per document."""

    __slots__ = ("rule", "id", "severity", "configured", "args", "fanout", "extras", "late", "func", "shape")

    def __init__(self, current: Rule, severity: str, ruleset: RuleSet, configured: bool = False):
        extras = ruleset.fanouts[current.fanout][1] if current.fanout else ()
        self.rule = current
        self.id = current.id
        self.severity = severity
        self.configured = configured  # a severity set in the configuration wins over the evidence's
        # fixtures resolved once per document; the fan-out's node and extras come per node
        self.args = tuple(arg for arg in current.args if arg != current.fanout and arg not in extras)
        self.fanout = current.fanout
        self.extras = tuple(arg for arg in current.args if arg in extras)
        self.late = "unused_suppressions" in current.args
        self.func = current.func
        self.shape = _shape(current, self.args, self.extras)


def _shape(current: Rule, fixtures: tuple, extras: tuple) -> int:
    """How `current.func` takes its arguments: the fixtures alone, the node (and one extra) then
    the fixtures, or anything else by name (keyword-only or positional-only parameters, another order)."""
    code = getattr(current.func, "__code__", None)
    if code is None or code.co_kwonlyargcount or code.co_posonlyargcount:
        return _BY_NAME
    if current.fanout is None:
        return _FIXTURES
    if current.args == (current.fanout, *extras, *fixtures) and len(extras) <= 1:
        return _NODE_EXTRA if extras else _NODE
    return _BY_NAME


class Engine:
    def __init__(self, ruleset: RuleSet, settings: Settings | None = None):
        self.ruleset = ruleset
        self.rules = ruleset.rules
        self.settings = settings or Settings()
        self._follows = {r.id: r.follows for r in ruleset.rules if r.follows}
        self._calls: tuple | None = None  # (what they were worked out from, [_Call])

    def _prepared(self) -> list[_Call]:
        """The rules to run and how, for the current rules and settings (redone if either changed)."""
        settings = self.settings
        basis = (self.rules, settings.verbose, tuple(settings.severity.items()))
        if self._calls is None or self._calls[0] != basis:
            calls = []
            for current in self.rules:
                severity = settings.severity.get(current.id, current.severity)
                # info findings are shown only with --verbose; without it, their rules need not run
                if settings.verbose or severity != INFO:
                    calls.append(_Call(current, severity, self.ruleset, current.id in settings.severity))
            self._calls = (basis, calls)
        return self._calls[1]

    def check(self, doc: Document, *, skip=()) -> list[Finding]:
        """Every finding of every selected rule on one document, suppressions applied, sorted.

        `skip` holds codes (ids or prefixes) not to run on this document (per-file ignores).
        Rules that ask for `unused_suppressions` run last, once the others' findings are known.
        """
        resolver = Resolver(doc, self.settings, self.ruleset)
        calls = self._prepared()
        if skip:
            skipped = set(skip)
            calls = [call for call in calls if not matches(call.id, skipped)]
        # every rule appends its findings to one list: no generator per rule or per node
        findings: list[Finding] = []
        late = []
        run = self._run
        directives = suppressions(doc)
        suppressed = suppression_test(directives)
        cut_short = set()  # rules stopped at their cap: of their directives, none is unused
        for call in calls:
            if call.late:
                late.append(call)
            elif run(call, doc, resolver, findings, suppressed):
                cut_short.add(call.id)
        findings = fold(findings, self._follows, getattr(doc, "undefined", ()), doc.data)
        unused = []
        if directives:  # else every finding stays, and no code is unused
            findings, unused = apply_suppressions(doc, findings, {call.id for call in calls} - cut_short, directives)
        if late:
            resolver.cache["unused_suppressions"] = unused
            late_findings: list[Finding] = []
            for call in late:
                run(call, doc, resolver, late_findings, suppressed)
            findings += apply_suppressions(doc, late_findings, set(), directives)[0] if directives else late_findings
        if not findings:
            return []
        findings = sorted(set(findings), key=Finding.sort_key)
        if len(findings) > MAX_FINDINGS_PER_FILE:
            findings[MAX_FINDINGS_PER_FILE:] = [_limit_finding(findings[MAX_FINDINGS_PER_FILE], (
                f"more than {MAX_FINDINGS_PER_FILE:,} findings in this file: the first {MAX_FINDINGS_PER_FILE:,} are "
                "reported, the rest from here on are not (fix those and run again)"))]
        return findings

    def _run(self, call: _Call, doc: Document, resolver: Resolver, out: list, suppressed) -> bool:
        """Append one rule's findings on `doc` to `out`, up to MAX_FINDINGS_PER_RULE of them that
        are not `suppressed`, then one BL005 for the rest; True when the rule was cut short there
        (it is asked for no more: the work stops at the cap too)."""
        cache = resolver.cache
        fixed = []
        try:
            for arg in call.args:
                value = cache[arg] if arg in cache else resolver.get(arg, call.rule)
                if value is None:
                    return False
                fixed.append(value)
            if call.fanout is not None:
                return self._calls_on(call, doc, resolver.fan_out(call.fanout), fixed, out, suppressed)
        except Exception as error:  # a fixture that crashed on this document: one finding, the run goes on
            out.append(self._crash(call.rule, doc, (), error, "while preparing its fixtures"))
            return False
        # A rule that does not fan out is called once; its anchor (the path of its first fixture)
        # is looked up only when it reports something: most rules find nothing on most documents.
        func, count = call.func, len(fixed)
        try:
            if call.shape != _FIXTURES:
                produced = func(**dict(zip(call.args, fixed)))
            else:  # spelled out: a call that unpacks a list (`func(*fixed)`) costs several times more
                produced = func() if count == 0 else func(fixed[0]) if count == 1 else \
                    func(fixed[0], fixed[1]) if count == 2 else func(*fixed)
            if not produced:
                return False
            quota = anchor = None
            for found in produced:
                if quota is None:
                    quota, anchor = _Quota(suppressed), _anchor(doc, fixed)
                if self._report(call, doc, found, anchor, out, quota):
                    return True
        except Exception as error:  # a broken rule must not stop the run
            out.append(self._crash(call.rule, doc, _anchor(doc, fixed), error, "on this node"))
        return False

    def _calls_on(self, call: _Call, doc: Document, nodes, fixed: list, out: list, suppressed) -> bool:
        """Call a fanning-out rule once per (anchor, node, extras) of `nodes`, appending its
        findings to `out`; True when its quota ran out. The quota is made at the first finding:
        most rules find nothing on most documents."""
        func, extras, by_name = call.func, call.extras, call.shape == _BY_NAME
        extra_name = extras[0] if call.shape == _NODE_EXTRA else None
        # the fixtures after the node (and its extra) spelled out, up to two: a call that unpacks a
        # list (`func(node, *fixed)`) costs several times more, and it is made once per node
        count = len(fixed)
        one = fixed[0] if count else None
        two = fixed[1] if count > 1 else None
        quota = None
        for anchor, node, node_extras in nodes:
            # a node's extras are looked up before the call: one missing is the fan-out's failure
            if extra_name is not None:
                extra = node_extras[extra_name]
            elif by_name:
                values = dict(zip(call.args, fixed))
                values[call.fanout] = node
                for name in extras:
                    values[name] = node_extras[name]
            try:
                if by_name:
                    produced = func(**values)
                elif extra_name is None:
                    produced = func(node) if count == 0 else func(node, one) if count == 1 else \
                        func(node, one, two) if count == 2 else func(node, *fixed)
                else:
                    produced = func(node, extra) if count == 0 else func(node, extra, one) if count == 1 else \
                        func(node, extra, one, two) if count == 2 else func(node, extra, *fixed)
                if not produced:
                    continue
                for found in produced:
                    if quota is None:
                        quota = _Quota(suppressed)
                    if self._report(call, doc, found, anchor, out, quota):
                        return True
            except Exception as error:  # a broken rule must not stop the run
                out.append(self._crash(call.rule, doc, anchor, error, "on this node"))
        return False

    def _report(self, call: _Call, doc: Document, found, anchor: tuple, out: list, quota: _Quota) -> bool:
        """Append one finding a rule yielded (`(location, message, *extras)`) to `out`; True when
        the rule's quota ran out (then its BL005 is appended instead)."""
        current = call.rule
        location, message, *extras = found
        span, path = locate(doc, location, anchor)
        suggested = [extra for extra in extras if isinstance(extra, Suggestion)]
        related = [extra for extra in extras if isinstance(extra, Related)]
        named = [extra for extra in extras if not isinstance(extra, (Suggestion, Related))]
        if named and named[0] not in current.also:
            raise RuleError(f"a finding names evidence {getattr(named[0], 'name', named[0])!r} "
                            "that the rule does not declare in `also`")
        evidence = named[0] if named else current.evidence
        severity = named[0].severity if named and not call.configured else call.severity
        if severity == INFO and not self.settings.verbose:
            return False
        finding = make_finding(doc, span, call.id, current.name, severity, message, path,
                               evidence.name if evidence is not None else "",
                               suggested[0] if suggested else "",
                               related_paths(doc, related[0], anchor) if related else ())
        if quota.spent(finding):
            out.append(_limit_finding(finding, (
                f"more than {MAX_FINDINGS_PER_RULE:,} findings of {call.id} ({current.name}) in this file: "
                f"{MAX_FINDINGS_PER_RULE:,} are reported, the rest are not (fix those and run again)")))
            return True
        out.append(finding)
        return False

    @staticmethod
    def _crash(current: Rule, doc: Document, anchor: tuple, error: Exception, where: str) -> Finding:
        return make_finding(doc, doc.span_of(anchor), *INTERNAL_ERROR, ERROR, (
            f"rule {current.id} ({current.name}) crashed {where}: {type(error).__name__}: {error}; "
            "please report it"), anchor, UNCHECKED.name)


class _Quota:
    """The findings one rule may still report on one document. Suppressed findings do not count
    (20,000 of them are no flood): they are kept for apply_suppressions, which marks their
    directives used. Nor does a finding count twice (the schema explains some errors once per
    branch of an `anyOf`; duplicates are dropped later)."""

    __slots__ = ("left", "suppressed", "seen")

    def __init__(self, suppressed):
        self.left = MAX_FINDINGS_PER_RULE
        self.suppressed = suppressed
        self.seen: set = set()

    def spent(self, finding: Finding) -> bool:
        """Whether `finding` is one past the quota (else it is counted)."""
        if finding in self.seen or self.suppressed(finding):
            return False
        if not self.left:
            return True
        self.left -= 1
        self.seen.add(finding)
        return False


def _anchor(doc: Document, fixed: list) -> tuple:
    """The path a rule that does not fan out reports from: its first fixture's, when that is a
    node of the document, else the root."""
    first = fixed[0] if fixed else None
    return (doc.path_of(first) if isinstance(first, (dict, list)) else None) or ()


def _limit_finding(left_out: Finding, message: str) -> Finding:
    """The finding that stands for those left out, at the first of them, with its severity."""
    rule_id, name = RESOURCE_LIMIT
    return left_out._replace(rule=rule_id, name=name, message=message, path=(), evidence=UNCHECKED.name)
