"""What a half-finished write would leave in a registry file: the tests' check that a killed or
concurrent writer left the registry consistent (the registry itself never needs to ask)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def consistency_problems(path: str | Path) -> list[str]:
    """SQLite's integrity and foreign-key checks, a spec without a release and a deployment without
    a revision; empty when the registry is consistent."""
    with closing(sqlite3.connect(path, timeout=60)) as db:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
        problems += [f"foreign key: {tuple(row)}" for row in db.execute("PRAGMA foreign_key_check").fetchall()]
        problems += [f"spec {name!r} has no release" for (name,) in db.execute(
            "SELECT name FROM specs WHERE NOT EXISTS (SELECT 1 FROM releases WHERE spec_id = specs.id)").fetchall()]
        problems += [f"deployment {name!r} has no revision" for (name,) in db.execute(
            "SELECT name FROM deployments WHERE NOT EXISTS "
            "(SELECT 1 FROM revisions WHERE deployment_id = deployments.id)").fetchall()]
    return problems
