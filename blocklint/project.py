"""The project a run checks: the Press documents under one root, found by path, kind and name.

Documents point at each other (a deployment at its spec, a revision at its deployment, an app
spec at its blocks, a release at its spec), by a path relative to the file or by a spec's or
deployment's name. A `Project` answers those references for every front door from one index:

- the root is the configuration's folder, else the git work tree's top, else the working directory
  (`blocklint.project_root`); nothing outside it is read;
- a path is loaded directly, once per run, whatever the number of files that name it;
- a name is found without parsing the whole tree: the index holds, per file, the values its
  first bytes give to `name` keys, and only the files that give the name wanted are loaded in
  full (a run that follows only paths walks nothing; one that looks a name up reads one bounded
  prefix per file, once per run);
- what each check read is recorded (`recording`), so a result cache can tell when a file's
  findings may have changed because a document it referenced did.
"""

from __future__ import annotations

import os
import re
import stat
from collections import namedtuple
from pathlib import Path

from blocklint.words import SPEC_SUFFIXES

# Folders never walked for documents: version control, virtualenvs, caches.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules",
                          "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".blocklint",
                          ".blocklint_cache", "site-packages", ".eggs"})
PREFIX_BYTES = 64 << 10  # how much of a file is read to decide whether it may hold a name
MAX_INDEXED_FILES = 100_000
# Documents a run checked kept for a reference later in the run (the most recent only: a spec
# and the deployment next to it). Each kept document costs CPU on every file after it (the
# collector walks it between files, and it is freed later, out of the CPU's caches): on 400
# specs, keeping 64 cost 12 %, 16 cost 6.5 %, none 0.5 %; on 1,000 specs with two workers,
# keeping 8 cost 5-8 % more CPU than keeping 2 or none. Two, as the file being checked is
# adopted before its references are followed: the second is the file checked before it.
MAX_ADOPTED = 2
# a platform id, compiled on first use (`re` keeps it): a run answered from the result cache meets none
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ANY_FILE = "*"  # recorded for a name looked for and not found: what was read is the whole project  # a walk of the project stops here (a name beyond it is not found)


class Resolved(namedtuple("Resolved", [  # not a frozen dataclass: ~0.8 ms less at every start
    "document",  # a loaded `blocklint.load.Document`, or None
    "tried",
])):
    """What a reference names: the document found (or None), and what was tried to find it."""

    __slots__ = ()


