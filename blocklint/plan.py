"""One road from configuration to a run: configuration + a front door's overrides → a `Plan`.

`blocklint check`, `pytest --blocklint`, `blocklint submit`, the registry's checks of what it
receives and the editor server all build their run here and nowhere else, so the same file gets
the same verdict whichever door it came through. A `Plan` holds everything a run decides before
the first file is read: the rules and their fixtures, severities and options, how files load
(template variables, the environment templates may read), which files to skip, the related specs,
strictness and the baseline.

`Planner` finds the closest configuration for each checked file (as ruff does) unless
`--config` or `--isolated` fixes one for the whole run.
"""

from __future__ import annotations

import os
from collections import namedtuple
from functools import cached_property
from pathlib import Path

from blocklint.config import Config, ConfigError, find_config, load_config
from blocklint.engine import RuleError, RuleSet, Settings
from blocklint.engine.select import names_every_rule
from blocklint.globs import Globs
from blocklint.records import Record, field, record, replace
from blocklint.words import did_you_mean


class PlanError(Exception):
    """A run that cannot be planned (a usage error): bad configuration, unknown rule codes, an
    unusable rules directory or params file. The message says which and why."""


# Each field of `Overrides` and its default, in order.
_OVERRIDE_DEFAULTS = {
    "select": (),
    "extend_select": (),
    "ignore": (),
    "keyword_expr": None,
    "exclude": (),
    "rules_dir": (),
    "params_file": None,
    "params": (),  # (name, value) template variables, winning over the params file
    "template": True,
    "template_env": (),  # names of environment variables templates may read as os_env
    "kind": None,
    "strict": None,
    "baseline": None,
    "use_baseline": True,  # False while writing one
    "spec_files": (),
    "artifact_root": None,
    "previous_version": None,
    "verbose": False,
    "skip_unknown": False,
    "respect_gitignore": None,
    "config_file": None,
    "isolated": False,
    "plugins": True,
    "registry": True,  # look specs up in the local registry
    # The spec lookup by id or name (`blocklint.registry.SpecResolver`), handed in by the front
    # door (`blocklint.registry.with_spec_lookup`): the plan knows no registry of its own.
    "spec_lookup": None,
    "follow_references": True,  # follow references to the project's files (not for received bodies)
    # Load the `rules-dir` a configuration file names (Python code from the checkout)? None:
    # only when BLOCKLINT_TRUST_RULES_DIR=1. `--rules-dir` given by the caller is always loaded.
    "trust_rules_dir": None,
}


class Overrides(namedtuple("Overrides", _OVERRIDE_DEFAULTS,  # not a frozen dataclass: ~1.3 ms less at every start
                           defaults=_OVERRIDE_DEFAULTS.values())):
    """What a front door adds to (or puts in place of) the configuration file's values."""

    __slots__ = ()


