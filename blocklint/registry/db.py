"""The registry's SQLite file: tables, connections, transactions and migrations.

Consistency: each write is one `BEGIN IMMEDIATE` transaction (a spec, its first release and its
artifact land together or not at all), the database runs in WAL mode, and names are unique by
constraint, so two writers at once serialise instead of losing or duplicating anything.

JSON columns are written with `dumps` (finite numbers only) and read with `loads`, which turns
the `NaN`/`Infinity` that blocklint 0.1.0 could store into `null`, so that no stored row can make
an answer fail; `migrate` rewrites such rows once when an old file is opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS specs (
    id TEXT PRIMARY KEY,
    family TEXT NOT NULL CHECK (family IN ('blocks', 'apps')),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    featured INTEGER NOT NULL DEFAULT 0,
    scope TEXT NOT NULL DEFAULT 'private',
    tenants TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (family, name)
);
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY,
    spec_id TEXT NOT NULL REFERENCES specs(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (spec_id, version)
);
CREATE TABLE IF NOT EXISTS releases (
    id TEXT PRIMARY KEY,
    spec_id TEXT NOT NULL REFERENCES specs(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    seq INTEGER NOT NULL,
    notes TEXT,
    config TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    auto_run INTEGER,
    artifact_id TEXT REFERENCES artifacts(id),
    created_at TEXT NOT NULL,
    UNIQUE (spec_id, version),
    UNIQUE (spec_id, seq)
);
CREATE TABLE IF NOT EXISTS deployments (
    id TEXT PRIMARY KEY,
    family TEXT NOT NULL CHECK (family IN ('blocks', 'apps')),
    name TEXT NOT NULL,
    spec_id TEXT NOT NULL REFERENCES specs(id),
    parent_id TEXT REFERENCES deployments(id) ON DELETE CASCADE,
    metadata TEXT NOT NULL,
    status TEXT NOT NULL,
    run_parameters TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS deployments_name ON deployments (family, name) WHERE parent_id IS NULL;
CREATE TABLE IF NOT EXISTS revisions (
    id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    release_version TEXT NOT NULL,
    notes TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (deployment_id, revision)
);
"""

# The JSON columns, by table: what `migrate` rewrites when an old file holds non-finite numbers.
JSON_COLUMNS = {"specs": ("metadata", "tenants"), "releases": ("config", "parameters"),
                "deployments": ("metadata", "run_parameters"), "revisions": ("body",)}
SCHEMA_VERSION = 2  # 1: blocklint 0.1.0; 2: no NaN/Infinity in JSON columns


def now() -> str:
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id() -> str:
    return str(uuid.uuid4())


def dumps(value) -> str:
    """A JSON column's text (finite numbers only: the door refuses the others)."""
    return json.dumps(value, sort_keys=True, allow_nan=False)


def _no_constant(name: str):
    return None  # NaN, Infinity, -Infinity written by 0.1.0: read as null


def loads(text, default=None):
    """A JSON column's value; non-finite numbers stored by blocklint 0.1.0 come back as null."""
    if not text:
        return default
    return json.loads(text, parse_constant=_no_constant)


def migrate(db: sqlite3.Connection) -> None:
    """Create the tables, then bring a file written by an older blocklint up to `SCHEMA_VERSION`."""
    db.executescript(SCHEMA)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, columns in JSON_COLUMNS.items():
            for column in columns:
                rows = db.execute(f"SELECT rowid, {column} FROM {table} "  # noqa: S608 - names from the constant above
                                  f"WHERE {column} LIKE '%NaN%' OR {column} LIKE '%Infinity%'").fetchall()
                for rowid, text in rows:
                    db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",  # noqa: S608
                               (json.dumps(loads(text), sort_keys=True, allow_nan=False), rowid))
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _while_locked(step, seconds: float = 60.0):
    """Run `step`, again while SQLite says the database is locked. Switching a new file to WAL
    and creating its tables do not wait on SQLite's busy handler, so two processes opening a
    fresh registry at once would otherwise fail ("database is locked")."""
    import random
    import time

    deadline = time.monotonic() + seconds
    while True:
        try:
            return step()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.01, 0.1))


STATE_FOLDER = ".blocklint"
# Everything in the folder is ignored, this file included, so `git status` stays clean after a
# submit; the files the docs suggest keeping there to share (a baseline, exported schemas) are
# not state, and stay trackable.
STATE_GITIGNORE = """\
# Created by blocklint: its local state (the registry `blocklint submit` fills) stays out of git.
# A baseline and exported schemas kept here are yours to track.
*
!baseline.json
!schemas/
!schemas/**
"""


def keep_out_of_git(directory: Path):
    """Create `directory` if needed, and keep its state out of git, as `.ruff_cache/` does: a
    folder blocklint creates, or a `.blocklint/` without one, gets a `.gitignore` that ignores
    everything but a baseline and exported schemas. A folder of the user's own (a
    `$BLOCKLINT_REGISTRY` elsewhere) and a `.gitignore` already there are left alone."""
    created = not directory.is_dir()
    if created:
        directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not (created or directory.name == STATE_FOLDER) or ignore.exists():
        return
    try:
        ignore.write_text(STATE_GITIGNORE, encoding="utf-8")
    except OSError:
        pass  # a folder we cannot write into fails on the database next, with a clearer message


class Database:
    """One SQLite connection per thread over the registry file, and write transactions."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        keep_out_of_git(self.path.parent)
        self._local = threading.local()
        _while_locked(lambda: migrate(self._db()))

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 60000")
            _while_locked(lambda: db.execute("PRAGMA journal_mode = WAL"))
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _write(self):
        """One `BEGIN IMMEDIATE` transaction: committed when the block ends, rolled back on any error."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
