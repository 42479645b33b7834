"""A result cache in the ruff manner: unchanged files are not checked again.

`.blocklint_cache/` sits at the root of each file's plan (the directory of its configuration
file, else the working directory), with its own `.gitignore` (`*`) and a `CACHEDIR.TAG`. It holds
one pack per run context and folder of files, a JSON file named by a hash of the blocklint
version, the working directory (artifact paths and template includes resolve against it), the
plan's fingerprint and the folder; in it, one entry per checked file, by its path as named. An entry is used only for the same
bytes (their digest) named the same way (named or found by walking). Packs are read once per run
and written once at its end (worker processes hand their entries to the main process): a file
per entry cost ~1 ms of system time each to create. What an entry depends on:

- the blocklint version, the file's bytes, its path as named, whether it was named or found by
  walking, and the working directory;
- the resolved plan (`plan_fingerprint`): selected rules with their severities and options,
  per-file ignores, load settings (template variables, the names of template environment
  variables and a hash of their values, a forced kind), verbose, artifact root, previous
  version, the `--spec` documents and files, the code of every module that defines a rule,
  fixture or fan-out (built-in, `--rules-dir` and plugins alike), and the size and mtime of
  blocklint's own source files.

What a file refers to outside itself is found once it is checked, so an entry also lists its
dependencies with their state, and is used only while they are unchanged: the artifact
directory a spec names (the names, sizes and mtimes of everything under it; specs above
`MAX_ARTIFACT_ENTRIES` entries are not cached), every file the check read or looked for (the
loader records each path its include search tried, found or not; the project records each
document a reference led to, and that document's includes), with their bytes' digests, and the
local registry file (size and mtime) for documents that may look their spec up there. A check
that looked for a name in the whole project and found none is not cached (any new file could
hold it). Templates see only the environment variables the command line
allows, whose values are in the plan's fingerprint; a run that allows any is not cached at all,
so no environment value is ever written to disk. Nor is a token the file holds: a result whose
file name or findings quote text the secret detector would mask in a report is not cached.

A file is not read again when its stat (size, mtime, ctime, inode, device) is the one its entry
recorded, and that stat was taken once the file had not changed for `SETTLED_NS` (as git's index
guards against "racily clean" files): a change always moves the ctime, which no tool can set
back, and a later one lands in a later timestamp grain. Otherwise the file is read and hashed.

Entries hold findings as plain JSON (never pickle: a cache directory committed to a hostile
repository must not run code), packs are written atomically (a temporary file, then
`os.replace`), and anything unreadable, partial or from another version is a miss. `blocklint clean`
(`blocklint/clean.py`) removes the directory.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from blocklint import __version__
from blocklint.cache_key import _canonical, _digest, _file_digest, bytes_digest, _stat_stamp, _Uncacheable, plan_fingerprint
from blocklint.cache_store import (DEPS, DIGEST, EXPLICIT, STAT, Pack, PackStore, finding_from_json,
                                    finding_to_json, frame_lines, frame_of, hit_of, is_entry, quotes_a_credential)

CACHE_DIR = ".blocklint_cache"
MAX_ARTIFACT_ENTRIES = 2_000  # above this, a spec's artifact directory is not fingerprinted
MAX_READS = 200  # above this many files read besides itself, a file's result is not cached
# A file's stat stands for its bytes only once its mtime and ctime are this much older than the
# moment it was looked at: longer than any file system's timestamp grain (FAT's 2 s) and the lag
# of the kernel's coarse clock, so a later change always gives it a different stat (as git's
# index treats "racily clean" entries). A younger file is read and hashed each time until then.
SETTLED_NS = 3_000_000_000


# --- dependencies found in a loaded document -----------------------------------------------


def _artifact_stamp(root: str) -> list:
    """Names, sizes and mtimes under an artifact directory (following links, as peak-sdk does)."""
    top = _stat_stamp(root)
    if top != [True]:
        return [top]
    entries = [top]
    for base, subdirs, files in os.walk(root, followlinks=True):
        subdirs[:] = sorted(d for d in subdirs if d != CACHE_DIR)
        for name in [*subdirs, *sorted(files)]:
            full = os.path.join(base, name)
            entries.append([os.path.relpath(full, root), _stat_stamp(full)])
        if len(entries) > MAX_ARTIFACT_ENTRIES:
            raise _Uncacheable("artifact directory too large to fingerprint")
    return entries


def _registry_stamp(path: str) -> list:
    return [path, *(_stat_stamp(path + suffix) for suffix in ("", "-wal", "-journal"))]


# --- the cache -----------------------------------------------------------------------------

_MACHINE_KEY: list = []


def machine_key() -> str | None:
    """A random key kept outside every project (`$XDG_CACHE_HOME/blocklint/cache-key`, or
    `~/.cache/...`), mixed into every entry's name.

    A cache directory is inside the project, so a pull request could commit one: without the key
    nobody can name an entry this machine would read, so a planted entry is never used (it can
    only be missed). None, and no caching, when the key can be neither read nor made.
    """
    if _MACHINE_KEY:
        return _MACHINE_KEY[0]
    from blocklint.catalogue import user_cache_folder

    path = os.path.join(user_cache_folder(), "cache-key")
    key = None
    try:
        with open(path, "rb") as handle:
            key = handle.read(64).hex() or None
    except OSError:
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                secret = os.urandom(32)
                handle.write(secret)
            key = secret.hex()
        except FileExistsError:  # another process made it just now
            try:
                with open(path, "rb") as handle:
                    key = handle.read(64).hex() or None
            except OSError:
                key = None
        except OSError:
            key = None
    _MACHINE_KEY.append(key)
    return key


def _signature(status: os.stat_result) -> str:
    """What a file's stat says of its content: size, mtime, ctime, inode and device, as one string
    (a pack decodes one string faster than five large numbers)."""
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}:{status.st_dev}"


class Lookup:
    """One file's visit to the cache: its bytes (when read), what identifies them, and the result
    if it was there."""

    __slots__ = ("raw", "key", "explicit", "digest", "stat", "pack", "hit", "frame")

    def __init__(self, raw, key, explicit, digest, stat, pack, hit=None):
        self.frame = None  # a hit's `FrameLines`, when its entry kept them
        self.raw = raw  # None when the file's stat vouched for its digest (it was not read)
        self.key = key  # the entry's key in its pack: the path as the run names it (`_entry_key`)
        self.explicit = explicit
        self.digest = digest  # of the file's bytes
        self.stat = stat  # its `_signature`, or None while it may still change unseen (`SETTLED_NS`)
        self.pack = pack
        self.hit = hit  # (path, kind, findings, skipped) or None


class ResultCache:
    """The result caches of one run: one pack per plan, working directory and folder of files,
    fingerprints computed once.

    Share one across a run. Worker processes inherit it when forked, and hand what they stored to
    the main process (`take_changes`, `add_changes`), which writes every pack once (`save`).
    Several processes may use the same directory at once: a pack is replaced whole, atomically.
    """

    def __init__(self):
        self._plans: dict[int, tuple] = {}  # id(plan) -> (plan, its context: (name, cache directory) or None)
        self._folders: dict[tuple, Pack] = {}  # (context, folder as named) -> its pack
        self._packs: dict[str, Pack] = {}
        self._changed: dict[str, Pack] = {}  # the packs with entries not yet handed on or written
        self._stores: dict[str, PackStore] = {}
        self._stamps: dict = {}  # dependency -> digest of its state, computed once per run
        self._digests: dict = {}  # file read through a reference -> digest of its bytes, once per run
        self._per_plan: dict = {}  # what a plan's files share (keyed by the plan's id: plans live as long as the run)
        self._linked_folders: dict = {}  # folder as named -> whether it is behind a link, once per run
        self._folder_packs: dict = {}  # folder as named -> (plan, its pack or None): once per folder, not per file
        self.hits = 0
        self.misses = 0

    def _for_plan(self, plan) -> tuple | None:
        known = self._plans.get(id(plan))
        if known is None or known[0] is not plan:
            known = self._plans[id(plan)] = (plan, self._context_of(plan))
        return known[1]

    def _pack_for(self, plan, folder: str) -> Pack | None:
        """The pack of a folder of files in their plan's context: a run over a few files (a
        pre-commit hook's) reads and writes the packs of their folders only, whatever the size
        of the project."""
        context = self._for_plan(plan)
        if context is None:
            return None
        pack = self._folders.get((context, folder))
        if pack is None:
            pack = self._folders[(context, folder)] = self._pack(_digest(context[0], folder), context[1])
        return pack

    def _context_of(self, plan) -> tuple | None:
        secret = machine_key()
        if secret is None or plan.secrets:  # environment values must never reach the disk
            return None
        try:
            fingerprint = plan_fingerprint(plan)
        except _Uncacheable:
            return None  # the plan's files are not cached at all
        name = _digest(secret, __version__, fingerprint, os.getcwd())
        return name, os.path.join(os.path.abspath(plan.root), CACHE_DIR)

    def _pack(self, name: str, directory: str) -> Pack:
        pack = self._packs.get(name)
        if pack is None:
            store = self._stores.get(directory)
            if store is None:
                store = self._stores[directory] = PackStore(Path(directory))
            pack = self._packs[name] = Pack(name, store, __version__)
        return pack

    def prepare(self, plan):
        """Fingerprint a plan now (before worker processes fork, so they share the work)."""
        self._for_plan(plan)

    def lookup(self, target, plan, *, probe: bool = False) -> Lookup | None:
        """The file's entry, if a valid one exists; None when the file is not for the cache
        (too large, unreadable: the uncached path reports it). `probe`: only looking for a hit,
        so a file with no entry at all is not read (None). The cache only ever saves work:
        anything that goes wrong in it means checking the file as if there were none."""
        try:
            return self._lookup(target, plan, probe)
        except Exception:
            return None

    def lookup_window(self, planned, *, whole_way: bool = True) -> list:
        """What the cache holds for a window of files to check: `planned` holds (target, its
        folder as named, its plan) triples; each answer is the file's hit ((path, kind,
        findings, skipped), frame lines or None) or None when the file is to be checked (it is
        not read then, as `lookup(probe=True)`). An unchanged file (its entry's stat is its
        settled stat now, its dependencies are as they were) is answered in this one loop: a
        warm run's every file. Any other goes the whole way (`lookup`: read and hashed, so a
        touched file is answered without a check) when `whole_way`; else it is left to the
        check (`runner.check_target` looks it up the whole way, reading it once)."""
        settled_before = time.time_ns() - SETTLED_NS  # earlier than each file's own look: never trusts more
        answers = []
        folder_of = plan_of = pack = None
        for target, folder, plan in planned:
            answer = None
            try:
                if folder != folder_of or plan is not plan_of:  # a window's files share a few folders
                    folder_of, plan_of, pack = folder, plan, self._folder_pack(plan, folder)
                if pack is None:
                    answers.append(None)
                    continue
                path, explicit = target.path, bool(target.explicit)
                entry = pack.entries.get(_entry_key(path, explicit))
                if not (is_entry(entry) and entry[EXPLICIT] is explicit):
                    answers.append(None)  # no entry: checked, not read here
                    continue
                status = os.lstat(path)
                if (stat.S_ISREG(status.st_mode) and max(status.st_mtime_ns, status.st_ctime_ns) < settled_before
                        and entry[STAT] == _signature(status) and self._entry_current(pack, entry)):
                    hit = hit_of(entry)
                    if hit is not None:
                        answer = hit, frame_of(entry) if hit[2] else None
                        self.hits += 1
            except Exception:
                pass  # the cache only ever saves work: the whole way decides
            if answer is None and whole_way:
                found = self.lookup(target, plan, probe=True)
                answer = (found.hit, found.frame) if found is not None and found.hit is not None else None
            answers.append(answer)
        return answers

    def _lookup(self, target, plan, probe: bool) -> Lookup | None:
        path = target.path
        pack = self._folder_pack(plan, os.path.dirname(path))
        if pack is None:
            return None
        status = os.lstat(path)
        if not stat.S_ISREG(status.st_mode):
            return None  # a link, a FIFO, a device: the uncached path's to report
        explicit = bool(target.explicit)
        key = _entry_key(path, explicit)
        entry = pack.entries.get(key)
        if not (is_entry(entry) and entry[EXPLICIT] is explicit):
            entry = None
            if probe:
                return None
        # A stat vouches for the bytes only once the file has not changed for `SETTLED_NS`: a
        # change after this moment gives it a later mtime and ctime, whatever the clock's grain.
        settled = max(status.st_mtime_ns, status.st_ctime_ns) < time.time_ns() - SETTLED_NS
        signature = _signature(status) if settled else None
        raw = None
        if entry is not None and signature is not None and entry[STAT] == signature:
            digest = entry[DIGEST]
        else:
            from blocklint.load import UnreadableFile, read_bounded

            try:  # regular files only, bounded: a FIFO or a device is the uncached path's to report
                raw = read_bounded(path, plan.load.max_bytes)
            except (UnreadableFile, OSError):
                return None
            digest = bytes_digest(raw)
        found = Lookup(raw, key, explicit, digest, signature, pack)
        if entry is not None and entry[DIGEST] == digest and self._entry_current(pack, entry):
            found.hit = hit_of(entry)
            if found.hit is not None and found.hit[2]:
                found.frame = frame_of(entry)
            if found.hit is not None and entry[STAT] != signature:  # touched, not changed: trust its new stat
                kept = entry.copy()
                kept[STAT], kept[DEPS] = signature, pack.dependencies(entry)
                self._keep(pack, key, kept)
        if found.hit is not None:
            self.hits += 1
        elif not probe:
            self.misses += 1
        return found

    def _folder_pack(self, plan, folder: str) -> Pack | None:
        """The pack of a folder (as named: `os.path.dirname` of its files' paths), or None when its
        files are not for the cache (a folder behind a link: the loader decides whether it may be
        read, not out of the project; a plan that is not cached): worked out once per folder as
        named, not once per file."""
        known = self._folder_packs.get(folder)
        if known is None or known[0] is not plan:
            pack = None if self._in_a_linked_folder(folder) else self._pack_for(plan, folder)
            known = self._folder_packs[folder] = (plan, pack)
        return known[1]

    def _in_a_linked_folder(self, named: str) -> bool:
        """Whether a folder on the way to the files of folder `named` is a symbolic link (its real
        path is not itself); asked once per folder as named (a run keeps its working directory, as
        its packs' names do)."""
        linked = self._linked_folders.get(named)
        if linked is None:
            folder = os.path.abspath(named)
            linked = self._linked_folders[named] = os.path.realpath(folder) != folder
        return linked

    def store(self, found: Lookup, plan, doc, path: str, kind, findings, skipped: bool, *, referenced=()):
        """Keep the result of a file just checked (findings before the baseline is applied);
        a result that cannot be kept (a hostile path, a value JSON cannot carry) is simply not
        kept. `referenced`: the paths the check read through references (`Project.recording`)."""
        try:
            self._store(found, plan, doc, path, kind, findings, skipped, referenced)
        except Exception:
            pass

    def _store(self, found: Lookup, plan, doc, path: str, kind, findings, skipped: bool, referenced=()):
        if quotes_a_credential(path, findings):
            return  # an entry is a file on disk: a token the file holds must not be copied there
        if findings and any(finding.rule in self._clock_rules(plan) for finding in findings):
            return  # it depends on the time (BL200's next runs): replayed later, it would be wrong
        try:
            deps = self._dependencies(doc, plan, referenced)
        except _Uncacheable:
            return
        stored = [finding_to_json(finding) for finding in findings]
        if stored:
            try:
                text = json.dumps(stored, ensure_ascii=True, allow_nan=True)
                if [finding_from_json(item) for item in json.loads(text)] != list(findings):
                    return  # a value JSON cannot carry exactly: do not risk a different answer
            except (TypeError, ValueError):
                return
        # in the order of `cache_store.ENTRY_FIELDS`
        self._keep(found.pack, found.key, [found.explicit, found.digest, found.stat, path, kind, skipped, stored,
                                           deps, frame_lines(found.raw, path, findings)])

    def _keep(self, pack: Pack, key: str, entry: list):
        pack.changed[key] = entry
        self._changed[pack.name] = pack

    def take_changes(self) -> list:
        """The entries this process stored or refreshed since the last call, as
        `add_changes` takes them (a worker's, for the main process to write)."""
        changes = [(name, os.fspath(pack.store.directory), pack.changed) for name, pack in self._changed.items()]
        for pack in self._changed.values():
            pack.changed = {}
        self._changed = {}
        return changes

    def add_changes(self, changes):
        """Entries another process stored (`take_changes`), to be written with this one's."""
        for name, directory, entries in changes:
            pack = self._pack(name, directory)
            pack.changed.update(entries)
            self._changed[name] = pack

    def save(self):
        """Write every pack that changed, once: what it held, with this run's entries in place of
        those of the same files. Never raises: a pack that cannot be written is simply missed."""
        changed, self._changed = self._changed, {}
        for pack in changed.values():
            pack.save()

    def _dependencies(self, doc, plan, referenced) -> list:
        deps = []
        data = doc.data if isinstance(doc.data, dict) else None
        artifact = data.get("artifact") if data is not None else None
        if isinstance(artifact, dict) and isinstance(artifact.get("path"), str):
            root = self._artifact_root(plan, artifact["path"])
            deps.append(["artifact", root, self._stamp("artifact", root)])
        from blocklint.project import ANY_FILE

        if ANY_FILE in referenced:
            raise _Uncacheable("a name looked for in the whole project and not found")
        reads = list(dict.fromkeys([*getattr(doc, "reads", ()), *sorted(referenced)]))
        if reads:
            if len(reads) > MAX_READS:
                raise _Uncacheable("too many files read")
            deps.append(["reads", doc.path, [[path, self._read_digest(path)] for path in reads]])
        # deployments look their spec up in the registry; other kinds may name specs there too
        registry = getattr(getattr(plan.overrides, "spec_lookup", None), "path", None)
        if getattr(plan.overrides, "registry", False) and registry is not None and doc.kind is not None:
            deps.append(["registry", str(registry), self._stamp("registry", str(registry))])
        return deps

    def _clock_rules(self, plan) -> frozenset:
        """The ids of the plan's rules whose findings depend on the clock (once per plan)."""
        key = ("clock", id(plan))
        if key not in self._per_plan:
            self._per_plan[key] = frozenset(found.id for found in plan.rules if found.clock)
        return self._per_plan[key]

    def _artifact_root(self, plan, path: str) -> str:
        """Where a spec's `artifact.path` points, once per plan and path (the specs of a folder
        name the same); `_Uncacheable` when the cache lies inside it."""
        key = ("artifact", id(plan), path)
        if key not in self._per_plan:
            from blocklint.artifact import resolve_path

            root = os.fspath(resolve_path(path, plan.settings.artifact_root))
            inside = Path(os.path.abspath(plan.root), CACHE_DIR).is_relative_to(os.path.abspath(root))
            self._per_plan[key] = (root, inside)
        root, inside = self._per_plan[key]
        if inside:
            raise _Uncacheable("the cache lies inside the artifact, and would change what it holds")
        return root

    def _read_digest(self, path: str) -> str | None:
        """The digest of a file a check read (or looked for) besides the file itself, or None
        when absent: once per run, as the facts the run's files share."""
        if path not in self._digests:
            self._digests[path] = _file_digest(path)
        return self._digests[path]

    def _stamp(self, kind: str, name: str) -> str:
        """The digest of a dependency's state now (once per run)."""
        key = (kind, name)
        if key not in self._stamps:
            try:
                value = _artifact_stamp(name) if kind == "artifact" else _registry_stamp(name)
                self._stamps[key] = (True, _digest(_canonical(value)))
            except _Uncacheable:
                self._stamps[key] = (False, None)
        ok, value = self._stamps[key]
        if not ok:
            raise _Uncacheable(kind)
        return value

    def _entry_current(self, pack: Pack, entry: list) -> bool:
        """`_current` for an entry of `pack`: once per list of dependencies the pack holds."""
        deps = entry[DEPS]
        if type(deps) is not int:
            return self._current(deps)
        known = pack.current.get(deps)
        if known is None:
            known = pack.current[deps] = self._current(pack.dependencies(entry))
        return known

    def _current(self, deps) -> bool:
        """Whether every dependency an entry recorded is still as it was."""
        if not isinstance(deps, list):
            return False
        try:
            for kind, name, state in deps:
                if kind == "reads":
                    if any(self._read_digest(path) != digest for path, digest in state):
                        return False
                elif self._stamp(kind, name) != state:
                    return False
        except (_Uncacheable, TypeError, ValueError):
            return False
        return True


def _entry_key(path: str, explicit: bool) -> str:
    """A file's key in its pack: its path, marked when it was named rather than found by walking
    (its result may differ: BL006), so `check .` and `check FILE` keep an entry each."""
    return path + "\0named" if explicit else path
