"""A run's session: results through the fixer and every reporter, the verdict from each file's
own strictness, the exit code; `pytest --blocklint` gives a file the same verdict."""

import io
import shutil
from pathlib import Path

import pytest

from blocklint.commandline import EXIT_FINDINGS, EXIT_OK
from blocklint.plan import Overrides, Planner
from blocklint.runner import Target, check_target
from blocklint.session import Fixer, Session, failing

CASES = Path(__file__).parent / "cases"


class Recorder:
    """A reporter that keeps what it is given."""

    def __init__(self):
        self.calls = []
        self.fixable = set()

    def start(self):
        self.calls.append("start")

    def file(self, result):
        self.calls.append(result.path)

    def finish(self):
        self.calls.append("finish")


@pytest.fixture
def warned(tmp_path):
    """A file with warnings only (BL010: a null value the CLI drops, with a safe fix)."""
    path = tmp_path / "spec.yaml"
    shutil.copy(CASES / "BL010" / "bad.yaml", path)
    return path


@pytest.mark.parametrize(("strict", "code"), [(False, EXIT_OK), (True, EXIT_FINDINGS)])
def test_warnings_fail_a_run_only_when_its_plan_is_strict(warned, strict, code):
    planner = Planner(Overrides(isolated=True, strict=strict, select=("BL010",)), start=warned.parent)
    first, second = Recorder(), Recorder()
    streams = [io.StringIO(), io.StringIO()]
    session = Session(planner, [(first, streams[0]), (second, streams[1])], Fixer(False, False, False, mark=True))
    result = session.add(check_target(Target(str(warned), True), planner.for_path(str(warned))))
    session.finish()
    assert {f.severity for f in result.findings} == {"warning"} and all(s.closed for s in streams)
    assert first.calls == second.calls == ["start", str(warned), "finish"]  # one fan-out to every reporter
    assert {f.rule for f in first.fixable} == {"BL010"}  # marked fixable from the findings' own fixes
    assert session.exit_code() == code and session.exit_code(exit_zero=True) == EXIT_OK
    assert bool(failing(result.findings, strict)) is strict  # what pytest --blocklint decides
