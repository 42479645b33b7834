"""Checking files with their plan: load each, run the engine, apply the baseline, yield results
in order (which files to check: `blocklint.walk`)."""

from __future__ import annotations

import gc
import io
import os
import re
from pathlib import Path

from blocklint.shared import run_store
from blocklint.findings import ERROR, Finding
from blocklint.records import Record, field, record, replace
from blocklint.walk import STDIN, Target
from blocklint.words import split_lines

# `Document` (in annotations, never evaluated) is `blocklint.load.Document`, imported where a file is loaded.


@record
class FileResult(Record):
    """One file's outcome: its findings, its kind, and whether it was skipped as no Press document."""

    path: str
    kind: str | None = None
    findings: list = field(default_factory=list)
    skipped: bool = False
    # the lines its findings are on, when the result cache kept them (`blocklint.cache.FrameLines`):
    # the text reporter's code frames then read no file
    frame_lines: object = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        return any(finding.severity == ERROR for finding in self.findings)


def load_target(target: Target, load_settings, *, stdin=None,
                stdin_name: str = "<stdin>", raw: bytes | None = None) -> Document:
    """Load one target. `stdin`: the binary stream the target `-` reads; `raw`: the file's bytes,
    when the caller has read them already (the result cache, which hashes them)."""
    from blocklint.load import FILE_START, Problem, load_bytes, load_path, load_stream  # a warm run loads none

    if target.path == STDIN:
        # read no further than one byte past the limit, whatever the stream holds
        doc = load_stream(stdin if stdin is not None else io.BytesIO(), stdin_name, load_settings)
    elif raw is not None:
        doc = paused_collection(load_bytes, raw, str(Path(target.path)), load_settings, file_path=Path(target.path))
    else:  # the loader turns any failure to read into a finding (BL005, BL012)
        doc = paused_collection(load_path, target.path, load_settings)
    # A file read (warnings aside, such as BL014) yet of no kind is BL006 too: the CLI would send it.
    if doc.kind is None and doc.other is None and target.explicit and (not doc.problems or doc.data is not None):
        from blocklint.kinds import CLAIM_HINT  # a run answered from the result cache imports no kinds

        doc.problems.append(Problem("BL006", FILE_START, (
            "not a Press document blocklint recognises (a block or app spec, a release, a deployment, a "
            f"revision, metadata or parameters); if it is one, {CLAIM_HINT}")))
    return doc


def is_skipped(doc: Document, explicit: bool) -> bool:
    """A file that is no Press document, skipped quietly: one that loaded without a kind (a file
    of another `peak` command, a CI workflow), or failed to load but was neither named, claimed
    nor looks meant for Press."""
    if doc.kind is not None:
        return False
    if not doc.problems or doc.other is not None:
        return True
    from blocklint.kinds import looks_like_press

    return not (explicit or doc.claimed or looks_like_press(doc.source, doc.path))


def paused_collection(work, *args, **kwargs):
    """Call `work` with the cyclic garbage collector paused.

    Loading and checking a file allocate many objects that all live until the file is done;
    with the collector running, every few hundred allocations it walks them all again for
    nothing (measured: a third of the CPU time of the 10,000-step workflow). What a file leaves
    behind is freed by reference counting when its result is returned; the rare cycle waits for
    the next collection, which runs as usual between files. The language server lints each
    version of a document the same way.
    """
    if not gc.isenabled():
        return work(*args, **kwargs)
    gc.disable()
    try:
        return work(*args, **kwargs)
    finally:
        gc.enable()


def _engine_result(doc: Document, plan, explicit: bool) -> FileResult:
    """The engine's verdict on a document, before the baseline is applied."""
    if is_skipped(doc, explicit):
        return FileResult(doc.path, doc.other, skipped=True)  # the kind of a skipped file: its command
    findings: list[Finding] = plan.engine.check(doc, skip=plan.skip_for(doc.path))
    if findings:  # the fixes travel with the findings, made here where the document is loaded
        from blocklint.fixers import with_fixes

        findings = with_fixes(findings, doc)
    return FileResult(doc.path, doc.kind, findings)


def _with_baseline(result: FileResult, plan) -> FileResult:
    if result.findings and not result.skipped:  # no findings: no baseline to apply
        result.findings = plan.known_findings(result.findings)
    return result


def check_document(doc: Document, plan, *, explicit: bool = True) -> FileResult:
    """One loaded document through the plan's engine, per-file ignores and baseline."""
    return _with_baseline(_engine_result(doc, plan, explicit), plan)


def check_target(target: Target, plan, *, cache=None, **stdin) -> FileResult:
    """Load and check one target. `cache`: a `blocklint.cache.ResultCache` to answer from (and
    fill) for files that have not changed; None checks every file."""
    return paused_collection(_check_target, target, plan, cache, stdin)


