"""A result cache in the ruff manner: unchanged files are not checked again.

`.blocklint_cache/` sits at the root of each file's plan (the directory of its configuration
file, else the working directory), with its own `.gitignore` (`*`) and a `CACHEDIR.TAG`. One
entry per checked file, named by a hash of everything its findings depend on:

- the blocklint version, the file's bytes, its path as named, whether it was named or found by
  walking, and the working directory (artifact paths and template includes resolve against it);
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

Entries hold findings as plain JSON (never pickle: a cache directory committed to a hostile
repository must not run code), are written atomically (a temporary file, then `os.replace`), and
anything unreadable, partial or from another version is a miss. `blocklint clean`
(`blocklint/clean.py`) removes the directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

from blocklint import __version__
from blocklint.cache_store import EntryStore, finding_from_json, finding_to_json
from blocklint.findings import Finding

CACHE_DIR = ".blocklint_cache"
MAX_ARTIFACT_ENTRIES = 2_000  # above this, a spec's artifact directory is not fingerprinted
MAX_READS = 200  # above this many files read besides itself, a file's result is not cached
MAX_RULES_DIR_FILES = 1_000  # above this many .py files in the rules folders, nothing is cached
_FORMAT = 1  # bump when the entry layout changes


# --- fingerprints --------------------------------------------------------------------------


def _digest(*parts) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _canonical(value) -> str:
    """A stable text of plain data (dict order ignored; anything odd by its repr)."""
    return json.dumps(value, sort_keys=True, default=repr, ensure_ascii=True, separators=(",", ":"))


def _file_digest(path) -> str | None:
    """The digest of a regular file (None when it is absent, not a regular file or too large)."""
    from blocklint.load import read_bounded

    try:
        return hashlib.sha256(read_bounded(path)).hexdigest()
    except OSError:
        return None


def _stat_stamp(path) -> list | None:
    """Size and mtime of a file; a directory is only marked as one (its entries are listed by
    name, and its own mtime changes whenever something, this cache included, is created in it)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if stat.S_ISDIR(found.st_mode):
        return [True]
    return [found.st_size, found.st_mtime_ns]


def _module_files(ruleset) -> set[str]:
    """The source files of every module that defines a rule, fixture or fan-out of a rule set."""
    functions = [found.func for found in ruleset.rules]
    functions += list(ruleset.fixtures.values())
    functions += [entry[0] if isinstance(entry, tuple) else entry for entry in ruleset.fanouts.values()]
    files = set()
    for function in functions:
        module = sys.modules.get(getattr(function, "__module__", "") or "")
        source = getattr(module, "__file__", None)
        if source:
            files.add(os.path.abspath(source))
        else:  # a rule without a file (built in an interactive session): its code object
            code = getattr(function, "__code__", None)
            files.add("code:" + (hashlib.sha256(code.co_code).hexdigest() if code else repr(function)))
    return files


def _rules_dir_digests(plan) -> dict:
    """The digest of every `.py` file below each `--rules-dir`: a rule module imports helper
    modules of its folder (`import helpers`) that define no rule, and an edit to one changes
    findings too. Code imported from elsewhere (installed packages) is the environment's."""
    digests = {}
    for directory in (*plan.config.rules_dir, *plan.overrides.rules_dir):
        for base, subdirs, files in os.walk(directory):
            subdirs[:] = sorted(d for d in subdirs if d != "__pycache__" and not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".py"):
                    if len(digests) == MAX_RULES_DIR_FILES:
                        raise _Uncacheable("too many Python files in the rules folders to fingerprint")
                    full = os.path.abspath(os.path.join(base, name))
                    digests[full] = _file_digest(full)
    return digests


def _package_stamp() -> list:
    """Size and mtime of blocklint's own source files: an edited checkout is a new version."""
    stamps = []
    for package in ("blocklint", "blocklint.rules"):
        module = sys.modules.get(package)
        for directory in getattr(module, "__path__", ()) or ():
            for base, subdirs, files in os.walk(directory):
                subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
                for name in sorted(files):
                    if name.endswith(".py") or name.endswith(".json"):
                        full = os.path.join(base, name)
                        stamps.append([full, _stat_stamp(full)])
    return stamps