class Project:
    """The Press documents under `root`; see the module docstring. One per run and root, shared
    by every file the run checks."""

    def __init__(self, root, load_settings):
        self.root = Path(os.path.realpath(root))
        self._inside_prefix = os.path.join(str(self.root), "")
        # referenced files are what they are, whatever --kind forces
        self.load_settings = load_settings.with_kind(None)
        self._loaded: dict[str, object] = {}  # real path -> Document (None: not a document)
        self._adopted: dict[str, object] = {}  # real path -> Document checked lately (`adopt`)
        self._files: list[str] | None = None
        self._index: dict[str, frozenset] = {}  # real path -> the names its first bytes give
        self._recordings: list[set] = []
        self.loads = 0  # files parsed in full
        # An editor's session: the texts of the documents open in it (real path -> text), read
        # instead of the files; `forget` is called when one changes, on disk or in the editor.
        self.open_texts: dict[str, str] = {}

    # --- reading ---------------------------------------------------------------------------

    def inside(self, path) -> str | None:
        """The real path of `path` if it lies under the root, else None."""
        real = os.path.realpath(path)
        return real if Path(real).is_relative_to(self.root) else None

    def load(self, path):
        """The document at `path` (a regular file under the root), loaded once per run; None
        when it is not one (absent, outside, unreadable or no Press document)."""
        real = self.inside(path)
        if real is None:
            return None
        self._record(real)
        if real not in self._loaded:
            adopted = self._adopted.pop(real, None)
            self._loaded[real] = adopted if adopted is not None else self._load(real)
        doc = self._loaded[real]
        for included in getattr(doc, "reads", ()):
            self._record(included)
        return doc

    def loaded(self, path):
        """The document at `path` if this run already loaded it in full, else None. Looked up by
        absolute path, not resolving links (a path through a link is parsed again): a run over
        files nothing refers to does not pay a `realpath` per file."""
        if not self._loaded and not self._adopted:
            return None
        key = os.path.abspath(path)  # a key is a real path: found only when `path` has no link
        return self._loaded.get(key) or self._adopted.get(key)

    def adopt(self, path, doc) -> None:
        """A document the run loaded to check it: a reference to it later in the run (among the
        next `MAX_ADOPTED` files checked) uses it instead of parsing the file again."""
        key = os.path.abspath(path)  # as `loaded`: a path through a link is not kept
        if doc.kind is None or key in self._loaded or not key.startswith(self._inside_prefix):
            return
        if len(self._adopted) >= MAX_ADOPTED:
            del self._adopted[next(iter(self._adopted))]
        self._adopted[key] = doc

    def forget(self, real: str) -> None:
        """Drop what the project knows of the file at real path `real` (it changed, appeared or
        went away): the next reference to it reads it again, and a name is looked up afresh."""
        self._loaded.pop(real, None)
        self._adopted.pop(real, None)
        self._index.pop(real, None)
        if self._files is not None and (real in self._files) != os.path.isfile(real):
            self._files = None  # added or removed: the walk is redone on the next name looked up

    def _load(self, real: str):
        from blocklint.load import load_path, load_text

        if real in self.open_texts:
            doc = load_text(self.open_texts[real], real, self.load_settings, file_path=Path(real))
            return doc if doc.kind is not None else None
        if not os.path.isfile(real):
            return None
        try:
            doc = load_path(real, self.load_settings)
        except OSError:
            return None
        self.loads += 1
        return doc if doc.kind is not None else None

    def resolve(self, ref, base, kinds, what: str) -> Resolved:
        """The document of one of `kinds` that `ref` names, from the file in folder `base`: a
        path relative to `base`, else a `metadata.name` in the project."""
        if not isinstance(ref, str) or not ref.strip():
            return Resolved(None, f"no {what} named")
        if looks_like_path(ref):
            path = Path(base or ".", ref)
            if self.inside(path) is None:
                return Resolved(None, f"{ref!r} is outside the project at {os.path.relpath(self.root)}")
            doc = self.load(path)
            if doc is None:
                state = "does not exist" if not os.path.exists(path) else "is no Press document blocklint can read"
                return Resolved(None, f"{ref!r} (relative to {base or '.'}) {state}")
            if doc.kind not in kinds:
                return Resolved(None, f"{ref!r} is a {doc.kind}, not a {what}")
            return Resolved(doc, f"the file {ref!r}")
        if is_platform_id(ref):
            return Resolved(None, f"{ref!r} is a platform id, not a file or name in the project")
        doc = self.named(ref, kinds)
        if doc is None:
            return Resolved(None, f"no {what} named {ref!r} in the project at {os.path.relpath(self.root)}")
        return Resolved(doc, f"the {what} named {ref!r}")

    def named(self, name: str, kinds):
        """The document of one of `kinds` whose `metadata.name` is `name` (the first by path).
        Only the files whose first bytes name it (`names_in`) are loaded to be sure."""
        found = None
        for path in self.files():
            if name in self._names(path):
                doc = self.load(path)
                if doc is not None and doc.kind in kinds and document_name(doc) == name:
                    found = doc
                    break
        if found is None:
            self._record(ANY_FILE)  # a file added anywhere could hold the name
        return found

    def documents(self):
        """Every Press document of the project, by path (each loaded in full)."""
        for path in self.files():
            doc = self.load(path)
            if doc is not None:
                yield doc

    # --- the index -------------------------------------------------------------------------

    def files(self) -> list[str]:
        """The real paths of the files under the root that may be documents, in a stable order;
        walked once per run, on the first name looked up."""
        if self._files is None:
            found = []
            for directory, subdirs, names in os.walk(self.root):
                subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith(".")
                                    and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg")))
                found.extend(os.path.join(directory, name) for name in sorted(names) if name.endswith(SPEC_SUFFIXES))
                if len(found) >= MAX_INDEXED_FILES:
                    break
            self._files = [path for path in found[:MAX_INDEXED_FILES] if self.inside(path)]
        return self._files

    def _names(self, path: str) -> frozenset:
        if path not in self._index:
            text = self.open_texts.get(path)
            prefix = text.encode("utf-8", "replace")[:PREFIX_BYTES] if text is not None else read_prefix(path)
            self._index[path] = names_in(prefix)
        return self._index[path]

    # --- what a check read -----------------------------------------------------------------

    def recording(self) -> _Recording:
        """Collect the real paths of the documents read (or looked for) while the `with` block
        runs (a context manager yielding the set of them)."""
        return _Recording(self._recordings)

    def _record(self, real: str):
        for reads in self._recordings:
            reads.add(real)


def is_platform_id(ref: str) -> bool:
    """Whether `ref` is a platform id (a UUID), not a file or a name in the project."""
    return re.match(_UUID, ref) is not None


class _Recording:
    """`Project.recording()`: a class rather than a `contextlib.contextmanager`, so that a run
    answered from the result cache imports no `contextlib`."""

    def __init__(self, recordings: list):
        self._recordings = recordings
        self._reads: set = set()

    def __enter__(self) -> set:
        self._recordings.append(self._reads)
        return self._reads

    def __exit__(self, *exception):
        self._recordings.remove(self._reads)


# compiled on first use (`re` keeps it): a run answered from the result cache looks for no name
_NAME_VALUE = rb"""\bname["']?\s*:\s*["']?([^\s"',}#]+)"""


def names_in(prefix: bytes) -> frozenset:
    """Every value given to a `name` key in a file's first bytes, YAML or JSON, block or flow
    style: a superset of its `metadata.name` (a templated name is not found by name)."""
    return frozenset(match.decode("utf-8", "replace") for match in re.findall(_NAME_VALUE, prefix))


def read_prefix(path: str) -> bytes:
    """The first `PREFIX_BYTES` of a regular file (b"" for anything else: a FIFO never blocks)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return b""
        return os.read(descriptor, PREFIX_BYTES)
    except OSError:
        return b""
    finally:
        os.close(descriptor)


def looks_like_path(ref: str) -> bool:
    """A reference that names a file rather than a name or an id."""
    return "/" in ref or ref.endswith(SPEC_SUFFIXES)


def document_name(doc) -> str | None:
    """`metadata.name` of a loaded document's body."""
    body = doc.body if isinstance(doc.body, dict) else {}
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None
