"""The plain form `blocklint check [PATH ...]` runs without click (`blocklint.entry` hands it to
`blocklint.check_run`, the run `blocklint.cli.check` runs): the same output, exit status and cache
as the command line's way (`blocklint.cli.main`, through click), on clean files, findings,
hostile values, usage errors; every other form still goes through click."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from blocklint import check_run, entry
from blocklint import cli as command_line
from blocklint.cache_store import STAT
from blocklint.cli import check
from blocklint.report import echo_line
from test_entry_exit import CLEAN  # a clean workflow spec

CASES = Path(__file__).parent / "cases"
# A key and a value holding terminal escape sequences (YAML's `\e` is ESC), quoted in a message.
HOSTILE = CLEAN.replace("steps:\n", 'steps:\n      "x\\e[31mred\\e[2J": {type: standard, command: "\\e]0;t\\a"}\n') \
    .replace("config:\n", 'config:\n    "tri\\e[1mggers": []\n')
# Run a door in a new process; at exit (after the check's `atexit` functions) record whether
# click was imported.
RUN = ("import atexit, sys\nmarker = sys.argv.pop(1)\n"
       "atexit.register(lambda: open(marker, 'w').write(str('click' in sys.modules)))\n"
       "sys.argv = ['blocklint', *sys.argv[1:]]\nfrom blocklint.{module} import main\nmain()\n")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Clean files, fixable findings, hostile values and a hostile file name, and a folder with a
    broken configuration; the caches on (the test suite turns them off)."""
    monkeypatch.delenv("BLOCKLINT_NO_CACHE", raising=False)
    (tmp_path / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "findings.yaml").write_text((CASES / "BL101" / "bad.yaml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    (tmp_path / "hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "name\x1b[31m.yaml").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / ".blocklint.toml").write_text("selekt = ['BL1']\n", encoding="utf-8")
    (tmp_path / "broken" / "spec.yaml").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def _run(module: str, arguments: list[str], cwd: Path, stdin: str = "") -> tuple:
    """(status, stdout, stderr, whether click was imported) of `blocklint ARGUMENTS` run by `module`."""
    marker = cwd.parent / f"{cwd.name}-imported-click"
    done = subprocess.run([sys.executable, "-c", RUN.replace("{module}", module), str(marker), *arguments],
                          cwd=cwd, input=stdin.encode(), capture_output=True, timeout=60)
    return done.returncode, done.stdout, done.stderr, marker.read_text() == "True"


def _caches(directory: Path) -> dict:
    """Every cache file under `directory`, JSON packs read with the files' stats left out (taken
    only once a file has settled for some seconds: when depends on the clock)."""
    caches = {}
    for path in sorted(directory.rglob(".blocklint_cache/*")):
        data = path.read_bytes()
        if path.suffix == ".json":
            data = json.loads(data)
            for entry_ in data["entries"].values():
                entry_[STAT] = None
        caches[str(path.relative_to(directory))] = data
    return caches


def _both_doors(arguments: list[str], cwd: Path, stdin: str = "") -> tuple:
    """Each door from no cache, then each again from the cache the other wrote: the four outcomes
    and the caches, as (console script, command line) pairs."""
    cold, caches, warm = [], [], []
    for module in ("entry", "cli"):
        for cache in cwd.rglob(".blocklint_cache"):
            shutil.rmtree(cache)
        cold.append(_run(module, arguments, cwd, stdin))
        caches.append(_caches(cwd))
        warm.append(_run("cli" if module == "entry" else "entry", arguments, cwd, stdin))
    return cold, caches, warm


@pytest.mark.parametrize(("arguments", "status"), [
    (["check", "clean.yaml"], 0),
    (["check", "findings.yaml", "clean.yaml"], 1),
    (["check", "."], 1),
    (["check"], 1),
    (["check", "missing.yaml"], 2),
    (["check", "broken/spec.yaml"], 1),  # a broken configuration is a finding on it
])
def test_the_plain_form_runs_without_click_as_the_command_line_runs_it(project, arguments, status):
    cold, caches, warm = _both_doors(arguments, project)
    assert cold[0][:3] == cold[1][:3] == warm[0][:3] == warm[1][:3]
    assert cold[0][0] == status, cold[0]
    assert caches[0] == caches[1]
    assert (cold[0][3], cold[1][3], warm[0][3], warm[1][3]) == (False, True, True, False)  # who imported click
    if arguments[1:] in ([], ["."]):
        output = cold[0][1].decode()
        assert "[*] unknown key 'parent'" in output and "fixable with --fix" in output
        assert "\x1b" not in output and "\\x1b[31m" in output and "name\\x1b[31m.yaml" in output
        assert caches[0]  # the run did write its cache