def plan_fingerprint(plan) -> str:
    """A stable hash of everything in `plan` that can change a file's findings."""
    settings, load = plan.settings, plan.load
    options = settings.options or {}
    severity = settings.severity or {}
    env = getattr(load, "env", {}) or {}
    specs = getattr(settings.specs, "documents", None) or []
    code = {path: (_file_digest(path) if not path.startswith("code:") else path)
            for path in sorted(_module_files(plan.available) | _module_files(plan.rules))}
    described = {
        "format": _FORMAT,
        "version": __version__,
        "finding_fields": list(Finding._fields),
        "rules": [[found.id, found.name, severity.get(found.id, found.severity), found.args, found.fanout,
                   options.get(found.id)] for found in plan.rules],
        "severity": severity,
        "options": options,
        "per_file_ignores": dict(plan.config.per_file_ignores),
        "root": str(plan.root),
        "load": {
            "params": getattr(load, "params", {}),
            "template": getattr(load, "template", True),
            "kind": getattr(load, "kind", None),
            "claims": list(getattr(getattr(load, "claims", None), "globs", ())),
            "max_bytes": getattr(load, "max_bytes", None),
            "include_root": getattr(load, "include_root", None),
            "env_names": sorted(env),
            # the values only as a hash: they may be secrets, and entries are named by hashes only
            "env_values": _digest(*(f"{name}={env[name]}" for name in sorted(env))),
        },
        "artifact_root": settings.artifact_root,
        "previous_version": settings.previous_version,
        "verbose": settings.verbose,
        "registry": bool(getattr(plan.overrides, "registry", False)),
        "specs": [[document.kind, document.path, _canonical(document.data)] for document in specs],
        "spec_files": {str(path): _file_digest(path) for path in getattr(plan.overrides, "spec_files", ())},
        "code": code,
        "rules_dirs": _rules_dir_digests(plan),
        "package": _package_stamp(),
    }
    return _digest(_canonical(described))


# --- dependencies found in a loaded document -----------------------------------------------


class _Uncacheable(Exception):
    """The document depends on something this cache cannot fingerprint safely."""


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


def _reads_stamp(paths) -> list:
    """Each file a check read (or looked for) besides the file itself, with its digest, or None
    when absent: what the loader's include search looked at, the documents references led to."""
    if len(paths) > MAX_READS:
        raise _Uncacheable("too many files read")
    return [[path, _file_digest(path)] for path in paths]


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
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "blocklint", "cache-key")
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


class Lookup:
    """One file's visit to the cache: its bytes, its key, and the result if it was there."""

    __slots__ = ("raw", "key", "store", "hit")

    def __init__(self, raw, key, store, hit=None):
        self.raw = raw
        self.key = key
        self.store = store
        self.hit = hit  # (path, kind, findings, skipped) or None


