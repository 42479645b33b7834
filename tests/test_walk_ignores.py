"""A directory walk skips what git ignores (`.gitignore` files at every level, `!` re-including,
`.git/info/exclude`), with each folder's place under each ignore file worked out once per folder.
Git itself is the oracle: the files a walk finds are the untracked files git does not ignore."""

import os
import shutil
import subprocess
import sys

import pytest

from blocklint import walk
from blocklint.plan import Overrides, Planner

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FILES = ["a.yaml", "build/b.yaml", "x.gen.yaml", "keep.gen.yaml", "scratch.yaml", "sub/scratch.yaml",
         "sub/local.yaml", "sub/anchored.yaml", "sub/deeper/anchored.yaml", "sub/deeper/local.yaml",
         "sub/ok.yaml", "sub/deeper/ok.yml", "other/c.yaml", "other/build/d.yaml"]
IGNORES = {".gitignore": "build/\n*.gen.yaml\n!keep.gen.yaml\n", "sub/.gitignore": "local.yaml\n/anchored.yaml\n",
           "sub/deeper/.gitignore": "# only a comment\n\n", ".git/info/exclude": "# git's comment\nscratch.yaml\n"}


def _git(*args, cwd):
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def tree(tmp_path, monkeypatch):
    _git("init", "-q", cwd=tmp_path)
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    for name, text in IGNORES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _walked(*paths) -> list[str]:
    return [target.path for target in walk.discover(list(paths), Planner(Overrides(isolated=True)).default)]


def _not_ignored_by_git(tree, folder=".") -> list[str]:
    listed = _git("ls-files", "--others", "--exclude-standard", folder, cwd=tree).splitlines()
    return sorted(name for name in listed if name.endswith((".yaml", ".yml")))


@pytest.mark.parametrize("folder", [".", "sub", "sub/deeper", "other"])
def test_a_walk_finds_the_files_git_does_not_ignore(tree, folder):
    assert sorted(_walked(folder)) == _not_ignored_by_git(tree, folder)
    assert "keep.gen.yaml" in _walked(".") and "sub/deeper/anchored.yaml" in _walked(".")


def test_a_walk_from_inside_a_subfolder_applies_the_ignore_files_above_it(tree, monkeypatch):
    monkeypatch.chdir(tree / "sub")
    assert sorted(_walked(".")) == sorted(os.path.relpath(name, "sub") for name in _not_ignored_by_git(tree, "sub"))


def test_a_linked_file_is_judged_by_where_it_leads(tree):
    """A link to an ignored file is skipped, one to a kept file kept, wherever the link sits."""
    (tree / "to-build.yaml").symlink_to(tree / "build" / "b.yaml")
    (tree / "sub" / "to-a.yaml").symlink_to(tree / "a.yaml")
    walked = _walked(".")
    assert "to-build.yaml" not in walked and "sub/to-a.yaml" in walked


def test_ignore_files_of_comments_only_load_no_pattern_matcher(tree):
    """A git work tree without a `.gitignore` (git's own info/exclude holds only comments) is
    walked without importing pathspec (~10 ms at every start)."""
    for name in (".gitignore", "sub/.gitignore", ".git/info/exclude"):
        (tree / name).write_text("# a comment\n\n")
    script = ("import sys; from blocklint import walk; from blocklint.plan import Overrides, Planner; "
              "found = walk.discover(['.'], Planner(Overrides(isolated=True)).default); "
              "print(len(found), 'pathspec' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", script], cwd=tree, capture_output=True, text=True, check=True)
    assert shown.stdout.split() == [str(len(FILES)), "False"]
