"""The fingerprint of a plan for the result cache (`blocklint/cache.py`): a stable hash of
everything in a plan that can change a file's findings, and the digests and stamps it is made of."""

from __future__ import annotations

import json
import os
import stat
import sys
from importlib.machinery import EXTENSION_SUFFIXES

from blocklint import __version__
from blocklint.findings import Finding

MAX_RULES_DIR_FILES = 1_000  # above this many .py files in the rules folders, nothing is cached
_FORMAT = 4  # bump when what a fingerprint describes changes (an entry's layout: `cache_store.PACK_FORMAT`)
_OWN_SUFFIXES = (".py", ".json", *EXTENSION_SUFFIXES)  # the files of blocklint a result depends on


class _Uncacheable(Exception):
    """The document depends on something this cache cannot fingerprint safely."""


# --- fingerprints --------------------------------------------------------------------------


try:  # as the standard library's `random` does: importing hashlib (OpenSSL) costs ~2.5 ms, and a
    # warm run hashes only small texts (its fingerprint, its packs' names); bytes hashed in bulk,
    # the files a cold run reads, go through hashlib's faster SHA-256 (`bytes_digest`)
    from _sha2 import sha256 as _small_sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256 as _small_sha256  # Python 3.11
    except ImportError:
        from hashlib import sha256 as _small_sha256


def bytes_digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _digest(*parts) -> str:
    hasher = _small_sha256()
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
        return bytes_digest(read_bounded(path))
    except OSError:
        return None


def _stat_stamp(path) -> list | None:
    """Size and mtime of a file (a path, or an `os.DirEntry`, whose stat is asked once); a directory
    is only marked as one (its entries are listed by name, and its own mtime changes whenever
    something, this cache included, is created in it)."""
    try:
        found = path.stat() if isinstance(path, os.DirEntry) else os.stat(path)
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
        # a catalogue's stand-in (`blocklint.catalogue.Deferred`) knows its module's file unimported
        source = getattr(function, "__blocklint_source__", None) or getattr(
            sys.modules.get(getattr(function, "__module__", "") or ""), "__file__", None)
        if source:
            files.add(os.path.abspath(source))
        else:  # a rule without a file (built in an interactive session): its code object
            code = getattr(function, "__code__", None)
            files.add("code:" + (bytes_digest(code.co_code) if code else repr(function)))
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


def _own_directories() -> list[str]:
    """The folders of blocklint's own packages (the built-in rules' among them)."""
    return [directory for package in ("blocklint", "blocklint.rules")
            for directory in getattr(sys.modules.get(package), "__path__", ()) or ()]


_PACKAGE_STAMP: list = []


def package_stamp() -> str:
    """The digest of the size and mtime of each of blocklint's own source files and of its native
    extension (the tree builder's searches decide findings too): an edited checkout, or one whose
    extension was rebuilt, is a new version.

    Made once per process: the plan's fingerprint and the rule catalogue's name
    (`blocklint.catalogue`) both read it, and the code already imported would not change with it."""
    if not _PACKAGE_STAMP:
        _PACKAGE_STAMP.append(_digest(_canonical(_walk_package())))
    return _PACKAGE_STAMP[0]


def _walk_package() -> list:
    """[path, size and mtime] of each of blocklint's own files, folder by folder in name order."""
    stamps: list = []
    walked: list[str] = []
    for directory in _own_directories():
        if any(os.path.join(directory, "").startswith(os.path.join(done, "")) for done in walked):
            continue  # the built-in rules' folder, inside the package's: walked with it
        walked.append(directory)
        _stamp_folder(directory, stamps)
    return stamps


def _stamp_folder(directory: str, stamps: list):
    """As `os.walk` would go (files first, then each folder but `__pycache__`, links to folders not
    followed), with the stat `os.scandir` already holds: ~0.2 ms less at every start."""
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=_name)
    except OSError:
        return
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if entry.name != "__pycache__" and not entry.is_symlink():
                folders.append(entry.path)
        elif entry.name.endswith(_OWN_SUFFIXES):
            stamps.append([entry.path, _stat_stamp(entry)])
    for folder in folders:
        _stamp_folder(folder, stamps)


def _name(entry: os.DirEntry) -> str:
    return entry.name


def plan_fingerprint(plan) -> str:
    """A stable hash of everything in `plan` that can change a file's findings."""
    settings, load = plan.settings, plan.load
    options = settings.options or {}
    severity = settings.severity or {}
    env = getattr(load, "env", {}) or {}
    specs = getattr(settings.specs, "documents", None) or []
    # blocklint's own modules are in `package_stamp` (size and mtime): read and hashed, the
    # built-in rule modules cost ~0.9 ms at every start; plugins and rules-dirs are hashed
    own = tuple(os.path.join(os.path.abspath(directory), "") for directory in _own_directories())
    code = {path: (path if path.startswith("code:") else "in the package stamp" if path.startswith(own)
                   else _file_digest(path))
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
        "package": package_stamp(),
    }
    return _digest(_canonical(described))