def _check_target(target: Target, plan, cache, stdin) -> FileResult:
    if cache is None or target.path == STDIN:
        return check_document(load_shared(target, plan, **stdin), plan, explicit=target.explicit)
    found = cache.lookup(target, plan)
    if found is None:  # not for the cache (unreadable, too large): the usual road reports it
        return check_document(load_shared(target, plan), plan, explicit=target.explicit)
    if found.hit is not None:
        path, kind, findings, skipped = found.hit
        return _with_baseline(FileResult(path, kind, findings, skipped, found.frame), plan)
    doc = load_shared(target, plan, raw=found.raw)
    with recording(plan) as referenced:
        result = _engine_result(doc, plan, target.explicit)
    cache.store(found, plan, doc, result.path, result.kind, result.findings, result.skipped, referenced=referenced)
    return _with_baseline(result, plan)


def load_shared(target: Target, plan, **how) -> Document:
    """`load_target`, sharing documents with the run's project: a file a reference already
    loaded is not parsed again, and one loaded here serves the references after it (one parse
    per file and run). Not when --kind forces the kind: the project reads files as they are."""
    project = plan.project
    shared = project is not None and target.path != STDIN and plan.load.kind is None
    doc = project.loaded(target.path) if shared else None
    if doc is not None:  # loaded for a reference, under its real path: shown as the run names it
        return replace(doc, path=str(target.path))
    doc = load_target(target, plan.load, **how)
    if shared:
        project.adopt(target.path, doc)
    return doc


def recording(plan):
    """What a check reads through references, when the plan has a project to follow them in (the
    cache's dependencies of an entry; the documents an editor's analysis must be redone for)."""
    import contextlib

    return plan.project.recording() if plan.project is not None else contextlib.nullcontext(())


def check_project(targets, planner, **options):
    """`check_all` with a `blocklint.plan.Planner`, then one result for each configuration file
    below the run's own that could not be planned (BL020, at its line): the files of its folder
    were checked with the run's own configuration."""
    checked = check_all(targets, planner.for_path, **options)
    try:
        yield from checked
    finally:
        checked.close()
    for path, error in sorted(planner.broken.items()):
        yield configuration_result(path, str(error), planner.default)


# compiled on first use (`re` keeps them): most runs meet no broken configuration
_AT_LINE = r"at line (\d+)"
_QUOTED = r"""'([^'\n]+)'|"([^"\n]+)\""""


def configuration_result(path: str, message: str, plan) -> FileResult:
    """A configuration file that could not be used, as a BL020 finding at the line it names (a
    TOML error's line, else the first line holding a name the message quotes)."""
    from blocklint.load import Document, Problem, UnreadableFile, read_bounded
    from blocklint.load.document import Span

    try:
        source = read_bounded(path, what="configuration file").decode("utf-8", "replace")
    except (UnreadableFile, OSError):
        source = ""
    lines = split_lines(source)
    message = message.removeprefix(f"{path}: ")
    line = 0
    at_line = re.search(_AT_LINE, message)
    if at_line:
        line = max(0, min(int(at_line.group(1)) - 1, len(lines) - 1))
    else:
        quoted = [first or second for first, second in re.findall(_QUOTED, message)]
        line = next((number for name in quoted for number, text in enumerate(lines) if name in text), 0)
    end = len(lines[line]) if line < len(lines) else 0
    from blocklint.words import relative_path

    shown = relative_path(path)
    doc = Document(shown, source, problems=[Problem("BL020", Span(line, 0, line, end), message)])
    return FileResult(shown, None, plan.engine.check(doc, skip=()))


# Measured on 2 cores (benchmarks/README.md, "worker threshold"): two workers cost 1.3-1.4x the
# CPU of one process (two checks at once share the CPUs' caches; fork and results add ~20 ms a
# worker). When a file cost ~1.9 ms they broke even at about 100 files; at ~0.65 ms (78de7ef)
# they took 1.16x the wall time at 100 files, 0.95x at 256 and 0.59x at 1,000.
PARALLEL_FROM = 250  # up to this many files, one process


WINDOW = 512  # files handed on at a time: looked up in the cache, planned, sent to workers


