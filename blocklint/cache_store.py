"""One `.blocklint_cache` directory on disk (`blocklint/cache.py` decides what goes in it): packs
of entries as plain JSON files, written atomically (`PackStore`), a pack as a run holds it and writes
it back (`Pack`), and findings in and out of JSON, checked field by field
on the way in (an entry is never trusted: a checkout may carry a crafted one); an entry's result,
what may not be kept in one (a credential), and the lines its findings are framed with."""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

from blocklint.findings import Edit, Finding, Fix

CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by blocklint.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")
_COUNTER = itertools.count()  # temporary file names, unique within a process


_FIELD_TYPES = {"file": str, "line": int, "column": int, "end_line": int, "end_column": int, "rule": str,
                "name": str, "severity": str, "message": str, "path": list, "evidence": str, "suggestion": str,
                "related": list}
# every field of a Finding but `fix`, which `_fix` checks (tests/test_cache.py holds this list complete:
# a field missing here would make every cached finding a miss)


def finding_from_json(item) -> Finding:
    """A Finding from an entry's list of its fields; ValueError if it is not one."""
    if not isinstance(item, list) or len(item) != len(Finding._fields):
        raise ValueError("not a finding")
    types = [*map(type, item)]
    types[_FIX] = None
    if types != _TYPES:  # each field's type, in one comparison
        name = next(name for name, found, wanted in zip(Finding._fields, types, _TYPES) if found is not wanted)
        raise ValueError(f"finding field {name} of the wrong type")
    values = item.copy()
    values[_PATH] = _path(values[_PATH])
    values[_FIX] = _fix(values[_FIX])
    related = values[_RELATED]
    if related:  # most findings relate to no other place
        if not all(isinstance(place, list) for place in related):
            raise ValueError("not a list of paths")
        values[_RELATED] = tuple(_path(place) for place in related)
    else:
        values[_RELATED] = ()
    return Finding._make(values)


_PATH = Finding._fields.index("path")
_FIX = Finding._fields.index("fix")
_RELATED = Finding._fields.index("related")
_TYPES = [_FIELD_TYPES.get(name) for name in Finding._fields]  # None: the fix, checked on its own


def _fix(value) -> Fix | None:
    """A finding's `Fix` from JSON (`[[[start, end, replacement, original], ...], safe, title]`,
    or null); ValueError if it is not one."""
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], list) and value[0]
            and type(value[1]) is bool and type(value[2]) is str):
        raise ValueError("not a fix")
    edits = []
    for edit in value[0]:
        if not (isinstance(edit, list) and len(edit) == 4 and type(edit[0]) is int and type(edit[1]) is int
                and type(edit[2]) is str and (edit[3] is None or type(edit[3]) is str)):
            raise ValueError("not an edit")
        edits.append(Edit(*edit))
    return Fix(tuple(edits), value[1], value[2])


def finding_to_json(finding: Finding) -> list:
    """A finding as JSON can carry it. A path part that is a `Key` (the finding points at a
    mapping's key, not its value: fixes rename keys) is kept as `{"key": name}`."""
    from blocklint.engine.api import Key

    def path(parts) -> list:
        return [{"key": str(part)} if isinstance(part, Key) else part for part in parts]

    values = list(finding)
    values[_PATH] = path(finding.path)
    values[_RELATED] = [path(place) for place in finding.related]
    return values


def _path(parts) -> tuple:
    """A node path from JSON: names and indexes as they are (JSON gives exact `str` and `int`; a
    bool is no index), a `{"key": name}` a `Key`."""
    if all(type(part) is str or type(part) is int for part in parts):
        return tuple(parts)
    return tuple(_path_part(part) for part in parts)


def _path_part(part):
    if isinstance(part, dict) and set(part) == {"key"} and isinstance(part["key"], str):
        from blocklint.engine.api import Key

        return Key(part["key"])
    if isinstance(part, (str, int)) and not isinstance(part, bool):
        return part
    raise ValueError("not a path part")


# A folder's pack holds an entry of a few hundred bytes per file (more with findings): a larger
# one was not written by blocklint, and is not read into memory.
MAX_PACK_BYTES = 64 * 1024 * 1024


