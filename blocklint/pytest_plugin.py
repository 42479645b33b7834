"""`pytest --blocklint`: Press spec files as test items, so a project's pytest run covers its specs.

Registered through the `pytest11` entry point, and off unless `--blocklint` is given: without
it this module adds its options and nothing else, and imports only blocklint's leaf `words`.

With it, every `*.yaml`, `*.yml`, `*.json` and `*.j2` file pytest collects (from the paths
given, or `testpaths`) is one item, `path::blocklint`, marked `blocklint` (so `-m blocklint`
runs only these). YAML and JSON that is not a Press document (CI workflows, compose files) is
skipped quietly, as `blocklint check DIR` skips it; a file named on the command line is
checked as `blocklint check FILE` checks it. An item fails when the file has an error (or any
finding, with `--blocklint-strict` or `strict = true` in the blocklint config), and its
report is the findings, one `path:line:col: RULE severity message` line each, with the code.

The blocklint configuration (`.blocklint.toml` or `[tool.blocklint]`, found from pytest's
rootdir) applies; `--blocklint-select` / `--blocklint-ignore` (or the `blocklint_select` /
`blocklint_ignore` ini options) narrow it further.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blocklint.words import SPEC_SUFFIXES



def pytest_addoption(parser):
    group = parser.getgroup("blocklint", "blocklint: Press spec files as test items")
    group.addoption("--blocklint", action="store_true", default=False,
                    help="Check Press spec files (yaml, yml, json, j2) with blocklint, one item per file.")
    group.addoption("--blocklint-select", action="append", default=[], metavar="CODES",
                    help="Only these blocklint rules (ids or prefixes, e.g. BL3).")
    group.addoption("--blocklint-ignore", action="append", default=[], metavar="CODES",
                    help="Not these blocklint rules (ids or prefixes).")
    group.addoption("--blocklint-strict", action="store_true", default=False,
                    help="Fail a spec file on warnings too.")
    parser.addini("blocklint_select", "blocklint rules to run (ids or prefixes)", type="args", default=[])
    parser.addini("blocklint_ignore", "blocklint rules not to run (ids or prefixes)", type="args", default=[])


def pytest_configure(config):
    if config.getoption("blocklint"):
        config.addinivalue_line("markers", "blocklint: a Press spec file checked by blocklint")


def pytest_collect_file(file_path, parent):
    if not parent.config.getoption("blocklint") or not file_path.name.endswith(SPEC_SUFFIXES):
        return None
    return BlocklintFile.from_parent(parent, path=file_path)


def _codes(values) -> list[str]:
    return [code.strip().upper() for value in values for code in str(value).split(",") if code.strip()]


class _Session:
    """What every file shares: the run's plans (the closest configuration per file, as `blocklint
    check` finds it), built on first use through the same `Planner` as the command line."""

    def __init__(self, config):
        from blocklint.plan import Overrides, Planner, PlanError

        select = _codes(config.getoption("blocklint_select")) or _codes(config.getini("blocklint_select"))
        ignore = [*_codes(config.getini("blocklint_ignore")), *_codes(config.getoption("blocklint_ignore"))]
        # pytest already runs the project's own code (conftest.py, the tests), so the rules-dir
        # its configuration names is loaded as the project's code too.
        overrides = Overrides(select=tuple(select), ignore=tuple(ignore), trust_rules_dir=True,
                              strict=True if config.getoption("blocklint_strict") else None)
        try:
            from blocklint.registry import with_spec_lookup

            self.planner = Planner(with_spec_lookup(overrides), start=Path(str(config.rootpath)))
        except PlanError as error:
            raise pytest.UsageError(f"blocklint: {error}") from error
        self.named = set()
        for arg in config.args:
            candidate = Path(str(config.invocation_params.dir), arg.split("::")[0])
            if candidate.is_file():
                self.named.add(candidate.resolve())

    def plan_for(self, path: str):
        from blocklint.plan import PlanError

        try:
            return self.planner.for_path(path)
        except PlanError as error:
            raise pytest.UsageError(f"blocklint: {error}") from error

    @classmethod
    def of(cls, config) -> _Session:
        session = getattr(config, "_blocklint_session", None)
        if session is None:
            session = config._blocklint_session = cls(config)
        return session


class BlocklintFile(pytest.File):
    def collect(self):
        from blocklint.runner import Target, check_target
        from blocklint.walk import is_excluded

        state = _Session.of(self.config)
        path = self.path
        shown = _display_path(path, self.config)
        target = Target(shown, path.resolve() in state.named)
        plan = state.plan_for(str(path))
        if not target.explicit and is_excluded(Path(shown), plan.exclude):
            return []  # as `blocklint check` skips what `exclude` names when walking
        result = check_target(target, plan)
        if result.skipped:
            return []
        return [BlocklintItem.from_parent(self, name="blocklint", result=result, strict=plan.strict)]


def _display_path(path: Path, config) -> str:
    """Paths as the user would type them: relative to where pytest was started, if below it."""
    try:
        return path.relative_to(Path(str(config.invocation_params.dir))).as_posix()
    except ValueError:
        return str(path)


class BlocklintError(Exception):
    """A spec file with findings; the item's report is the findings."""


class BlocklintItem(pytest.Item):
    def __init__(self, *, result, strict=False, **kwargs):
        super().__init__(**kwargs)
        self.result = result
        self.strict = strict
        # Plugins that wrap every test call may expect a Function's attributes (pytest-lsp 1.0
        # returns without yielding from its wrapper when `funcargs` is missing).
        self.funcargs = {}
        self.add_marker("blocklint")

    def runtest(self):
        from blocklint.session import failing

        findings = failing(self.result.findings, self.strict)  # the verdict `check` gives the file
        if findings:
            raise BlocklintError(findings)

    def repr_failure(self, excinfo, style=None):
        if not isinstance(excinfo.value, BlocklintError):
            return super().repr_failure(excinfo, style)
        from blocklint.report import summary, summary_parts
        from blocklint.report.concise import concise_line
        from blocklint.report.text import code_frame, source_lines

        findings = excinfo.value.args[0]
        lines = source_lines(self.result.path)
        out = []
        for finding in findings:
            out.append(concise_line(finding))
            out.extend(code_frame(lines, finding))
        out.append("".join(text for text, _ in summary_parts(summary([self.result]))))
        return "\n".join(out)

    def reportinfo(self):
        return self.path, None, f"{self.result.path} (blocklint)"