class ResultCache:
    """The result caches of one run: one directory per plan root, fingerprints computed once.

    Share one across a run (worker processes inherit it when forked). Every method is safe to
    call from several processes on the same directory at once.
    """

    def __init__(self):
        self._plans: dict[int, tuple] = {}  # id(plan) -> (plan, fingerprint, store)
        self._stamps: dict = {}  # dependency -> state, computed once per run
        self._real_folders: dict = {}  # folder -> its real path, once per run (a run checks folders of files)
        self._stores: dict[str, EntryStore] = {}
        self.hits = 0
        self.misses = 0

    def _for_plan(self, plan):
        known = self._plans.get(id(plan))
        if known is None or known[0] is not plan:
            root = os.path.abspath(plan.root)
            store = self._stores.get(root)
            if store is None:
                store = self._stores[root] = EntryStore(Path(root) / CACHE_DIR)
            try:
                fingerprint = plan_fingerprint(plan)
            except _Uncacheable:
                fingerprint = None  # the plan's files are not cached at all
            known = self._plans[id(plan)] = (plan, fingerprint, store)
        return known

    def prepare(self, plan):
        """Fingerprint a plan now (before worker processes fork, so they share the work)."""
        self._for_plan(plan)

    def lookup(self, target, plan) -> Lookup | None:
        """The file's entry, if a valid one exists; None when the file is not for the cache
        (too large, unreadable: the uncached path reports it). The cache only ever saves work:
        anything that goes wrong in it means checking the file as if there were none."""
        try:
            return self._lookup(target, plan)
        except Exception:
            return None

    def _lookup(self, target, plan) -> Lookup | None:
        from blocklint.load import UnreadableFile, read_bounded

        if self._behind_a_link(target.path):
            return None  # a link: the loader decides whether it may be read (not out of the project)
        try:  # regular files only, bounded: a FIFO or a device is the uncached path's to report
            raw = read_bounded(target.path, plan.load.max_bytes)
        except (UnreadableFile, OSError):
            return None
        secret = machine_key()
        if secret is None or plan.secrets:  # environment values must never reach the disk
            return None
        _, fingerprint, store = self._for_plan(plan)
        if fingerprint is None:
            return None
        key = _digest(secret, __version__, fingerprint, os.getcwd(), target.path, bool(target.explicit), raw)
        entry = store.read(key)
        found = Lookup(raw, key, store)
        if entry is not None and entry.get("version") == __version__ and self._current(entry.get("deps")):
            try:
                findings = [finding_from_json(item) for item in entry["findings"]]
                found.hit = (entry["path"], entry["kind"], findings, bool(entry["skipped"]))
            except (KeyError, TypeError, ValueError):
                found.hit = None
        if found.hit is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def _behind_a_link(self, path: str) -> bool:
        """Whether `path` or a folder on its way is a symbolic link (its real path is not itself)."""
        folder, _ = os.path.split(os.path.abspath(path))
        real = self._real_folders.get(folder)
        if real is None:
            real = self._real_folders[folder] = os.path.realpath(folder)
        return real != folder or os.path.islink(path)

    def store(self, found: Lookup, plan, doc, path: str, kind, findings, skipped: bool, *, referenced=()):
        """Keep the result of a file just checked (findings before the baseline is applied);
        a result that cannot be kept (a hostile path, a full disk) is simply not kept.
        `referenced`: the paths the check read through references (`Project.recording`)."""
        try:
            self._store(found, plan, doc, path, kind, findings, skipped, referenced)
        except Exception:
            pass

    def _store(self, found: Lookup, plan, doc, path: str, kind, findings, skipped: bool, referenced=()):
        if _quotes_a_credential(path, findings):
            return  # an entry is a file on disk: a token the file holds must not be copied there
        clock_rules = {found.id for found in plan.rules if found.clock}
        if any(finding.rule in clock_rules for finding in findings):
            return  # it depends on the time (BL200's next runs): replayed later, it would be wrong
        try:
            deps = self._dependencies(doc, plan, referenced)
        except _Uncacheable:
            return
        entry = {"version": __version__, "path": path, "kind": kind, "skipped": skipped,
                 "findings": [finding_to_json(finding) for finding in findings], "deps": deps}
        try:
            text = json.dumps(entry, ensure_ascii=True, allow_nan=True)
            if [finding_from_json(item) for item in json.loads(text)["findings"]] != list(findings):
                return  # a value JSON cannot carry exactly: do not risk a different answer
        except (TypeError, ValueError):
            return
        found.store.write(found.key, text)

    def _dependencies(self, doc, plan, referenced) -> list:
        deps = []
        data = doc.data if isinstance(doc.data, dict) else None
        artifact = data.get("artifact") if data is not None else None
        if isinstance(artifact, dict) and isinstance(artifact.get("path"), str):
            from blocklint.artifact import resolve_path

            root = os.fspath(resolve_path(artifact["path"], plan.settings.artifact_root))
            if Path(os.path.abspath(plan.root), CACHE_DIR).is_relative_to(os.path.abspath(root)):
                raise _Uncacheable("the cache lies inside the artifact, and would change what it holds")
            deps.append(["artifact", root, self._stamp("artifact", root)])
        from blocklint.project import ANY_FILE

        if ANY_FILE in referenced:
            raise _Uncacheable("a name looked for in the whole project and not found")
        reads = list(dict.fromkeys([*getattr(doc, "reads", ()), *sorted(referenced)]))
        if reads:
            deps.append(["reads", doc.path, _reads_stamp(reads)])
        # deployments look their spec up in the registry; other kinds may name specs there too
        registry = getattr(getattr(plan.overrides, "spec_lookup", None), "path", None)
        if getattr(plan.overrides, "registry", False) and registry is not None and doc.kind is not None:
            deps.append(["registry", str(registry), self._stamp("registry", str(registry))])
        return deps

    def _stamp(self, kind: str, name: str):
        """A dependency's state now (once per run), as it reads back from JSON."""
        key = (kind, name)
        if key not in self._stamps:
            try:
                if kind == "artifact":
                    value = _artifact_stamp(name)
                else:
                    value = _registry_stamp(name)
                self._stamps[key] = (True, json.loads(json.dumps(value)))
            except _Uncacheable:
                self._stamps[key] = (False, None)
        ok, value = self._stamps[key]
        if not ok:
            raise _Uncacheable(kind)
        return value

    def _current(self, deps) -> bool:
        """Whether every dependency an entry recorded is still as it was."""
        if not isinstance(deps, list):
            return False
        try:
            for kind, name, state in deps:
                if kind == "reads":
                    if any(_file_digest(path) != digest for path, digest in state):
                        return False
                elif self._stamp(kind, name) != state:
                    return False
        except (_Uncacheable, TypeError, ValueError):
            return False
        return True


def _quotes_a_credential(path: str, findings) -> bool:
    """Whether the file name or a finding (its message, a key on its path, its suggestion or
    the text its fix replaces or writes) holds text the secret detector would mask in a report.
    Reports mask it when they print; an entry would keep it whole, so such a result is not
    cached (it is checked again next time)."""
    from blocklint.secrets import DETECTOR_ONLY

    texts = [path]
    for finding in findings:
        texts += [finding.message, finding.suggestion, *map(str, finding.path)]
        if finding.fix is not None:
            texts += [text for edit in finding.fix.edits for text in (edit.replacement, edit.original or "")]
    return any(DETECTOR_ONLY.spans(text) for text in texts)
