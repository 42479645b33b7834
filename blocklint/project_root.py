"""The project a checked file belongs to: the folder whose files blocklint may read for it.

Includes, and anything else a file makes blocklint read, stay inside this folder. It is the
folder of the configuration file when there is one, else the root of the git work tree the file
is in, else the file's own folder, and never the file system's root or the home directory: a
spec checked from `/` or `$HOME` must not reach `/proc/self/environ` or `~/.netrc`.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root(path: str | os.PathLike | None, config_path: str | os.PathLike | None = None) -> Path | None:
    """The project folder of the file at `path` (None: standard input, judged from the working
    directory), whose configuration file is `config_path` (if any). None when the only candidate
    is the file system's root or the home directory: then there is no project to read from."""
    if config_path is not None:
        candidates = [Path(os.path.abspath(config_path)).parent]
    else:
        return folder_root(Path(os.path.abspath(path)).parent if path is not None else Path.cwd())
    return next((candidate for candidate in candidates if not is_system_ancestor(candidate)), None)


def folder_root(start: Path) -> Path | None:
    """The project folder of the files in the folder `start`, when no configuration names one:
    the git work tree it is in, else `start` itself (None when that is the root or home)."""
    git = git_root(start)
    candidates = [git, start] if git is not None else [start]
    return next((candidate for candidate in candidates if not is_system_ancestor(candidate)), None)


def git_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a directory, or a worktree's file)."""
    here = Path(os.path.abspath(start))
    return next((folder for folder in (here, *here.parents) if os.path.lexists(folder / ".git")), None)


def is_system_ancestor(folder: Path) -> bool:
    """Whether `folder` is the file system's root or the home directory (or a folder above it):
    too wide to be any one project's."""
    resolved = Path(os.path.realpath(folder))
    home = Path(os.path.realpath(Path.home())) if _has_home() else None
    return resolved == Path(resolved.anchor) or (home is not None and home.is_relative_to(resolved))


def _has_home() -> bool:
    try:
        Path.home()
    except (KeyError, RuntimeError):  # no HOME and no password entry
        return False
    return True