@record
class Plan(Record):
    """How a run checks the files of one configuration: rules, settings, what to skip, how to judge."""

    config: Config
    overrides: Overrides
    available: RuleSet  # every rule collected
    rules: RuleSet  # the selected ones
    load: object  # LoadSettings
    settings: Settings
    exclude: tuple = ()  # a `Globs`, compiled once: the configuration's and the command line's
    strict: bool = False
    skip_unknown: bool = False
    respect_gitignore: bool = True
    baseline: object = None  # Counter of known findings, or None
    secrets: frozenset = field(default_factory=frozenset)  # values never to print (environment)

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def project(self):
        """The run's `blocklint.project.Project`: every document under the root, by path, kind
        and name, shared by every file the plan checks."""
        return getattr(self.settings.specs, "project", None)

    @cached_property
    def engine(self) -> Engine:
        from blocklint.engine import Engine

        try:
            rules = self.rules.loaded()  # built from the rule catalogue: the rules collected for real
        except RuleError as error:
            raise PlanError(str(error)) from error
        return Engine(rules, self.settings)

    def skip_for(self, path: str) -> list[str]:
        """Rule codes that `per-file-ignores` turns off for a file."""
        if not self.config.per_file_ignores:
            return []  # the usual case, answered without working out the file's relative path
        return self.config.ignored_for(path)

    def known_findings(self, findings) -> list:
        """`findings` less those the baseline recorded."""
        if self.baseline is None:
            return findings
        from blocklint.baseline import new_findings

        return new_findings(findings, self.baseline, self.root)

    def with_specs(self, documents) -> Plan:
        """This plan, with more related specs known (`blocklint.specs.SpecDocument`s): the specs a
        submit run is about to send, for the deployments that name them."""
        specs = self.settings.specs.with_documents(documents)
        return replace(self, settings=replace(self.settings, specs=specs))

    def describe(self) -> dict:
        """The resolved settings, for `--show-settings`."""
        return {
            "config": str(self.config.path) if self.config.path else None,
            "root": str(self.root),
            "rules": [found.id for found in self.rules],
            "severity": dict(self.settings.severity),
            "options": dict(self.settings.options),
            "per-file-ignores": dict(self.config.per_file_ignores),
            "exclude": list(self.exclude),
            "rules-dir": list(self.config.rules_dir) + list(self.overrides.rules_dir),
            "template": self.load.template,
            "template-params": sorted(self.load.params),
            "template-env": sorted(getattr(self.load, "env", {}) or {}),
            "kind": self.load.kind,
            "kinds": dict(self.config.kinds),
            "spec-files": list(self.overrides.spec_files),
            "strict": self.strict,
            "baseline": self.overrides.baseline or self.config.baseline,
            "respect-gitignore": self.respect_gitignore,
            "verbose": self.settings.verbose,
        }


def split_codes(values) -> list[str]:
    """`BL1,BL2` and repeated options as one list of upper-case codes."""
    return [item.strip().upper() for value in values for item in str(value).split(",") if item.strip()]


def build_plan(overrides: Overrides = Overrides(), *, config_path: Path | None = None,
               start: Path | None = None, rules_cache: dict | None = None) -> Plan:
    """The plan for `overrides` with the configuration at `config_path` (default: `--config`,
    nothing with `--isolated`, else the closest configuration above `start` or the working
    directory). Raises PlanError."""
    if config_path is None and not overrides.isolated:
        config_path = Path(overrides.config_file) if overrides.config_file else find_config(start)
    try:
        config = load_config(None if overrides.isolated else config_path)
    except ConfigError as error:
        raise PlanError(str(error)) from error
    if config.rules_dir and not _trusts_rules_dir(overrides):
        raise PlanError(f"{config.path}: rules-dir {', '.join(config.rules_dir)} holds Python code blocklint would "
                        "run; load it with --trust-rules-dir (or BLOCKLINT_TRUST_RULES_DIR=1), never on a checkout "
                        "you do not trust, such as a pull request from a stranger")
    available = _collect(tuple([*config.rules_dir, *overrides.rules_dir]), overrides.plugins, rules_cache)
    where = config.path.name if config.path else "the command line"
    select = list(overrides.select) or config.select
    select = [*select, *config.extend_select, *overrides.extend_select] if select else []
    ignore = [*config.ignore, *overrides.ignore]
    _known_codes(select + ignore, available, f"--select/--ignore or {where}")
    _known_codes([*config.severity, *config.options], available, where)
    _known_codes([code for codes in config.per_file_ignores.values() for code in codes], available, where)
    _not_every_rule([*ignore, *(code for codes in config.per_file_ignores.values() for code in codes)],
                    f"--ignore or {where}")
    try:
        rules = available.select(select=select, ignore=ignore, keyword_expr=overrides.keyword_expr)
    except RuleError as error:
        raise PlanError(str(error)) from error
    load = _load_settings(overrides, config)
    settings = Settings(severity=config.severity, options=config.options, artifact_root=overrides.artifact_root,
                        previous_version=overrides.previous_version, verbose=overrides.verbose, load=load,
                        specs=_related_specs(overrides, load,
                                             _project(config, start, load) if overrides.follow_references else None))
    baseline_path = overrides.baseline or config.baseline
    respect = overrides.respect_gitignore if overrides.respect_gitignore is not None else config.respect_gitignore
    return Plan(config=config, overrides=overrides, available=available, rules=rules, load=load,
                settings=settings, exclude=Globs((*config.exclude, *overrides.exclude)),
                strict=bool(overrides.strict or config.strict), skip_unknown=overrides.skip_unknown,
                respect_gitignore=respect,
                baseline=_read_baseline(baseline_path) if baseline_path and overrides.use_baseline else None,
                secrets=frozenset(value for value in (getattr(load, "env", {}) or {}).values() if value))


