import shlex
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


@pytest.fixture(scope="session")
def user_cache_folder(tmp_path_factory) -> Path:
    """The tests' user cache folder (`XDG_CACHE_HOME`): the result cache's machine key and the
    rule catalogue (`blocklint.catalogue`) are written here, never in the developer's."""
    return tmp_path_factory.mktemp("user-cache")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, user_cache_folder):
    """Tests never reach the internet (anything real runs on loopback), no variable of the
    developer's shell changes what blocklint prints, and nothing is written to their cache folder."""
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache_folder))
    for name in ("PEAK_AUTH_TOKEN", "API_KEY", "PRESS_DEPLOYMENT_ID",
                 "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"):  # output as on a plain pipe
        monkeypatch.delenv(name, raising=False)
    # The CLI tests run in the source tree: no result caches there (tests/test_cache.py drives
    # the cache itself, and one CLI test turns it back on).
    monkeypatch.setenv("BLOCKLINT_NO_CACHE", "1")
