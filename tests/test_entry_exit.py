"""A finished `blocklint check` leaves through `os._exit` (`blocklint.entry._end_check`), skipping
the interpreter's tear-down: the same output, files and exit status as the command line's usual
way out (`blocklint.cli.main`), and the `atexit` functions still run."""

import subprocess
import sys
import textwrap

import pytest

CLEAN = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: orders, summary: Loads orders.}
      release: {version: "1.0.0"}
      config:
        steps:
          load: {type: standard, command: python load.py, imageDetails: {id: 1}}
    """)
BROKEN = CLEAN.replace("steps:\n", "steps:\n      extract: {type: standard, parents: [nowhere]}\n")
RUN = "import sys\nsys.argv = ['blocklint', *sys.argv[1:]]\nfrom blocklint.{module} import main\nmain()\n"


def _run(module, arguments, cwd):
    done = subprocess.run([sys.executable, "-c", RUN.replace("{module}", module), *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(("arguments", "status"), [
    (["check", "--no-cache", "clean.yaml"], 0),
    (["check", "--no-cache", "broken.yaml", "clean.yaml"], 1),
    (["check", "--no-cache", "--format", "json", "--output", "out.json", "--format", "text", "broken.yaml"], 1),
    (["check", "missing.yaml"], 2),
    (["check", "--no-such-option"], 2),
])
def test_the_console_script_ends_a_check_as_the_command_line_does(tmp_path, arguments, status):
    (tmp_path / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    outcomes = []
    for module in ("entry", "cli"):
        outcome = _run(module, arguments, tmp_path)
        written = tmp_path / "out.json"
        outcomes.append((outcome, written.read_text() if written.exists() else None))
        written.unlink(missing_ok=True)
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][0] == status, outcomes[0]


@pytest.mark.parametrize(("module", "torn_down"), [("entry", False), ("cli", True)])
def test_atexit_functions_run_and_the_tear_down_is_skipped(tmp_path, module, torn_down):
    (tmp_path / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    code = ("import atexit, sys\natexit.register(print, 'atexit ran', file=sys.stderr)\n"
            "class Left:\n    def __del__(self):\n        print('torn down', file=sys.stderr)\n"
            "left = Left()\n" + RUN.replace("{module}", module))
    done = subprocess.run([sys.executable, "-c", code, "check", "--no-cache", "clean.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "0 errors" in done.stdout and "atexit ran" in done.stderr
    assert ("torn down" in done.stderr) is torn_down
