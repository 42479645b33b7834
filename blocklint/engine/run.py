"""Running a rule set on one document: fixtures resolved once per document, per-node rules fanned
out, findings located, a crashing rule turned into one BL000 finding at its node, suppressions
applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from blocklint.engine.api import INTERNAL_ERROR, Rule
from blocklint.engine.fold import fold
from blocklint.engine.locate import locate, make_finding
from blocklint.engine.ruleset import RuleSet
from blocklint.engine.select import matches
from blocklint.engine.suppress import apply_suppressions
from blocklint.findings import ERROR, INFO, Finding
from blocklint.load import Document


@dataclass
class Settings:
    """What a run knows besides the document: severities, rule options, related documents."""

    severity: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    # The documents a document refers to (`blocklint.specs.RelatedSpecs`): --spec files, the
    # run's own specs, the local registry. None: nothing is known besides the document.
    specs: object = None
    artifact_root: str | None = None
    previous_version: str | None = None
    verbose: bool = False
    load: object = None  # the LoadSettings files were read with
    extra: dict = field(default_factory=dict)  # per-run caches of rule modules


class Resolver:
    """Computes and caches one document's fixtures."""

    def __init__(self, doc: Document, settings: Settings, ruleset: RuleSet):
        self.doc = doc
        self.settings = settings
        self._fixtures = ruleset.fixtures
        self._fanouts = ruleset.fanouts
        self.cache: dict = {}

    def get(self, name: str, rule: Rule | None = None):
        if name == "settings":
            return self.settings
        if name == "options":
            return self.settings.options.get(rule.id, {}) if rule else {}
        if name not in self.cache:
            self.cache[name] = self._fixtures[name](self) if name in self._fixtures else None
        return self.cache[name]

    def fan_out(self, name: str):
        return self._fanouts[name][0](self)

    def extras(self, name: str | None) -> tuple:
        return self._fanouts[name][1] if name else ()


class Engine:
    def __init__(self, ruleset: RuleSet, settings: Settings | None = None):
        self.ruleset = ruleset
        self.rules = ruleset.rules
        self.settings = settings or Settings()
        self._follows = {r.id: r.follows for r in ruleset.rules if r.follows}

    def check(self, doc: Document, *, skip=()) -> list[Finding]:
        """Every finding of every selected rule on one document, suppressions applied, sorted.

        `skip` holds codes (ids or prefixes) not to run on this document (per-file ignores).
        Rules that ask for `unused_suppressions` run last, once the others' findings are known.
        """
        resolver = Resolver(doc, self.settings, self.ruleset)
        skipped = set(skip)
        rules = [r for r in self.rules if not matches(r.id, skipped) and self._shown(r)]
        late = [r for r in rules if "unused_suppressions" in r.args]
        findings: list[Finding] = []
        for current in rules:
            if current not in late:
                findings.extend(self._run(current, doc, resolver))
        findings = fold(findings, self._follows)
        findings, unused = apply_suppressions(doc, findings, {r.id for r in rules})
        if late:
            resolver.cache["unused_suppressions"] = unused
            late_findings = [f for current in late for f in self._run(current, doc, resolver)]
            findings += apply_suppressions(doc, late_findings, set())[0]
        return sorted(set(findings), key=Finding.sort_key)

    def _shown(self, current: Rule) -> bool:
        """Info findings are shown only with --verbose; without it, their rules need not run."""
        return self.settings.verbose or self.settings.severity.get(current.id, current.severity) != INFO

    def _run(self, current: Rule, doc: Document, resolver: Resolver):
        extras = resolver.extras(current.fanout)
        values = {}
        try:
            for arg in current.args:
                if arg == current.fanout or arg in extras:
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
            wanted = [arg for arg in current.args if arg in extras]
            for anchor, node, node_extras in resolver.fan_out(current.fanout):
                call_values = dict(values)
                call_values[current.fanout] = node
                for name in wanted:
                    call_values[name] = node_extras[name]
                yield from self._call(current, doc, call_values, anchor)
        except Exception as error:  # a fixture that crashed on this document: one finding, the run goes on
            yield self._crash(current, doc, (), error, "while preparing its fixtures")

    def _call(self, current: Rule, doc: Document, values: dict, anchor: tuple):
        severity = self.settings.severity.get(current.id, current.severity)
        try:
            for location, message in current.func(**values) or ():
                span, path = locate(doc, location, anchor)
                yield make_finding(doc, span, current.id, current.name, severity, message, path)
        except Exception as error:  # a broken rule must not stop the run
            yield self._crash(current, doc, anchor, error, "on this node")

    @staticmethod
    def _crash(current: Rule, doc: Document, anchor: tuple, error: Exception, where: str) -> Finding:
        return make_finding(doc, doc.span_of(anchor), *INTERNAL_ERROR, ERROR, (
            f"rule {current.id} ({current.name}) crashed {where}: {type(error).__name__}: {error}; "
            "please report it"), anchor)
