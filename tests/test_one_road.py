"""One road from a file to a finding: `blocklint check`, `pytest --blocklint` and
`blocklint submit --dry-run` build their run from the same plan, so on the same files with the
same `[tool.blocklint]` configuration they report the same findings and reach the same verdict.

One case per configuration point (select, ignore, severity, per-file-ignores, exclude,
baseline, options, rules-dir), each in a real temporary project run through the three real
front doors in subprocesses. Every case also names the findings its configuration must give,
so a front door that ignored the configuration would fail the case even if the others did too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest

FINDING = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<column>\d+): (?P<rule>[A-Z]+\d+) "
                     r"(?P<severity>error|warning|info) ")
FAILED_ITEM = re.compile(r"^FAILED (?P<path>\S+)::blocklint\b")


def spec(name="good-name", cron="0 * * * *", parents="[first]") -> str:
    """A block spec that passes every built-in rule unless told otherwise."""
    step = ("        type: standard\n        imageDetails: {{id: 100, versionId: 1}}\n        command: python main.py\n"
            "        resources: {{instanceTypeId: 21, storage: 10GB}}\n")
    return (f"body:\n  version: 1\n  kind: workflow\n"
            f"  metadata:\n    name: {name}\n    title: A block\n    summary: a block\n"
            f'  release:\n    version: "1.0.0"\n'
            f'  config:\n    triggers:\n      - cron: "{cron}"\n'
            f"    steps:\n      first:\n{step.format()}      second:\n{step.format()}        parents: {parents}\n")


TEAM_RULE = textwrap.dedent('''\
    from blocklint.engine import rule

    @rule("TEAM001", "step-not-run-as-module", severity="error")
    def step_not_run_as_module(step, step_name):
        """Every step runs its code as a module (`python -m`)."""
        if not str(step.get("command", "")).startswith("python -m "):
            yield ("command",), f"step '{step_name}' runs a script; run a module with `python -m`"
    ''')


@dataclass
class Case:
    config: str  # the body of [tool.blocklint]
    files: dict  # relative path -> text
    fails: bool  # the verdict the configuration must give
    findings: set  # (path, rule) the configuration must give, no more
    before_config: dict = field(default_factory=dict)  # files the baseline is written from


CASES = {
    "select": Case('select = ["BL3"]', {"spec.yaml": spec(name="Bad_Name", parents="[missing]")},
                   fails=True, findings={("spec.yaml", "BL301")}),
    "ignore": Case('ignore = ["BL30"]', {"spec.yaml": spec(name="Bad_Name", parents="[missing]")},
                   fails=False, findings={("spec.yaml", "BL611")}),
    "severity": Case('severity = {BL611 = "error"}', {"spec.yaml": spec(name="Bad_Name")},
                     fails=True, findings={("spec.yaml", "BL611")}),
    "per-file-ignores": Case('per-file-ignores = {"legacy/*" = ["BL301"]}',
                             {"legacy/old.yaml": spec(parents="[missing]"),
                              "new/spec.yaml": spec(name="new-name", parents="[missing]")},
                             fails=True, findings={("new/spec.yaml", "BL301")}),
    "exclude": Case('exclude = ["drafts"]',
                    {"drafts/broken.yaml": spec(parents="[missing]"), "spec.yaml": spec(name="Bad_Name")},
                    fails=False, findings={("spec.yaml", "BL611")}),
    "baseline": Case('baseline = "baseline.json"', {"new.yaml": spec(name="new-name", parents="[missing]")},
                     fails=True, findings={("new.yaml", "BL301")},
                     before_config={"old.yaml": spec(parents="[missing]")}),
    "options": Case('options = {BL204 = {min-interval = 90}}\nseverity = {BL204 = "error"}',
                    {"spec.yaml": spec(cron="0 * * * *")}, fails=True, findings={("spec.yaml", "BL204")}),
    "rules-dir": Case('rules-dir = ["team_rules"]', {"spec.yaml": spec(), "team_rules/team.py": TEAM_RULE},
                      fails=True, findings={("spec.yaml", "TEAM001")}),
    # `body: {name: ...}` alone would pass as a parameter patch: claimed, by a glob or by the file's
    # header, it is a deployment, which misses its `metadata` and `spec`.
    "kinds": Case('kinds = {"deploy/*.yaml" = "block-deployment"}',
                  {"deploy/nightly.yaml": "body:\n  name: nightly\n",
                   "header.yaml": "# blocklint: kind=block-deployment\nbody:\n  name: nightly\n",
                   "patch.yaml": "body:\n  name: nightly\n"},
                  fails=True, findings={("deploy/nightly.yaml", "BL101"), ("deploy/nightly.yaml", "BL102"),
                                        ("header.yaml", "BL101"), ("header.yaml", "BL102")}),
}


def _run(args, project: Path) -> tuple[int, str]:
    # The project's own rules-dir is trusted here (as a developer trusts their own checkout).
    env = {**os.environ, "NO_PROXY": "*", "BLOCKLINT_REGISTRY": str(project.parent / "no-registry" / "r.sqlite3"),
           "BLOCKLINT_TRUST_RULES_DIR": "1"}
    for name in ("PEAK_AUTH_TOKEN", "API_KEY"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout


def _write(project: Path, files: dict):
    for relative, text in files.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)


def _findings(output: str) -> set:
    """(path, line, column, rule, severity) of each `path:line:col: RULE severity message` line."""
    found = set()
    for line in output.splitlines():
        match = FINDING.match(line)
        if match:
            found.add((PurePosixPath(match["path"]).as_posix(), int(match["line"]), int(match["column"]),
                       match["rule"], match["severity"]))
    return found


@dataclass
class Outcome:
    check: tuple  # (exit code, stdout)
    submit: tuple
    pytest: tuple


_outcomes: dict = {}


@pytest.fixture
def outcome(request, tmp_path_factory) -> Outcome:
    """The three front doors run once per configuration point, shared by the tests below."""
    point = request.param
    if point not in _outcomes:
        _outcomes[point] = _run_front_doors(CASES[point], tmp_path_factory.mktemp(point) / "project")
    return _outcomes[point]


def _run_front_doors(case: Case, project: Path) -> Outcome:
    project.mkdir()
    pyproject = "[project]\nname = 'p'\nversion = '0'\n\n[tool.blocklint]\n"
    (project / "pyproject.toml").write_text(pyproject)
    if case.before_config:
        _write(project, case.before_config)
        code, output = _run(["-m", "blocklint", "check", "--write-baseline", "baseline.json", "."], project)
        assert code == 0 and (project / "baseline.json").is_file(), output
    (project / "pyproject.toml").write_text(pyproject + case.config + "\n")
    _write(project, case.files)
    return Outcome(check=_run(["-m", "blocklint", "check", "."], project),
                   submit=_run(["-m", "blocklint", "submit", "--dry-run", "."], project),
                   pytest=_run(["-m", "pytest", "--blocklint", "-p", "no:cacheprovider", "-q", "-rf", "."], project))


POINTS = list(CASES)


@pytest.mark.parametrize("outcome", POINTS, indirect=True)
def test_check_and_submit_give_the_same_findings_and_verdict(outcome, request):
    case = CASES[request.node.callspec.params["outcome"]]
    (check_code, check_output), (submit_code, submit_output) = outcome.check, outcome.submit
    checked = _findings(check_output)
    assert {(path, rule) for path, _, _, rule, _ in checked} == case.findings, check_output
    assert check_code == (1 if case.fails else 0), check_output
    assert _findings(submit_output) == checked, submit_output
    assert submit_code == check_code, submit_output
    assert ("dry run: " in submit_output) is not case.fails, submit_output  # a pass goes on to the target


@pytest.mark.parametrize("outcome", POINTS, indirect=True)
def test_pytest_gives_the_same_findings_and_verdict_as_check(outcome):
    (check_code, check_output), (pytest_code, pytest_output) = outcome.check, outcome.pytest
    checked = _findings(check_output)
    # pytest shows the findings of the files that fail (those with an error), and only those.
    failing = {path for path, _, _, _, severity in checked if severity == "error"}
    failed_items = {match["path"] for line in pytest_output.splitlines() if (match := FAILED_ITEM.match(line))}
    assert failed_items == failing, pytest_output
    assert _findings(pytest_output) == {finding for finding in checked if finding[0] in failing}, pytest_output
    assert pytest_code == check_code, pytest_output