class PackStore:
    """One `.blocklint_cache` directory: one JSON file (a pack) per run context and folder,
    holding the entry of every file of that folder checked in that context, by path.

    A pack is read once per run and written once at its end, when something in it changed: a
    thousand entries cost one file, not a thousand (creating a file costs ~1 ms of system time).
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self._ready = False

    def _path(self, name: str) -> str:
        return os.path.join(self.directory, f"{name}.json")

    def read(self, name: str) -> dict:
        """Pack `name` as written; empty when it is missing, partial, corrupt, no regular file or
        larger than `MAX_PACK_BYTES` (a checkout may carry any of these; its version and entries
        are the caller's to check)."""
        from blocklint.load import read_bounded

        try:
            pack = json.loads(read_bounded(self._path(name), MAX_PACK_BYTES, what="cache pack"))
        except (OSError, ValueError, RecursionError):
            return {}
        return pack if isinstance(pack, dict) else {}

    def write(self, name: str, text: str):
        """Write a pack atomically: a temporary file of this process, then `os.replace` (two runs
        at once: the last one's pack wins, the other's new entries are simply missed next time)."""
        target = self._path(name)
        temporary = os.path.join(self.directory, f".tmp-{os.getpid()}-{next(_COUNTER)}.json")
        try:
            if not self._ready:
                self._prepare()
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(handle, "w", encoding="ascii") as stream:
                    stream.write(text)
                os.replace(temporary, target)
            except BaseException:
                _remove(temporary)
                raise
        except OSError:
            pass  # a read-only checkout, a full disk, a leftover name: run without the cache

    def _prepare(self):
        import tempfile

        if self.directory.is_symlink() or (self.directory.exists() and not self.directory.is_dir()):
            # a checkout's `.blocklint_cache` link would make blocklint write wherever it points
            raise OSError(f"{self.directory} is not a directory of its own")
        self.directory.mkdir(exist_ok=True)
        for name, text in ((".gitignore", "# Created by blocklint automatically.\n*\n"),
                           ("CACHEDIR.TAG", CACHEDIR_TAG)):
            marker = self.directory / name
            if not marker.exists():
                handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
                with os.fdopen(handle, "w", encoding="ascii") as stream:
                    stream.write(text)
                os.replace(temporary, marker)
        self._ready = True


class Pack:
    """The entries of one run context (a plan's fingerprint, a working directory) as loaded at its
    first use, and those this process changed since, written back at the end of the run.

    The files of a folder share their dependencies (the artifact directory their specs name, the
    registry): a pack holds each list of dependencies once (`deps`), and an entry read from disk
    its index there. Read in one piece, that halves a pack, and each list is checked once a run."""

    __slots__ = ("name", "store", "version", "entries", "changed", "deps", "current")

    def __init__(self, name: str, store: PackStore, version: str):
        self.name, self.store, self.version = name, store, version  # the version: blocklint's, of the entries
        pack = store.read(name)
        valid = pack.get("version") == version and pack.get("format") == PACK_FORMAT
        entries, deps = (pack.get("entries"), pack.get("deps")) if valid else (None, None)
        self.entries = entries if isinstance(entries, dict) else {}
        self.deps = deps if isinstance(deps, list) else []
        self.current: dict = {}  # index in `deps` -> whether they are as they were (once per run)
        self.changed: dict = {}

    def dependencies(self, entry: list):
        """An entry's list of dependencies (an entry kept in this run holds its own)."""
        deps = entry[DEPS]
        if type(deps) is int:
            return self.deps[deps] if 0 <= deps < len(self.deps) else None
        return deps

    def shared(self, entries: dict) -> tuple[dict, list]:
        """`entries` as written: each list of dependencies once, each entry with its index (a
        value of another shape is left out)."""
        written, table, index = {}, [], {}
        for key, entry in entries.items():
            if not is_entry(entry):
                continue
            deps = self.dependencies(entry)
            text = json.dumps(deps, ensure_ascii=True, allow_nan=True, separators=(",", ":"))
            position = index.get(text)
            if position is None:
                position = index[text] = len(table)
                table.append(deps)
            written[key] = entry = entry.copy()
            entry[DEPS] = position
        return written, table

    def save(self):
        """Write the pack once: what it held, with this run's entries in place of those of the same
        files. Never raises: a pack that cannot be written is simply missed."""
        try:
            entries, deps = self.shared({**self.entries, **self.changed})
            text = json.dumps({"version": self.version, "format": PACK_FORMAT, "deps": deps, "entries": entries},
                              ensure_ascii=True, allow_nan=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return
        self.store.write(self.name, text)
        self.entries, self.deps, self.current, self.changed = entries, deps, {}, {}


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


# --- an entry -------------------------------------------------------------------------------

# A pack's version of the layout of its entries: a pack of another one is a miss.
PACK_FORMAT = 2
# An entry is a list of these, in this order (not a mapping: without its field names repeated in
# every entry, a pack of a thousand files is a fifth smaller and decodes in two thirds of the time).
ENTRY_FIELDS = ("explicit", "digest", "stat", "path", "kind", "skipped", "findings", "deps", "frame")
EXPLICIT, DIGEST, STAT, PATH, KIND, SKIPPED, FINDINGS, DEPS, FRAME = range(len(ENTRY_FIELDS))
ENTRY_SIZE = len(ENTRY_FIELDS)


def is_entry(entry) -> bool:
    """Whether a value read from a pack has an entry's shape (its fields are checked where read)."""
    return type(entry) is list and len(entry) == ENTRY_SIZE


def hit_of(entry: list):
    """An entry's result as `Lookup.hit` holds it; None when the entry is not a valid one."""
    try:
        path, kind, skipped = entry[PATH], entry[KIND], entry[SKIPPED]
        if type(path) is not str or not (kind is None or type(kind) is str) or type(skipped) is not bool:
            return None
        findings = entry[FINDINGS]
        if type(findings) is not list:
            return None
        return path, kind, [] if findings == [] else [finding_from_json(item) for item in findings], skipped
    except (TypeError, ValueError):
        return None


def quotes_a_credential(path: str, findings) -> bool:
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


class FrameLines:
    """The lines of a file its findings are on, as the text reporter's code frames read a file's
    lines (`len`, `[index]`): kept in a cache entry, so a warm run reads no file to frame them."""

    __slots__ = ("count", "lines")

    def __init__(self, count: int, lines: dict):
        self.count, self.lines = count, lines  # {"line number": text}

    def __len__(self):
        return self.count

    def __getitem__(self, index: int) -> str:
        return self.lines[str(index + 1)]

    def covers(self, findings) -> bool:
        """Whether every finding's line is held (or past the end, where a frame shows nothing)."""
        return all(not 1 <= finding.line <= self.count or str(finding.line) in self.lines for finding in findings)


def frame_lines(raw, path: str, findings) -> list | None:
    """[line count, {line: text}] of the lines `findings` of the file `path` (its bytes `raw`) are
    on, as the text reporter reads them (`report.text.source_lines`). None when the bytes were not
    read, for a rule whose frame masks a secret, or when a line holds what the secret detector
    masks: an entry is a file on disk."""
    if raw is None or not findings:
        return None
    from blocklint.report.text import MASKED_RULES, MAX_SOURCE_BYTES
    from blocklint.secrets import DETECTOR_ONLY
    from blocklint.words import split_lines

    if len(raw) > MAX_SOURCE_BYTES or any(f.rule in MASKED_RULES for f in findings):
        return None
    lines = split_lines(raw.decode("utf-8", errors="replace"))
    held = {str(f.line): lines[f.line - 1] for f in findings if f.file == path and 1 <= f.line <= len(lines)}
    if any(DETECTOR_ONLY.spans(text) for text in held.values()):
        return None
    return [len(lines), held]


def frame_of(entry: list) -> FrameLines | None:
    """An entry's `FrameLines`; None when it holds none, or holds what is not one (a line count
    `len()` could not return: a code frame asks for it)."""
    frame = entry[FRAME]
    if not (isinstance(frame, list) and len(frame) == 2 and type(frame[0]) is int and 0 <= frame[0] <= sys.maxsize
            and isinstance(frame[1], dict)):
        return None
    if not all(type(text) is str for text in frame[1].values()):
        return None
    return FrameLines(*frame)
