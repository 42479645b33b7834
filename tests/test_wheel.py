"""A wheel built from any checkout holds every built-in rule module.

Git for Windows checks symbolic links out as small text files (`core.symlinks=false`). When the
rules lived in a top-level `rules/` reached through a `blocklint/rules` link, such a checkout
built a wheel without a single rule module, and it installed without error. This test commits the
project as it is now (uncommitted changes included) to a scratch repository, clones it with
`core.symlinks=false`, builds a wheel from the clone with pip, and compares the wheel's
`blocklint/rules/` with the source tree's.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Taken before conftest's autouse fixture changes the environment: pip's build isolation installs
# the build backend from the configured package index.
ENVIRONMENT = dict(os.environ)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]


def git(*args, cwd: Path) -> str:
    env = {**ENVIRONMENT, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(cwd)}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def commit_project(destination: Path) -> None:
    """The project's files as they are now (tracked and new, not ignored), links kept as links."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_symlink() or source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name, follow_symlinks=False)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "blocklint", cwd=destination)


def test_a_checkout_without_symbolic_links_builds_a_wheel_with_every_rule(tmp_path):
    source, clone, wheels = tmp_path / "source", tmp_path / "clone", tmp_path / "wheels"
    source.mkdir()
    commit_project(source)
    git("clone", "-q", "-c", "core.symlinks=false", str(source), str(clone), cwd=tmp_path)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels),
                            str(clone)], env=ENVIRONMENT, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name.removeprefix("blocklint/rules/") for name in archive.namelist()
                   if name.startswith("blocklint/rules/") and name.endswith(".py")}
    expected = {path.name for path in (ROOT / "blocklint" / "rules").glob("*.py")}
    assert len(expected) > 10
    assert shipped == expected
