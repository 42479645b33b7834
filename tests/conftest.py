import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from blocklint.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(monkeypatch):
    """Run `blocklint ARGS...` in-process; returns (exit code, stdout)."""

    def invoke(*args, cwd=None, input=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        result = CliRunner().invoke(cli, [str(arg) for arg in args], input=input, catch_exceptions=False)
        return result.exit_code, result.output

    return invoke


def case_args(case_dir: Path) -> list[str]:
    args_file = case_dir / "args"
    return shlex.split(args_file.read_text()) if args_file.exists() else []


_USER_CACHE: list = []


def pytest_configure(config):
    """The tests' user cache folder (`XDG_CACHE_HOME`), set before any test module copies the
    environment and before module-scoped servers start: the result cache's machine key and the
    rule catalogue (`blocklint.catalogue`) are written there, never in the developer's."""
    _USER_CACHE.append((os.environ.get("XDG_CACHE_HOME"), tempfile.mkdtemp(prefix="blocklint-user-cache-")))
    os.environ["XDG_CACHE_HOME"] = _USER_CACHE[0][1]


def pytest_unconfigure(config):
    before, folder = _USER_CACHE.pop()
    shutil.rmtree(folder, ignore_errors=True)
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """Tests never reach the internet (anything real runs on loopback), and no variable of the
    developer's shell changes what blocklint prints."""
    monkeypatch.setenv("NO_PROXY", "*")
    for name in ("PEAK_AUTH_TOKEN", "API_KEY", "PRESS_DEPLOYMENT_ID",
                 "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"):  # output as on a plain pipe
        monkeypatch.delenv(name, raising=False)
    # The CLI tests run in the source tree: no result caches there (tests/test_cache.py drives
    # the cache itself, and one CLI test turns it back on).
    monkeypatch.setenv("BLOCKLINT_NO_CACHE", "1")