def _trusts_rules_dir(overrides: Overrides) -> bool:
    if overrides.trust_rules_dir is not None:
        return overrides.trust_rules_dir
    return os.environ.get("BLOCKLINT_TRUST_RULES_DIR", "").lower() in ("1", "true", "yes")


def _collect(rules_dirs: tuple, plugins: bool, cache: dict | None) -> RuleSet:
    key = (rules_dirs, plugins)
    if cache is not None and key in cache:
        return cache[key]

    def collect() -> RuleSet:
        from blocklint.collect import collect_rules

        try:
            return collect_rules(rules_dirs, plugins=plugins)
        except RuleError as error:
            raise PlanError(str(error)) from error

    if rules_dirs:
        found = collect()
    else:  # the built-in rules: read from the catalogue of a previous run when there is one
        from blocklint.catalogue import built_in_rules

        found = built_in_rules(plugins, collect)
    if cache is not None:
        cache[key] = found
    return found


def _not_every_rule(codes, where: str):
    """Ignoring every rule would hide sandbox refusals, resource limits and crashes with exit 0."""
    for code in codes:
        if names_every_rule(code):
            raise PlanError(f"ignore {code!r} in {where} would switch off every rule, template sandbox refusals and "
                            "internal errors included; name the rules or families to ignore (e.g. 'BL6')")


def _known_codes(codes, rules: RuleSet, where: str):
    for code in codes:
        if not code.strip():
            raise PlanError(f"an empty rule code in {where} would match every rule; remove it")
        if code != "ALL" and not any(found.id.startswith(code) for found in rules):
            raise PlanError(f"unknown rule code {code!r} in {where}{did_you_mean(code, [r.id for r in rules])}")


def _load_settings(overrides: Overrides, config: Config):
    from blocklint.load import LoadSettings

    params_path = overrides.params_file or config.params_file
    params = read_params_file(params_path) if params_path else {}
    params.update(dict(overrides.params))
    # Only the command line allows variables: a configuration file in a checkout could name any.
    env = {name: os.environ[name] for name in overrides.template_env if name in os.environ}
    # Includes may read what lies in the project: below the configuration's folder; without a
    # configuration, each file's own project (`blocklint.project_root`), never the working directory.
    from blocklint.project_root import project_root

    root = project_root(None, config.path) if config.path else None
    claims = None
    if config.kinds:
        from blocklint.kinds import Claims  # only with [tool.blocklint.kinds]: a warm run imports no kinds

        claims = Claims(str(config.root), tuple(config.kinds.items()))
    return LoadSettings(params=params, template=overrides.template, kind=overrides.kind, env=env,
                        include_root=str(root) if root is not None else None, claims=claims)


