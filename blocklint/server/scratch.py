"""Scratch space left behind by a killed server, removed when the next one starts.

Artifacts are unpacked into `blocklint-artifact-<pid>-*` directories (and documents were written
to `blocklint-check-*` by older versions) in the temporary directory. A directory whose process
no longer runs is removed; one without a process id in its name is removed once it is older
than `UNOWNED_AFTER_SECONDS` (no check holds its scratch that long).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

PREFIXES = ("blocklint-artifact-", "blocklint-check-")
OWNED = re.compile(r"^blocklint-(?:artifact|check)-(\d+)-")
UNOWNED_AFTER_SECONDS = 15 * 60


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def remove_stale(directory: str | os.PathLike | None = None) -> list[Path]:
    """Remove stale scratch directories in `directory` (default: the temporary directory); the removed."""
    root = Path(directory or tempfile.gettempdir())
    removed = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(PREFIXES):
            continue
        try:
            if not entry.is_dir() or entry.is_symlink() or entry.stat().st_uid != os.getuid():
                continue
            owner = OWNED.match(entry.name)
            stale = (not _running(int(owner[1])) if owner
                     else time.time() - entry.stat().st_mtime > UNOWNED_AFTER_SECONDS)
        except (OSError, ValueError):
            continue
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed
