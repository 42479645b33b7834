"""Which files to check, and checking them: load each, run the engine, collect results."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from blocklint.engine import Engine
from blocklint.findings import ERROR, Finding
from blocklint.load import FILE_START, Document, LoadSettings, Problem, load_bytes, load_path

SPEC_SUFFIXES = (".yaml", ".yml", ".json", ".j2")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
                          "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".blocklint",
                          "site-packages", ".eggs"})
STDIN = "-"


class UnreadablePath(Exception):
    """A path named on the command line that does not exist or cannot be read."""


@dataclass(frozen=True)
class Target:
    path: str
    explicit: bool  # named on the command line (not found by walking a directory)


@dataclass
class FileResult:
    path: str
    kind: str | None = None
    findings: list = field(default_factory=list)
    skipped: bool = False

    @property
    def failed(self) -> bool:
        return any(finding.severity == ERROR for finding in self.findings)


def discover(paths, *, exclude=(), skip_unknown=False) -> list[Target]:
    """Files named, and the spec files found below the directories named, in a stable order.

    With `skip_unknown`, files named are treated as if found by walking: those that are not
    Press documents are skipped quietly (for pre-commit, which names every staged YAML file).
    """
    targets: list[Target] = []
    for name in paths:
        if name == STDIN:
            targets.append(Target(STDIN, True))
            continue
        path = Path(name)
        if path.is_dir():
            targets.extend(Target(str(found), False) for found in _walk(path, exclude))
        elif path.exists():
            if not (skip_unknown and _excluded(path, exclude)):
                targets.append(Target(str(path), not skip_unknown))
        else:
            raise UnreadablePath(f"{name}: no such file or directory")
    return targets


def _excluded(path: Path, exclude) -> bool:
    import fnmatch

    return any(fnmatch.fnmatch(str(path), pattern) or fnmatch.fnmatch(path.name, pattern)
               or any(fnmatch.fnmatch(part, pattern) for part in path.parts[:-1]) for pattern in exclude)


def _walk(root: Path, exclude) -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS
                            and not (Path(directory, d) / "pyvenv.cfg").exists()
                            and not _excluded(Path(directory, d), exclude))
        found += [Path(directory, file) for file in sorted(files)
                  if file.endswith(SPEC_SUFFIXES) and not _excluded(Path(directory, file), exclude)]
    return found


def load_target(target: Target, load_settings: LoadSettings, *, stdin_bytes: bytes | None = None,
                stdin_name: str = "<stdin>") -> Document:
    if target.path == STDIN:
        doc = load_bytes(stdin_bytes or b"", stdin_name, load_settings)
    else:
        try:
            doc = load_path(target.path, load_settings)
        except OSError as error:
            raise UnreadablePath(f"{target.path}: {error.strerror or error}") from error
    if doc.kind is None and not doc.problems and target.explicit:
        doc.problems.append(Problem("BL006", FILE_START, (
            "not a Press document blocklint recognises (a block or app spec, a release, a deployment, a "
            "revision, metadata or parameters); if it is one, name its kind with --kind")))
    return doc


_PRESS_HINT = re.compile(r"""^(?:body|"body")\s*:|^\s*"?kind"?\s*:\s*"?(?:workflow|service|app)\b""", re.M)


def _looks_like_press(doc: Document) -> bool:
    """For a walked file that could not be loaded: report it only if it seems meant for Press."""
    return bool(_PRESS_HINT.search(doc.source)) or doc.path.endswith(".j2")


def check_target(target: Target, engine: Engine, load_settings: LoadSettings, *, skip=(), **stdin) -> FileResult:
    doc = load_target(target, load_settings, **stdin)
    if doc.kind is None and (not doc.problems or not (target.explicit or _looks_like_press(doc))):
        return FileResult(doc.path, skipped=True)
    findings: list[Finding] = engine.check(doc, skip=skip)
    return FileResult(doc.path, doc.kind, findings)


PARALLEL_FROM = 8  # below this many files, starting workers costs more than it saves


def check_all(targets, engine: Engine, load_settings: LoadSettings, *, jobs=None, skip_for=lambda path: (),
              **stdin):
    """Results in the order of `targets`, as a generator (close it to stop early).

    With more than a handful of files, files are checked in worker processes (forked, so they
    share the rules already loaded, plugins and `--rules-dir` modules included).
    """
    workers = _worker_count(jobs, len(targets))
    if workers <= 1 or stdin:
        for target in targets:
            yield check_target(target, engine, load_settings, skip=skip_for(target.path), **stdin)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORKER_STATE
    _WORKER_STATE = (engine, load_settings, skip_for)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    chunk = max(1, min(32, len(targets) // (workers * 8)))
    try:
        yield from executor.map(_check_in_worker, targets, chunksize=chunk)
    except BaseException:
        # Stopped early (-x, an error, Ctrl-C): do not wait for files nobody will read.
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        _WORKER_STATE = None


_WORKER_STATE = None


def _check_in_worker(target: Target) -> FileResult:
    engine, load_settings, skip_for = _WORKER_STATE
    return check_target(target, engine, load_settings, skip=skip_for(target.path))


def _worker_count(jobs, files: int) -> int:
    wanted = ((os.cpu_count() or 1) if files > PARALLEL_FROM else 1) if jobs is None else jobs or os.cpu_count() or 1
    if wanted <= 1 or files <= 1:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # without fork, workers would have to re-import every rule; not worth it
    return wanted