def read_params_file(path) -> dict:
    """Template variables from a YAML file (the peak CLI's `--params-file`). A Press document, a
    directory or anything but a mapping is a usage error."""
    from blocklint.load import LoadSettings, load_path

    label = f"--params-file {path}"
    if os.path.isdir(path):
        raise PlanError(f"{label}: is a directory; give the YAML file of template variables")
    try:
        doc = load_path(path, LoadSettings(template=False))
    except OSError as error:
        raise PlanError(f"{label}: {error.strerror or error}") from error
    if doc.problems:
        problem = doc.problems[0]
        raise PlanError(f"{label}:{problem.span.line + 1}: {problem.message}")
    if doc.kind is not None and doc.kind != "fallback-parameters":
        raise PlanError(f"{label}: is a Press document ({doc.kind}), not a file of template variables; "
                        "to check a deployment against its spec, give the spec with --spec")
    if not isinstance(doc.data, dict):
        raise PlanError(f"{label}: expected a mapping of names to values")
    return {key: value for key, value in doc.data.items() if value is not None}


def _project(config: Config, start: Path | None, load):
    """The run's project: the documents references are followed to (`blocklint.project`)."""
    from blocklint.project import Project
    from blocklint.project_root import folder_root

    root = folder_root(start, config.path)
    return Project(root, load) if root is not None else None


def _related_specs(overrides: Overrides, load, project=None):
    from blocklint.specs import RelatedSpecs

    lookup = overrides.spec_lookup if overrides.registry else None
    # --spec files are specs, not documents of a forced --kind
    spec_load = load.with_kind(None)
    return RelatedSpecs.from_files(overrides.spec_files, spec_load, lookup=lookup, project=project)


def _read_baseline(path):
    from blocklint.baseline import read_baseline

    try:
        return read_baseline(Path(path))
    except ValueError as error:
        raise PlanError(str(error)) from error


class Planner:
    """Plans per file: the closest configuration to each file, unless `--config`/`--isolated`
    fixes one. Rules are collected once per set of rules directories."""

    def __init__(self, overrides: Overrides = Overrides(), *, start: Path | None = None):
        self.overrides = overrides
        self._rules: dict = {}
        self._plans: dict = {}
        self._configs: dict = {}  # directory -> closest configuration file
        self._resolved: dict = {}  # configuration file -> its real path (the plan's key), once per run
        self._by_folder: dict = {}  # a file's folder as named (with the working directory) -> its plan
        # configuration files below the run's own that could not be planned -> the PlanError;
        # their folders are checked with the run's own plan, and each is reported as a finding
        self.broken: dict[str, PlanError] = {}
        self.default = self._plan(self._config_for(start))

    @property
    def fixed(self) -> bool:
        return bool(self.overrides.isolated or self.overrides.config_file)

    def _config_for(self, directory: Path | None):
        if self.overrides.isolated:
            return None
        if self.overrides.config_file:
            return Path(self.overrides.config_file)
        if directory not in self._configs:
            self._configs[directory] = find_config(directory)
        return self._configs[directory]

    def _plan(self, config_path) -> Plan:
        if config_path not in self._resolved:
            self._resolved[config_path] = str(config_path.resolve()) if config_path else None
        key = self._resolved[config_path]
        if key not in self._plans:
            self._plans[key] = build_plan(self.overrides, config_path=config_path, rules_cache=self._rules) \
                if config_path or self.overrides.isolated else \
                build_plan(self.overrides._replace(isolated=True), rules_cache=self._rules)
        return self._plans[key]

    def for_path(self, path: str) -> Plan:
        """The plan of the configuration closest to `path` (a file or `-`), once per folder: a run
        asks twice per file (to check it, then to judge its result)."""
        if self.fixed or path == "-":
            return self.default
        folder = os.path.dirname(path)
        key = folder if os.path.isabs(folder) else (os.getcwd(), folder)
        plan = self._by_folder.get(key)
        if plan is None:
            plan = self._by_folder[key] = self._closest_plan(path)
        return plan

    def _closest_plan(self, path: str) -> Plan:
        found = self._config_for(Path(os.path.abspath(path)).parent)
        if found is None or str(found) in self.broken:
            return self.default
        try:
            return self._plan(found)
        except PlanError as error:  # one broken configuration stops no other file
            self.broken[str(found)] = error
            return self.default