def check_all(targets, plan_for, *, jobs=None, cache=None, **stdin):
    """Results in the order of `targets` (any iterable: `iter_targets` streams them), as a
    generator (close it to stop early). `plan_for(path)` gives each file's plan (a
    `Planner.for_path`); `cache`, a `blocklint.cache.ResultCache` or None (see `check_target`).

    Above `PARALLEL_FROM` files, files are checked in worker processes (forked, so they share the
    rules already loaded, plugins and `--rules-dir` modules included), a window at a time; with a
    cache, files go a window at a time in one process too (looked up in one loop).
    Neither targets nor results are kept: memory stays flat in the number of files.
    """
    import itertools

    targets = iter(targets)
    head = list(itertools.islice(targets, PARALLEL_FROM + 1))  # enough to decide on workers
    stream = itertools.chain(head, targets)
    # with a cache, whether workers can fork is asked only once there are misses for them
    workers = _worker_count(jobs, len(head), check_fork=cache is None)
    shared: dict = {}  # what the files of this run share (`blocklint.shared`)
    try:
        if (workers <= 1 and cache is None) or stdin:
            for target in stream:
                with run_store(shared):
                    result = check_target(target, plan_for(target.path), cache=cache, **stdin)
                yield result
            return
        parallel_from = 1 if jobs is not None else PARALLEL_FROM if cache is not None else 0
        yield from _check_windows(stream, plan_for, cache, workers, parallel_from, shared)
    finally:
        if cache is not None:
            cache.save()  # once per run, also when stopped early: what was checked stays checked


def _check_windows(stream, plan_for, cache, workers: int, parallel_from: int, shared: dict):
    """A window of targets at a time: planned here (a file's plan depends on its folder only),
    looked up in the cache when there is one, and the files to check sent to worker processes
    when there are more than `parallel_from` of them (none are started when every file is
    unchanged)."""
    import itertools

    executor = None
    plans: dict[str, object] = {}
    try:
        while window := list(itertools.islice(stream, WINDOW)):
            planned = []
            for target in window:
                directory = os.path.dirname(target.path)
                plan = plans.get(directory)
                if plan is None:
                    plan = plans[directory] = plan_for(target.path)
                planned.append((target, directory, plan))
            # The collector paused: the packs and entries the lookups read live as long as the run.
            # With no worker to start, a file the quick look cannot answer is looked up by its
            # check, which reads it once (not here and there again).
            hits = paused_collection(cache.lookup_window, planned, whole_way=workers > 1) if cache is not None \
                else [None] * len(planned)
            entries = [(target, plan, hit) for (target, _, plan), hit in zip(planned, hits)]
            misses = [(target, plan) for target, plan, hit in entries if hit is None]
            first = []
            if len(misses) > parallel_from and executor is None and _worker_count(workers, 2) > 1:
                # The first file is checked here, before the workers fork: what its check loads
                # on first use (schemas, libraries: ~35 ms) is then loaded once, not once a worker.
                first, misses = [_check_sharing(shared, *misses[0], cache)], misses[1:]
                executor = _start_workers(entries, plan_for, cache, workers, shared)
            if len(misses) > parallel_from and executor is not None:
                chunk = max(1, min(32, len(misses) // (workers * 8)))
                sent = executor.map(_check_in_worker, [target for target, _ in misses], chunksize=chunk)
                checked = itertools.chain(first, (_received(cache, *answer) for answer in sent))
            else:
                checked = itertools.chain(first, (_check_sharing(shared, target, plan, cache) for target, plan in misses))
            for target, plan, hit in entries:
                if hit is None:
                    yield next(checked)
                else:
                    (path, kind, findings, skipped), frame = hit
                    yield _with_baseline(FileResult(path, kind, findings, skipped, frame), plan)
    except BaseException:
        # Stopped early (-x, an error, Ctrl-C): do not wait for files nobody will read.
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        if executor is not None:
            executor.shutdown(wait=True)
    finally:
        global _WORKER_STATE
        _WORKER_STATE = None


def _check_sharing(shared: dict, target: Target, plan, cache) -> FileResult:
    """`check_target`, answering what the run's files share from `shared`."""
    with run_store(shared):
        return check_target(target, plan, cache=cache)


def _start_workers(entries, plan_for, cache, workers: int, shared: dict):
    """Worker processes, forked once the first window's plans are made (later folders' plans
    are made in the workers, each once)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if cache is not None:
        for _, plan, _ in entries:
            cache.prepare(plan)
    global _WORKER_STATE
    _WORKER_STATE = (plan_for, cache, shared)  # each worker fills its own copy of `shared`
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


_WORKER_STATE = None


def _check_in_worker(target: Target) -> tuple:
    """A file checked in a worker process, with the cache entries it stored for the main process
    to write (a worker writes nothing)."""
    plan_for, cache, shared = _WORKER_STATE
    result = _check_sharing(shared, target, plan_for(target.path), cache)
    return result, cache.take_changes() if cache is not None else None


def _received(cache, result: FileResult, changes) -> FileResult:
    if changes:
        cache.add_changes(changes)
    return result


def _worker_count(jobs, files: int, *, check_fork: bool = True) -> int:
    wanted = ((os.cpu_count() or 1) if files > PARALLEL_FROM else 1) if jobs is None else jobs or os.cpu_count() or 1
    if wanted <= 1 or files <= 1:
        return 1
    if not check_fork:
        return wanted
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # without fork, workers would have to re-import every rule; not worth it
    return wanted