@pytest.mark.parametrize(("arguments", "stdin"), [
    (["check", "-"], CLEAN),
    (["check", "--help"], ""),
    (["check", "--no-cache", "findings.yaml"], ""),
    (["check", "--color", "never", "."], ""),
    (["check", "clean.yaml", "--quiet"], ""),
])
def test_every_other_form_goes_through_click_unchanged(project, arguments, stdin):
    outcomes = [_run(module, arguments, project, stdin) for module in ("entry", "cli")]
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][3] is True


def test_an_option_read_from_the_environment_sends_the_plain_form_to_click(project, monkeypatch):
    monkeypatch.setenv("BLOCKLINT_NO_CACHE", "1")
    outcomes = [_run(module, ["check", "findings.yaml"], project) for module in ("entry", "cli")]
    assert outcomes[0] == outcomes[1] and outcomes[0][3] is True
    assert not list(project.rglob(".blocklint_cache"))


def test_a_closed_stdout_ends_as_click_ends_it(project):
    """Writing to a pipe nobody reads: exit 1 and nothing on stderr, as click's `main` ends it."""
    outcomes = []
    for module in ("entry", "cli"):
        read, write = os.pipe()
        os.close(read)
        with os.fdopen(write, "wb") as stdout:
            done = subprocess.run([sys.executable, "-c", RUN.replace("{module}", module), os.devnull, "check",
                                   "findings.yaml"], cwd=project, stdout=stdout, stderr=subprocess.PIPE, timeout=60)
        outcomes.append((done.returncode, done.stderr))
    assert outcomes[0] == outcomes[1] == (1, b"")


@pytest.mark.parametrize("raised", [KeyboardInterrupt(), RuntimeError("a \x1b[2J bug")])
def test_an_interrupt_or_an_internal_error_ends_as_through_click(monkeypatch, capsys, raised):
    def run_check(*_arguments):
        raise raised

    monkeypatch.setattr(check_run, "run_check", run_check)
    monkeypatch.setattr(sys, "argv", ["blocklint", "check", "spec.yaml"])
    monkeypatch.delenv("BLOCKLINT_DEBUG", raising=False)
    outcomes = []
    for door in (lambda: entry._plain_check(("spec.yaml",)), command_line.main):
        with pytest.raises(SystemExit) as stop:
            door()
        outcomes.append((stop.value.code, capsys.readouterr()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] in (1, 2) and ("Aborted!" in outcomes[0][1].err or "internal error" in outcomes[0][1].err)


def test_the_plain_form_hands_the_run_what_click_hands_it(monkeypatch):
    """One source for the defaults: an option added to `check` with a default of its own must be
    added to `CHECK_DEFAULTS` too, or the plain form would run with another value."""
    for name in (*check_run.OPTION_ENVIRONMENT, check_run.COMPLETION_ENVIRONMENT):
        monkeypatch.delenv(name, raising=False)
    context = check.make_context("check", ["a.yaml", "specs"])
    assert context.params == {"paths": ("a.yaml", "specs"), **check_run.CHECK_DEFAULTS}
    assert list(context.params) == ["paths", *check_run.CHECK_DEFAULTS]
    read_from_environment = {name for param in check.params for name in
                             ([param.envvar] if isinstance(param.envvar, str) else param.envvar or [])}
    assert read_from_environment == set(check_run.OPTION_ENVIRONMENT)


def test_only_the_plain_form_is_taken(tmp_path, monkeypatch):
    for name in (*check_run.OPTION_ENVIRONMENT, check_run.COMPLETION_ENVIRONMENT):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(CLEAN)
    assert check_run.plain_paths(["a.yaml", "missing.yaml", "."]) == ("a.yaml", "missing.yaml", ".")
    assert check_run.plain_paths([]) == ()
    for arguments in (["-"], ["a.yaml", "--quiet"], ["-q", "a.yaml"], ["--", "a.yaml"]):
        assert check_run.plain_paths(arguments) is None
    monkeypatch.setattr(os, "access", lambda path, mode: path != "a.yaml")  # as for a file without read permission
    assert check_run.plain_paths(["a.yaml"]) is None  # click says it is not readable
    assert check_run.plain_paths(["missing.yaml"]) == ("missing.yaml",)
    monkeypatch.setenv(check_run.COMPLETION_ENVIRONMENT, "bash_complete")
    assert check_run.plain_paths(["missing.yaml"]) is None
    monkeypatch.delenv(check_run.COMPLETION_ENVIRONMENT)
    monkeypatch.setattr(os, "name", "nt")  # click expands `*.yaml` there
    assert check_run.plain_paths(["missing.yaml"]) is None


@pytest.mark.parametrize("text", ["plain", "a \x1b[31mred\x1b[0m word", "é ∂ \\x1b", ""])
@pytest.mark.parametrize("color", [False, True])
def test_echo_line_writes_what_click_echo_writes(text, color):
    written = [io.StringIO(), io.StringIO()]
    echo_line(text, written[0], color=color)
    click.echo(text, file=written[1], color=color)
    assert written[0].getvalue() == written[1].getvalue()
