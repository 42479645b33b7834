"""The project a checked file belongs to: the folder whose files blocklint may read for it.

Includes, references and anything else a file makes blocklint read stay inside this folder. It
is the folder of the configuration file when there is one, else the root of the git work tree
the file is in, else the working directory when the file lies below it, else the file's own
folder, and never the file system's root or the home directory: a spec checked from `/` or
`$HOME` must not reach `/proc/self/environ` or `~/.netrc`.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root(path: str | os.PathLike | None, config_path: str | os.PathLike | None = None) -> Path | None:
    """The project folder of the file at `path` (None: standard input, judged from the working
    directory), whose configuration file is `config_path` (if any). None when the only candidate
    is the file system's root or the home directory: then there is no project to read from."""
    return folder_root(Path(os.path.abspath(path)).parent if path is not None else None, config_path)


def folder_root(folder: str | os.PathLike | None, config_path: str | os.PathLike | None = None) -> Path | None:
    """The project folder of the files in `folder` (default: the working directory): the
    configuration's folder, else the git work tree's top, else the working directory when it
    holds `folder` (the folder checked: an unpacked archive of a project has no `.git`), else
    `folder` itself; never the file system's root or the home directory."""
    if config_path is not None:
        candidates = [Path(os.path.abspath(config_path)).parent]
    else:
        here = Path.cwd()
        start = Path(os.path.abspath(folder)) if folder is not None else here
        git = git_root(start)
        candidates = [git] if git is not None else []
        if start.is_relative_to(here):
            candidates.append(here)
        candidates.append(start)
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
