"""Which files to check: the files named, and the spec files found by walking the directories
named, in a stable order, as they are found; what a walk skips (virtualenvs, caches, `exclude`
globs, what `.gitignore` and `.ignore` files ignore)."""

from __future__ import annotations

import os
from collections import namedtuple
from pathlib import Path

from blocklint.globs import Globs
from blocklint.words import SPEC_SUFFIXES

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
                          "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".blocklint",
                          ".blocklint_cache", "site-packages", ".eggs"})
STDIN = "-"
IGNORE_FILES = (".gitignore", ".ignore")


class UnreadablePath(Exception):
    """A path named on the command line that does not exist or cannot be read."""


class Target(namedtuple("Target", ["path", "explicit"])):  # not a frozen dataclass: ~1 ms less at every start
    """A file to check, `explicit` when named on the command line (not found by walking a directory)."""

    __slots__ = ()


def discover(paths, plan) -> list[Target]:
    """The targets of `iter_targets`, as a list."""
    return list(iter_targets(paths, plan))


def iter_targets(paths, plan):
    """Files named, and the spec files found below the directories named, in a stable order, as
    they are found (a walk of a huge tree holds one folder's names at a time).

    Directories are walked for spec files, skipping virtualenvs, caches, `exclude` globs and (unless
    `respect-gitignore = false`) what `.gitignore` and `.ignore` files ignore. With `skip_unknown`,
    files named are treated as if found by walking: those that are not Press documents are skipped
    quietly (for pre-commit, which names every staged YAML file). A path that does not exist raises
    `UnreadablePath` here, before anything is checked."""
    for name in paths:
        if name != STDIN and not (os.path.exists(name) or os.path.islink(name)):
            raise UnreadablePath(f"{name}: no such file or directory")
    return _targets(paths, plan)


def _targets(paths, plan):
    for name in paths:
        if name == STDIN:
            yield Target(STDIN, True)
            continue
        path = Path(name)
        if path.is_dir():
            ignored = _IgnoreFiles(path) if plan.respect_gitignore else None
            yield from (Target(found, False) for found in _walk(path, plan.exclude, ignored))
        elif not (plan.skip_unknown and is_excluded(path, plan.exclude)):
            yield Target(str(path), not plan.skip_unknown)


def is_excluded(path: Path, exclude) -> bool:
    """Whether `path` matches an `exclude` glob (`Globs`, compiled once per run, or patterns): the
    whole path, its name, or a folder on its way."""
    globs = exclude if isinstance(exclude, Globs) else Globs(exclude)
    return globs.matches(str(path), path.name, *path.parts[:-1])


def _walk(root: Path, exclude, ignored):
    """The spec files below `root`, as strings, one folder at a time."""
    for directory, subdirs, files in os.walk(root):
        here = Path(directory)
        if ignored is not None:
            ignored.enter(here)
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS
                            and not (here / d / "pyvenv.cfg").exists()
                            and not is_excluded(here / d, exclude)
                            and not (ignored and ignored.ignores(here / d, directory=True)))
        prefix = str(here)  # as `here / file` would name the file, without a Path per file
        ignores = ignored.files_of(directory) if ignored is not None and ignored.active else None
        for file in sorted(files):
            if not file.endswith(SPEC_SUFFIXES):
                continue
            if (exclude and is_excluded(here / file, exclude)) or (ignores is not None and ignores(file)):
                continue
            yield file if prefix == "." else os.path.join(prefix, file)


class _IgnoreFiles:
    """`.gitignore` (inside a git work tree) and `.ignore` files, as git reads them: patterns
    relative to the file's directory, deeper files first, `!` re-including."""

    def __init__(self, root: Path):
        self._specs: list[tuple[Path, object]] = []  # (directory, spec), outermost first
        self._seen: set = set()
        top = root.resolve()
        self._git = next((d for d in (top, *top.parents) if (d / ".git").exists()), None)
        chain = [d for d in (top, *top.parents) if self._git is None or d == self._git or self._git in d.parents]
        for directory in reversed(chain[1:] if self._git is None else chain):
            self.enter(directory, resolved=True)
        if self._git is not None:
            self._add(self._git, self._git / ".git" / "info" / "exclude")

    def enter(self, directory: Path, *, resolved: bool = False):
        key = directory if resolved else directory.resolve()
        if key in self._seen:
            return
        self._seen.add(key)
        for name in IGNORE_FILES:
            if name == ".gitignore" and self._git is None:
                continue
            self._add(key, key / name)

    def _add(self, directory: Path, ignore_file: Path):
        if not ignore_file.is_file():
            return
        from blocklint.load import read_bounded

        try:
            lines = read_bounded(ignore_file, 1 << 20, what="ignore file").decode("utf-8", "replace").splitlines()
        except OSError:  # not a regular file, or too large: walk as if it were not there
            return
        if all(not line.strip() or line.startswith("#") for line in lines):
            return  # no pattern (git's own info/exclude): no pathspec to import, nothing to ask per file
        import pathspec

        self._specs.append((directory, pathspec.GitIgnoreSpec.from_lines(lines)))

    @property
    def active(self) -> bool:
        """Whether any ignore file was found so far (else nothing is ignored)."""
        return bool(self._specs)

    def files_of(self, folder: str):
        """`ignores` for one folder's files, by name: where the folder lies under each ignore file
        is worked out once, with no `Path` per file (~0.1 ms a file in a git work tree)."""
        folder = os.path.abspath(folder)
        under = []  # (the folder's path relative to the ignore file's, with a final "/"; its spec)
        for base, spec in reversed(self._specs):
            top = os.path.join(str(base), "")
            if folder == str(base) or folder.startswith(top):
                under.append((os.path.join(folder[len(top):], "") if folder != str(base) else "", spec))

        def ignores(name: str) -> bool:
            path = os.path.join(folder, name)
            if os.path.islink(path):  # judged by where it leads, as `ignores` judges a link
                return self.ignores(Path(path))
            for relative, spec in under:
                verdict = spec.check_file(relative + name).include
                if verdict is not None:
                    return verdict
            return False

        return ignores

    def ignores(self, path: Path, *, directory: bool = False) -> bool:
        if not self._specs:
            return False
        absolute = path.resolve() if path.is_symlink() else Path(os.path.abspath(path))
        for base, spec in reversed(self._specs):
            try:
                relative = absolute.relative_to(base).as_posix()
            except ValueError:
                continue
            verdict = spec.check_file(relative + ("/" if directory else "")).include
            if verdict is not None:
                return verdict
        return False
