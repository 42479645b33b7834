"""The folder blocklint creates in a user's project keeps itself out of `git status`.

`blocklint submit` creates `.blocklint/registry.sqlite3` in the project root. Like
`.ruff_cache/` (and `.pytest_cache/`, `.mypy_cache/`), the folder carries its own `.gitignore`,
written when blocklint creates the folder, so that no user has to add it to theirs. It ignores
the registry's files only, so a baseline kept beside them (as the README suggests) can be tracked. Run for real: a git repository, `blocklint submit` as a subprocess, `git status`.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
BLOCKLINT = Path(sys.executable).parent / "blocklint"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, env=env,
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def submitted(tmp_path):
    """A git repository with one spec, after `blocklint submit` to the local registry."""
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    shutil.copy(CASES / "BL101" / "good.yaml", project / "specs" / "nightly.yaml")
    git("init", "-q", cwd=project)
    env = {name: value for name, value in os.environ.items() if name != "BLOCKLINT_REGISTRY"}
    result = subprocess.run([str(BLOCKLINT), "submit", "specs/"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def test_submit_creates_the_local_registry_under_dot_blocklint(submitted):
    assert (submitted / ".blocklint" / "registry.sqlite3").is_file()


def test_dot_blocklint_keeps_the_registry_out_of_git(submitted):
    ignored = (submitted / ".blocklint" / ".gitignore").read_text().splitlines()
    assert "*" in ignored  # the folder in full, its own .gitignore included: `git status` stays clean
    untracked = git("status", "--porcelain", "--untracked-files=all", cwd=submitted).splitlines()
    assert untracked == ["?? specs/nightly.yaml"]
    # A baseline kept beside the registry (as the README suggests) stays trackable.
    (submitted / ".blocklint" / "baseline.json").write_text("{}")
    untracked = git("status", "--porcelain", "--untracked-files=all", cwd=submitted).splitlines()
    assert "?? .blocklint/baseline.json" in untracked
