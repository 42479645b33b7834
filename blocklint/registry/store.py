"""The registry: Press's blocks and apps API as methods over one SQLite file.

Every method answers what the Press API answers (the same dict shapes peak-sdk reads) or
raises a `RegistryError` carrying the HTTP status; `blocklint serve` is a thin HTTP layer over
these methods and `blocklint submit --target local` calls them directly.

Consistency: each write is one `BEGIN IMMEDIATE` transaction (a spec, its first release and its
artifact land together or not at all), the database runs in WAL mode, and names are unique by
constraint, so two writers at once serialise instead of losing or duplicating anything. The
documents are checked by the rule engine before the transaction starts; the transaction
re-checks what can change in between (names, versions).

Simulated platform behaviour: nothing is built or run. A deployment and each new revision are
`deployed` at once (the previous latest revision becomes `superseded`); redeploy is allowed in
the settled states (`deployed`, `failed`, `warning`) and makes a new revision of the latest one;
deleting a deployment removes it (and an app deployment's block deployments) at once.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from blocklint.registry import validate
from blocklint.registry.digest import artifact_digest
from blocklint.registry.errors import Conflict, Invalid, NotFound, RegistryError, TooLarge

FAMILIES = ("blocks", "apps")
MAX_ARTIFACT_BYTES = 10 * 2**20
CREATED_BY = "blocklint@localhost"
MASK = "*****"
SETTLED = ("deployed", "failed", "warning")
HOLD_ENV = "BLOCKLINT_REGISTRY_TEST_HOLD"  # tests only: pause inside a spec-create transaction

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


def _now() -> str:
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _new_id() -> str:
    return str(uuid.uuid4())


_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(version):
    """A sort key for semantic versions (pre-releases before their release), or None."""
    match = _SEMVER.match(str(version).strip())
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    if pre is None:
        tail = (1,)
    else:
        tail = (0, tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")))
    return (int(major), int(minor), int(patch), tail)


def _loads(text, default=None):
    return json.loads(text) if text else default


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True)


def _dict(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be a JSON object")
    return value


def _refuse(findings, what: str):
    if findings:
        count = len(findings)
        details = "; ".join(f"{f.rule} at {'.'.join(map(str, f.path)) or '(top)'}: {f.message}"
                            for f in findings[:5])
        raise Invalid(f"the {what} has {count} error{'s' if count != 1 else ''}: {details}",
                      [validate.finding_dict(f) for f in findings])


def _paginate(items: list, key: str, count_keys, page_size=None, page_number=None) -> dict:
    try:
        size = int(page_size) if page_size not in (None, "") else 25
        number = int(page_number) if page_number not in (None, "") else 1
    except (TypeError, ValueError):
        raise Invalid("pageSize and pageNumber must be integers") from None
    if size < 1 or number < 1:
        raise Invalid("pageSize and pageNumber must be at least 1")
    page = items[(number - 1) * size: number * size]
    result = {key: page, "pageCount": max(1, math.ceil(len(items) / size)), "pageNumber": number,
              "pageSize": size}
    for count_key in count_keys:
        result[count_key] = len(items)
    return result


def _sorted(items: list, sort, default: str, fields: dict) -> list:
    """`sort` is a list of `field:asc|desc`; `fields` maps a sort field to a key function."""
    orders = list(sort or []) or [default]
    for order in reversed(orders):
        name, _, direction = str(order).partition(":")
        if name not in fields:
            raise Invalid(f"cannot sort by {name!r}; sortable fields: {', '.join(fields)}")
        if direction not in ("", "asc", "desc"):
            raise Invalid(f"sort order {direction!r} must be asc or desc")
        items = sorted(items, key=fields[name], reverse=direction == "desc")
    return items


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _truthy(value):
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes")


class Registry:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        db = self._db()
        db.executescript(SCHEMA)

    # --- connections and transactions --------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 60000")
            db.execute("PRAGMA journal_mode = WAL")
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
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @staticmethod
    def _test_hold() -> None:
        marker = os.environ.get(HOLD_ENV)
        if marker:
            Path(marker).touch()
            time.sleep(120)

    # --- rows -----------------------------------------------------------------------------

    def _spec_row(self, spec_id: str, family: str | None = None):
        row = self._db().execute("SELECT * FROM specs WHERE id = ?", (spec_id,)).fetchone()
        if row is None or (family and row["family"] != family):
            what = {"blocks": "block spec", "apps": "app spec"}.get(family, "spec")
            raise NotFound(f"{what} {spec_id} not found")
        return row

    def _releases(self, spec_id: str) -> list:
        return self._db().execute("SELECT * FROM releases WHERE spec_id = ? ORDER BY seq", (spec_id,)).fetchall()

    def _latest_release(self, spec_id: str):
        return self._db().execute("SELECT * FROM releases WHERE spec_id = ? ORDER BY seq DESC LIMIT 1",
                                  (spec_id,)).fetchone()

    def _release_row(self, spec_id: str, version: str | None):
        if version in (None, ""):
            row = self._latest_release(spec_id)
        else:
            row = self._db().execute("SELECT * FROM releases WHERE spec_id = ? AND version = ?",
                                     (spec_id, str(version))).fetchone()
        if row is None:
            raise NotFound(f"release {version} of spec {spec_id} not found" if version
                           else f"spec {spec_id} has no release")
        return row

    def _deployment_row(self, deployment_id: str, family: str | None = None):
        row = self._db().execute("SELECT * FROM deployments WHERE id = ?", (deployment_id,)).fetchone()
        if row is None or (family and row["family"] != family):
            what = {"blocks": "block deployment", "apps": "app deployment"}.get(family, "deployment")
            raise NotFound(f"{what} {deployment_id} not found")
        return row

    def _latest_revision(self, deployment_id: str):
        return self._db().execute("SELECT * FROM revisions WHERE deployment_id = ? ORDER BY revision DESC LIMIT 1",
                                  (deployment_id,)).fetchone()

    def _artifact_row(self, artifact_id):
        if not artifact_id:
            return None
        return self._db().execute("SELECT id, version, digest, size FROM artifacts WHERE id = ?",
                                  (artifact_id,)).fetchone()

    # --- shapes -----------------------------------------------------------------------------

    def _release_dict(self, row, *, full: bool) -> dict:
        result = {"id": row["id"], "version": row["version"], "notes": row["notes"],
                  "createdAt": row["created_at"], "createdBy": CREATED_BY,
                  "autoRunOnDeploy": bool(row["auto_run"]) if row["auto_run"] is not None else False}
        if full:
            result["config"] = _loads(row["config"])
            result["parameters"] = _loads(row["parameters"], {})
            artifact = self._artifact_row(row["artifact_id"])
            if artifact is not None:
                result["artifact"] = {"id": artifact["id"], "version": artifact["version"],
                                      "digest": artifact["digest"], "size": artifact["size"]}
        return result

    def _spec_dict(self, row, *, full: bool = True) -> dict:
        latest = self._latest_release(row["id"])
        metadata = _loads(row["metadata"])
        metadata.update(createdAt=row["created_at"], createdBy=CREATED_BY,
                        updatedAt=row["updated_at"], updatedBy=CREATED_BY)
        result = {"id": row["id"], "kind": row["kind"], "featured": bool(row["featured"]),
                  "scope": row["scope"], "tenants": _loads(row["tenants"], []), "metadata": metadata,
                  "latestRelease": self._release_dict(latest, full=full) if latest else None}
        if full:
            result["parameters"] = _loads(latest["parameters"], {}) if latest else {}
        return result

    def _composed_body(self, spec, release) -> dict:
        metadata = {k: v for k, v in _loads(spec["metadata"]).items() if k != "status"}
        body = {"version": _loads(spec["schema_version"]), "kind": spec["kind"], "metadata": metadata,
                "release": {"version": release["version"]}, "config": _loads(release["config"])}
        if release["notes"] is not None:
            body["release"]["notes"] = release["notes"]
        return body

    def spec_as_cli_file(self, reference: str, version: str | None = None) -> dict | None:
        """The spec named by `reference` (an id, or a block then app spec name) as a peak CLI file."""
        db = self._db()
        spec = db.execute("SELECT * FROM specs WHERE id = ?", (reference,)).fetchone()
        if spec is None:
            spec = db.execute("SELECT * FROM specs WHERE name = ? ORDER BY family DESC", (reference,)).fetchone()
        if spec is None:
            return None
        try:
            release = self._release_row(spec["id"], version)
        except NotFound:
            return None
        return {"body": self._composed_body(spec, release), "parameters": _loads(release["parameters"], {})}

    def _pinned_resolver(self, spec_id: str, version: str):
        """`spec_as_cli_file`, answering for `spec_id` at the deployed `version`."""
        pins = {spec_id: version}
        for item in _loads(self._release_row(spec_id, version)["config"]) or []:
            # an app release pins the release of each of its blocks
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("release"), dict):
                pins.setdefault(item["id"], item["release"].get("version"))

        def resolve(reference, wanted=None):
            return self.spec_as_cli_file(reference, wanted or pins.get(reference))
        return resolve

    def _deployed_spec_file(self, spec_id: str, version: str | None) -> dict:
        spec = self._spec_row(spec_id)
        release = self._release_row(spec_id, version)
        return {"body": self._composed_body(spec, release), "parameters": _loads(release["parameters"], {})}

    # --- specs ------------------------------------------------------------------------------

    def _spec_cli_file(self, body, featured, scope, tenants, parameters, auto_run) -> dict:
        cli = {"body": body}
        for key, value in (("featured", featured), ("scope", scope), ("tenants", tenants),
                           ("parameters", parameters), ("autoRunOnDeploy", auto_run)):
            if value is not None:
                cli[key] = value
        return cli

    def _check_artifact(self, artifact):
        if artifact is not None and len(artifact) > MAX_ARTIFACT_BYTES:
            raise TooLarge(f"the artifact is {len(artifact) / 2**20:.1f} MiB compressed; the limit is 10 MiB")

    def _check_app_blocks(self, config) -> None:
        """Every block an app spec lists must exist with that release."""
        problems = []
        for index, item in enumerate(config if isinstance(config, list) else []):
            if not isinstance(item, dict):
                continue
            block_id = item.get("id")
            version = (item.get("release") or {}).get("version")
            row = self._db().execute("SELECT id FROM specs WHERE id = ? AND family = 'blocks'", (block_id,)).fetchone()
            if row is None:
                problems.append({"rule": "registry", "name": "unknown-block-spec", "severity": "error",
                                 "path": f"body.config.{index}.id", "message": f"no block spec {block_id}"})
            elif version is not None and self._db().execute(
                    "SELECT 1 FROM releases WHERE spec_id = ? AND version = ?", (block_id, str(version))).fetchone() is None:
                problems.append({"rule": "registry", "name": "unknown-block-release", "severity": "error",
                                 "path": f"body.config.{index}.release.version",
                                 "message": f"block spec {block_id} has no release {version}"})
        if problems:
            raise Invalid("the app spec names blocks that do not exist: "
                          + "; ".join(p["message"] for p in problems), problems)

    def create_spec(self, family: str, body, *, featured=None, scope=None, tenants=None, parameters=None,
                    auto_run=None, artifact: bytes | None = None, validate_only: bool = False) -> dict:
        body = _dict(body, "spec")
        kind = body.get("kind")
        if family == "apps" and kind != "app":
            raise Invalid(f"an app spec has kind 'app', not {kind!r}")
        if family == "blocks" and kind == "app":
            raise Invalid("an app spec goes to v1/apps/specs/, not v1/blocks/specs/")
        self._check_artifact(artifact)
        cli = self._spec_cli_file(body, featured, scope, tenants, parameters, auto_run)
        try:
            with validate.unpacked(artifact) as artifact_dir:
                if artifact_dir is not None:
                    cli["artifact"] = {"path": artifact_dir}
                findings = validate.check("app-spec" if family == "apps" else "block-spec", cli)
        except validate.UnsafeArtifact as error:
            raise Invalid(str(error)) from None
        _refuse(findings, "spec")
        if family == "apps":
            self._check_app_blocks(body.get("config"))
        if validate_only:
            return {"success": True, "message": "The spec is valid"}
        metadata = dict(body["metadata"])
        metadata.setdefault("status", "available")
        name, release = metadata["name"], body["release"]
        spec_id, now = _new_id(), _now()
        with self._write() as db:
            if db.execute("SELECT 1 FROM specs WHERE family = ? AND name = ?", (family, name)).fetchone():
                raise Conflict(f"a {'block' if family == 'blocks' else 'app'} spec named {name!r} already exists")
            db.execute("INSERT INTO specs (id, family, name, kind, schema_version, featured, scope, tenants, "
                       "metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (spec_id, family, name, kind, json.dumps(body.get("version", 1)), int(bool(_truthy(featured))),
                        scope or "private", json.dumps(tenants or []), _dumps(metadata), now, now))
            self._test_hold()
            self._insert_release(db, spec_id, 1, release, body.get("config"), parameters, auto_run, artifact, now)
        return {"id": spec_id}

    def _insert_release(self, db, spec_id, seq, release, config, parameters, auto_run, artifact, now) -> str:
        artifact_id = None
        if artifact is not None:
            artifact_id = _new_id()
            version = db.execute("SELECT COUNT(*) FROM artifacts WHERE spec_id = ?", (spec_id,)).fetchone()[0] + 1
            db.execute("INSERT INTO artifacts (id, spec_id, version, digest, size, data) VALUES (?, ?, ?, ?, ?, ?)",
                       (artifact_id, spec_id, version, artifact_digest(artifact), len(artifact), artifact))
        release_id = _new_id()
        db.execute("INSERT INTO releases (id, spec_id, version, seq, notes, config, parameters, auto_run, "
                   "artifact_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (release_id, spec_id, str(release["version"]), seq, release.get("notes"), _dumps(config),
                    _dumps(parameters or {}), None if auto_run is None else int(bool(_truthy(auto_run))),
                    artifact_id, now))
        return release_id

    def list_specs(self, family: str | None, *, status=None, featured=None, name=None, title=None, sort=None,
                   scope=None, kind=None, term=None, page_size=None, page_number=None) -> dict:
        rows = self._db().execute("SELECT * FROM specs" + (" WHERE family = ?" if family else ""),
                                  (family,) if family else ()).fetchall()
        statuses, scopes, kinds = set(_as_list(status)), set(_as_list(scope)), set(_as_list(kind))
        featured = _truthy(featured)
        items = []
        for row in rows:
            metadata = _loads(row["metadata"])
            if statuses and metadata.get("status") not in statuses:
                continue
            if featured is not None and bool(row["featured"]) != featured:
                continue
            if name and not row["name"].startswith(name):
                continue
            if title and not str(metadata.get("title") or "").startswith(title):
                continue
            if scopes and row["scope"] not in scopes:
                continue
            if kinds and row["kind"] not in kinds:
                continue
            if term and term.lower() not in f"{row['name']} {metadata.get('title') or ''}".lower():
                continue
            items.append(self._spec_dict(row, full=False))
        items = _sorted(items, sort, "createdAt:desc", {
            "createdAt": lambda s: s["metadata"]["createdAt"], "createdBy": lambda s: s["metadata"]["createdBy"],
            "name": lambda s: s["metadata"]["name"], "title": lambda s: str(s["metadata"].get("title") or ""),
            "updatedAt": lambda s: s["metadata"]["updatedAt"]})
        return _paginate(items, "specs", ("specsCount", "specCount"), page_size, page_number)

    def find_spec(self, family: str, name: str) -> dict | None:
        row = self._db().execute("SELECT * FROM specs WHERE family = ? AND name = ?", (family, name)).fetchone()
        return self._spec_dict(row) if row else None

    def describe_spec(self, family: str, spec_id: str) -> dict:
        return self._spec_dict(self._spec_row(spec_id, family))

    def update_spec_metadata(self, family: str, spec_id: str, body) -> dict:
        body = _dict(body, "body")
        _refuse(validate.check("spec-metadata", {"body": body}), "spec metadata")
        with self._write() as db:
            row = self._spec_row(spec_id, family)
            metadata = _loads(row["metadata"])
            updated = {**metadata, **(body.get("metadata") or {})}
            featured = row["featured"] if body.get("featured") is None else int(bool(_truthy(body["featured"])))
            scope = body.get("scope") or row["scope"]
            tenants = row["tenants"] if body.get("tenants") is None else json.dumps(body["tenants"])
            if (updated, featured, scope, tenants) == (metadata, row["featured"], row["scope"], row["tenants"]):
                raise Invalid("No changes detected")
            name = updated.get("name") or row["name"]
            if name != row["name"] and db.execute("SELECT 1 FROM specs WHERE family = ? AND name = ? AND id != ?",
                                                  (family, name, spec_id)).fetchone():
                raise Conflict(f"a spec named {name!r} already exists")
            db.execute("UPDATE specs SET name = ?, metadata = ?, featured = ?, scope = ?, tenants = ?, "
                       "updated_at = ? WHERE id = ?",
                       (name, _dumps(updated), featured, scope, tenants, _now(), spec_id))
        return self.describe_spec(family, spec_id)

    def delete_spec(self, family: str, spec_id: str) -> dict:
        with self._write() as db:
            self._spec_row(spec_id, family)
            used = db.execute("SELECT name FROM deployments WHERE spec_id = ? LIMIT 1", (spec_id,)).fetchone()
            if used:
                raise Conflict(f"spec {spec_id} is deployed (deployment {used['name']!r}); delete its deployments first")
            if family == "blocks":
                for row in db.execute("SELECT name, config FROM specs JOIN releases ON releases.spec_id = specs.id "
                                      "WHERE family = 'apps'").fetchall():
                    if any(isinstance(item, dict) and item.get("id") == spec_id for item in _loads(row["config"]) or []):
                        raise Conflict(f"block spec {spec_id} is part of app spec {row['name']!r}; delete that first")
            db.execute("DELETE FROM specs WHERE id = ?", (spec_id,))
        return {}

    # --- releases ---------------------------------------------------------------------------

    def create_release(self, family: str, spec_id: str, body, *, parameters=None, auto_run=None,
                       artifact: bytes | None = None, validate_only: bool = False) -> dict:
        body = _dict(body, "release")
        spec = self._spec_row(spec_id, family)
        self._check_artifact(artifact)
        release = body.get("release") if isinstance(body.get("release"), dict) else {}
        version = str(release.get("version"))
        if self._db().execute("SELECT 1 FROM releases WHERE spec_id = ? AND version = ?", (spec_id, version)).fetchone():
            raise Conflict(f"release {version} of spec {spec['name']!r} already exists")
        latest = self._latest_release(spec_id)
        cli = self._spec_cli_file(body, None, None, None, parameters, auto_run)
        kind = "app-spec-release" if family == "apps" else "block-spec-release"
        try:
            with validate.unpacked(artifact) as artifact_dir:
                if artifact_dir is not None:
                    cli["artifact"] = {"path": artifact_dir}
                findings = validate.check(kind, cli, previous_version=latest["version"] if latest else None)
        except validate.UnsafeArtifact as error:
            raise Invalid(str(error)) from None
        _refuse(findings, "release")
        if family == "apps":
            self._check_app_blocks(body.get("config"))
        if validate_only:
            self._check_newer(spec, version, latest)
            return {"success": True, "message": "The release is valid"}
        with self._write() as db:
            latest = self._latest_release(spec_id)
            if db.execute("SELECT 1 FROM releases WHERE spec_id = ? AND version = ?", (spec_id, version)).fetchone():
                raise Conflict(f"release {version} of spec {spec['name']!r} already exists")
            self._check_newer(spec, version, latest)
            seq = (latest["seq"] if latest else 0) + 1
            self._insert_release(db, spec_id, seq, release, body.get("config"), parameters, auto_run, artifact, _now())
            db.execute("UPDATE specs SET updated_at = ? WHERE id = ?", (_now(), spec_id))
        return {"id": spec_id, "release": {"version": version}}

    @staticmethod
    def _check_newer(spec, version, latest) -> None:
        if latest is None:
            return
        new_key, latest_key = semver_key(version), semver_key(latest["version"])
        if new_key is None or latest_key is None or new_key <= latest_key:
            raise Invalid(f"release version {version} must be greater than the latest release "
                          f"{latest['version']} of spec {spec['name']!r}")


    def list_releases(self, family: str, spec_id: str, *, sort=None, page_size=None, page_number=None) -> dict:
        self._spec_row(spec_id, family)
        items = [self._release_dict(row, full=False) for row in self._releases(spec_id)]
        items = _sorted(items, sort, "createdAt:desc", {
            "createdAt": lambda r: (r["createdAt"], semver_key(r["version"]) or ()), "createdBy": lambda r: r["createdBy"]})
        return _paginate(items, "releases", ("releaseCount",), page_size, page_number)

    def describe_release(self, family: str, spec_id: str, version: str) -> dict:
        self._spec_row(spec_id, family)
        return self._release_dict(self._release_row(spec_id, version), full=True)

    # --- deployments ------------------------------------------------------------------------

    @staticmethod
    def _run_defaults(parameters: dict) -> dict:
        values = {}
        for definition in (parameters or {}).get("run") or []:
            if isinstance(definition, dict) and "name" in definition and "defaultValue" in definition:
                values[definition["name"]] = definition["defaultValue"]
        return values

    def create_deployment(self, family: str, body) -> dict:
        body = _dict(body, "deployment")
        spec_ref = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        spec_id = spec_ref.get("id")
        if not isinstance(spec_id, str):
            raise Invalid("spec.id is required")
        self._spec_row(spec_id, family)  # 404 when the spec does not exist
        version = (spec_ref.get("release") or {}).get("version")
        release = self._release_row(spec_id, version)
        kind = "app-deployment" if family == "apps" else "block-deployment"
        findings = validate.check(kind, {"body": body}, spec_file=self._deployed_spec_file(spec_id, release["version"]),
                                  resolver=self._pinned_resolver(spec_id, release["version"]))
        _refuse(findings, "deployment")
        metadata = dict(body.get("metadata") or {})
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise Invalid("metadata.name is required")
        metadata["status"] = "deployed"
        params = body.get("parameters") or {}
        app_params = body.get("appParameters") or {}
        release_params = _loads(release["parameters"], {})
        own = app_params if family == "apps" else params
        run_values = {**self._run_defaults(release_params), **(own.get("run") or {})}
        deployment_id, now = _new_id(), _now()
        with self._write() as db:
            if db.execute("SELECT 1 FROM deployments WHERE family = ? AND name = ? AND parent_id IS NULL",
                          (family, name)).fetchone():
                raise Conflict(f"a {'block' if family == 'blocks' else 'app'} deployment named {name!r} already exists")
            db.execute("INSERT INTO deployments (id, family, name, spec_id, parent_id, metadata, status, "
                       "run_parameters, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, 'deployed', ?, ?, ?)",
                       (deployment_id, family, name, spec_id, _dumps(metadata), _dumps(run_values), now, now))
            self._insert_revision(db, deployment_id, 1, release["version"], body)
            if family == "apps":
                self._create_app_blocks(db, deployment_id, release, body, now)
        return {"id": deployment_id}

    def _app_blocks(self, release, body) -> list[tuple]:
        """(block spec row, release version) of each block an app deployment runs."""
        spec_ref = body.get("spec") or {}
        excluded = {item.get("id") for item in spec_ref.get("excludes") or [] if isinstance(item, dict)}
        wanted = [(item.get("id"), (item.get("release") or {}).get("version"))
                  for item in _loads(release["config"]) or [] if isinstance(item, dict)]
        wanted += [(item.get("id"), item.get("releaseVersion"))
                   for item in spec_ref.get("includes") or [] if isinstance(item, dict)]
        blocks = []
        for block_id, version in wanted:
            if block_id in excluded:
                continue
            row = self._db().execute("SELECT * FROM specs WHERE id = ? AND family = 'blocks'", (block_id,)).fetchone()
            if row is None:
                raise NotFound(f"block spec {block_id} of the app not found")
            blocks.append((row, str(self._release_row(block_id, version)["version"])))
        return blocks

    def _create_app_blocks(self, db, app_deployment_id, release, body, now) -> None:
        per_block = body.get("parameters") or {}
        for spec, version in self._app_blocks(release, body):
            values = per_block.get(spec["name"]) or {}
            block_release = self._release_row(spec["id"], version)
            run_values = {**self._run_defaults(_loads(block_release["parameters"], {})), **(values.get("run") or {})}
            child_id = _new_id()
            metadata = {"name": spec["name"], "title": _loads(spec["metadata"]).get("title"), "status": "deployed"}
            db.execute("INSERT INTO deployments (id, family, name, spec_id, parent_id, metadata, status, "
                       "run_parameters, created_at, updated_at) VALUES (?, 'blocks', ?, ?, ?, ?, 'deployed', ?, ?, ?)",
                       (child_id, spec["name"], spec["id"], app_deployment_id, _dumps(metadata), _dumps(run_values),
                        now, now))
            self._insert_revision(db, child_id, 1, version, {"parameters": values})

    def _insert_revision(self, db, deployment_id, number, version, body) -> str:
        db.execute("UPDATE revisions SET status = 'superseded' WHERE deployment_id = ? AND status = 'deployed'",
                   (deployment_id,))
        revision_id = _new_id()
        notes = (body.get("revision") or {}).get("notes") if isinstance(body.get("revision"), dict) else None
        db.execute("INSERT INTO revisions (id, deployment_id, revision, release_version, notes, body, status, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, 'deployed', ?)",
                   (revision_id, deployment_id, number, str(version), notes, _dumps(body), _now()))
        return revision_id

    def _hidden(self, spec_id: str, version: str) -> set:
        parameters = _loads(self._release_row(spec_id, version)["parameters"], {})
        return {d.get("name") for group in ("build", "run") for d in parameters.get(group) or []
                if isinstance(d, dict) and d.get("hideValue")}

    def _masked(self, values: dict, hidden: set) -> dict:
        return {name: (MASK if name in hidden else value) for name, value in (values or {}).items()}

    def _revision_dict(self, row, deployment) -> dict:
        body = _loads(row["body"], {})
        hidden = self._hidden(deployment["spec_id"], row["release_version"])
        params = body.get("parameters") or {}
        if deployment["family"] == "apps":
            shown = {"appParameters": {g: self._masked(v, hidden) for g, v in (body.get("appParameters") or {}).items()},
                     "parameters": params}
        else:
            shown = {g: self._masked(v, hidden) for g, v in params.items() if isinstance(v, dict)}
        result = {"id": row["id"], "revision": row["revision"], "notes": row["notes"], "status": row["status"],
                  "createdAt": row["created_at"], "createdBy": CREATED_BY,
                  "spec": {"id": deployment["spec_id"], "release": {"version": row["release_version"]}},
                  "parameters": shown}
        if deployment["family"] == "apps":
            result["blocks"] = self._child_blocks(deployment["id"])
            result["resources"] = []
        else:
            spec = self._spec_row(deployment["spec_id"])
            result["resources"] = [{"id": deployment["id"], "kind": spec["kind"], "name": deployment["name"],
                                    "status": row["status"], "version": row["release_version"], "errors": []}]
        return result

    def _child_blocks(self, deployment_id: str) -> list:
        blocks = []
        for child in self._db().execute("SELECT deployments.*, specs.kind AS spec_kind FROM deployments JOIN specs "
                                        "ON specs.id = deployments.spec_id WHERE parent_id = ? ORDER BY name",
                                        (deployment_id,)).fetchall():
            blocks.append({"deploymentId": child["id"], "platformId": child["id"], "kind": child["spec_kind"],
                           "name": child["name"], "status": child["status"], "specId": child["spec_id"]})
        return blocks

    def _deployment_dict(self, row, *, full: bool = True) -> dict:
        spec = self._spec_row(row["spec_id"])
        latest = self._latest_revision(row["id"])
        latest_release = self._latest_release(row["spec_id"])
        metadata = _loads(row["metadata"])
        metadata.update(createdAt=row["created_at"], createdBy=CREATED_BY, updatedAt=row["updated_at"],
                        updatedBy=CREATED_BY, status=row["status"])
        result = {"id": row["id"], "kind": spec["kind"], "metadata": metadata,
                  "spec": {"id": row["spec_id"], "name": spec["name"],
                           "release": {"currentVersion": latest["release_version"] if latest else None,
                                       "latestVersion": latest_release["version"] if latest_release else None}}}
        if latest is not None:
            revision = self._revision_dict(latest, row) if full else {
                "id": latest["id"], "revision": latest["revision"], "notes": latest["notes"],
                "status": latest["status"], "createdAt": latest["created_at"], "createdBy": CREATED_BY}
            result["latestRevision"] = revision
            if full:
                result["parameters"] = revision["parameters"]
        if row["parent_id"]:
            result["parent"] = {"id": row["parent_id"]}
        return result

    def list_deployments(self, family: str | None, *, status=None, name=None, title=None, sort=None, kind=None,
                         term=None, page_size=None, page_number=None) -> dict:
        rows = self._db().execute("SELECT * FROM deployments" + (" WHERE family = ?" if family else ""),
                                  (family,) if family else ()).fetchall()
        statuses, kinds = set(_as_list(status)), set(_as_list(kind))
        items = []
        for row in rows:
            item = self._deployment_dict(row, full=False)
            metadata = item["metadata"]
            if statuses and row["status"] not in statuses:
                continue
            if name and not row["name"].startswith(name):
                continue
            if title and not str(metadata.get("title") or "").startswith(title):
                continue
            if kinds and item["kind"] not in kinds:
                continue
            if term and term.lower() not in f"{row['name']} {metadata.get('title') or ''}".lower():
                continue
            items.append(item)
        items = _sorted(items, sort, "createdAt:desc", {
            "createdAt": lambda d: d["metadata"]["createdAt"], "createdBy": lambda d: d["metadata"]["createdBy"],
            "name": lambda d: d["metadata"]["name"], "title": lambda d: str(d["metadata"].get("title") or ""),
            "updatedAt": lambda d: d["metadata"]["updatedAt"]})
        return _paginate(items, "deployments", ("deploymentsCount", "deploymentCount"), page_size, page_number)

    def find_deployment(self, family: str, name: str) -> dict | None:
        row = self._db().execute("SELECT * FROM deployments WHERE family = ? AND name = ? AND parent_id IS NULL",
                                 (family, name)).fetchone()
        return self._deployment_dict(row) if row else None

    def describe_deployment(self, family: str, deployment_id: str) -> dict:
        return self._deployment_dict(self._deployment_row(deployment_id, family))

    def update_deployment_metadata(self, family: str, deployment_id: str, body) -> dict:
        body = _dict(body, "body")
        _refuse(validate.check("deployment-metadata", {"body": body}), "deployment metadata")
        with self._write() as db:
            row = self._deployment_row(deployment_id, family)
            metadata = {**_loads(row["metadata"]), **body}
            name = metadata.get("name") or row["name"]
            if name != row["name"] and row["parent_id"] is None and db.execute(
                    "SELECT 1 FROM deployments WHERE family = ? AND name = ? AND parent_id IS NULL AND id != ?",
                    (family, name, deployment_id)).fetchone():
                raise Conflict(f"a deployment named {name!r} already exists")
            db.execute("UPDATE deployments SET name = ?, metadata = ?, updated_at = ? WHERE id = ?",
                       (name, _dumps(metadata), _now(), deployment_id))
        return self.describe_deployment(family, deployment_id)

    def delete_deployment(self, family: str, deployment_id: str) -> dict:
        with self._write() as db:
            row = self._deployment_row(deployment_id, family)
            if row["parent_id"]:
                raise Conflict(f"deployment {deployment_id} belongs to app deployment {row['parent_id']}; "
                               "delete the app deployment")
            db.execute("DELETE FROM deployments WHERE id = ?", (deployment_id,))
        return {}

    def redeploy(self, family: str, deployment_id: str) -> dict:
        with self._write() as db:
            row = self._deployment_row(deployment_id, family)
            if row["status"] not in SETTLED:
                raise Conflict(f"deployment {deployment_id} is {row['status']}; redeploy needs one of "
                               f"{', '.join(SETTLED)}")
            latest = self._latest_revision(deployment_id)
            number = latest["revision"] + 1
            revision_id = self._insert_revision(db, deployment_id, number, latest["release_version"],
                                                _loads(latest["body"], {}))
            db.execute("UPDATE deployments SET status = 'deployed', updated_at = ? WHERE id = ?", (_now(), deployment_id))
        return {"deploymentId": deployment_id, "revision": number, "revisionId": revision_id}

    # --- revisions --------------------------------------------------------------------------

    def create_revision(self, family: str, deployment_id: str, body) -> dict:
        body = _dict(body, "revision")
        row = self._deployment_row(deployment_id, family)
        version = (body.get("release") or {}).get("version") if isinstance(body.get("release"), dict) else None
        release = self._release_row(row["spec_id"], version)
        kind = "app-deployment-revision" if family == "apps" else "block-deployment-revision"
        findings = validate.check(kind, {"body": body}, spec_file=self._deployed_spec_file(row["spec_id"], release["version"]),
                                  resolver=self._pinned_resolver(row["spec_id"], release["version"]))
        _refuse(findings, "revision")
        own = (body.get("appParameters") if family == "apps" else body.get("parameters")) or {}
        with self._write() as db:
            row = self._deployment_row(deployment_id, family)
            current = _loads(row["run_parameters"], {})
            defaults = self._run_defaults(_loads(release["parameters"], {}))
            run_values = {**defaults, **{k: v for k, v in current.items() if k in defaults}, **(own.get("run") or {})}
            number = self._latest_revision(deployment_id)["revision"] + 1
            revision_id = self._insert_revision(db, deployment_id, number, release["version"], body)
            db.execute("UPDATE deployments SET run_parameters = ?, status = 'deployed', updated_at = ? WHERE id = ?",
                       (_dumps(run_values), _now(), deployment_id))
        return {"id": revision_id, "revision": number}

    def describe_revision(self, family: str, deployment_id: str, revision) -> dict:
        deployment = self._deployment_row(deployment_id, family)
        row = self._db().execute("SELECT * FROM revisions WHERE deployment_id = ? AND revision = ?",
                                 (deployment_id, str(revision))).fetchone()
        if row is None:
            raise NotFound(f"revision {revision} of deployment {deployment_id} not found")
        return self._revision_dict(row, deployment)

    def list_revisions(self, family: str, deployment_id: str, *, sort=None, status=None, page_size=None,
                       page_number=None) -> dict:
        deployment = self._deployment_row(deployment_id, family)
        statuses = set(_as_list(status))
        rows = self._db().execute("SELECT * FROM revisions WHERE deployment_id = ?", (deployment_id,)).fetchall()
        items = [{"id": row["id"], "revision": row["revision"], "notes": row["notes"], "status": row["status"],
                  "createdAt": row["created_at"], "createdBy": CREATED_BY,
                  "release": {"version": row["release_version"]},
                  "parameters": self._revision_dict(row, deployment)["parameters"]}
                 for row in rows if not statuses or row["status"] in statuses]
        items = _sorted(items, sort, "createdAt:desc", {
            "createdAt": lambda r: (r["createdAt"], r["revision"]), "createdBy": lambda r: r["createdBy"],
            "revision": lambda r: r["revision"]})
        page = _paginate(items, "deployments", ("revisionCount",), page_size, page_number)
        page["revisions"] = page["deployments"]  # the SDK iterates `deployments`; the docs show `revisions`
        return page

    # --- run parameters ---------------------------------------------------------------------

    def get_parameters(self, deployment_id: str) -> dict:
        return _loads(self._deployment_row(deployment_id)["run_parameters"], {})

    def patch_parameters(self, deployment_id: str, body, *, v2: bool = False) -> dict:
        body = _dict(body, "parameters")
        row = self._deployment_row(deployment_id)
        latest = self._latest_revision(deployment_id)
        spec_file = self._deployed_spec_file(row["spec_id"], latest["release_version"])
        _refuse(validate.check("parameters-patch", {"body": body}, spec_file=spec_file,
                               resolver=self._pinned_resolver(row["spec_id"], latest["release_version"])),
                "parameter patch")
        if v2:
            own = body.get("appParameters" if row["family"] == "apps" else "parameters") or {}
            per_block = (body.get("parameters") or {}) if row["family"] == "apps" else {}
        else:
            own, per_block = body, {}
        if not isinstance(own, dict) or not isinstance(per_block, dict):
            raise Invalid("parameter values must be a JSON object of names to values")
        with self._write() as db:
            row = self._deployment_row(deployment_id)
            values = {**_loads(row["run_parameters"], {}), **own}
            db.execute("UPDATE deployments SET run_parameters = ?, updated_at = ? WHERE id = ?",
                       (_dumps(values), _now(), deployment_id))
            for child in db.execute("SELECT * FROM deployments WHERE parent_id = ?", (deployment_id,)).fetchall():
                if isinstance(per_block.get(child["name"]), dict):
                    merged = {**_loads(child["run_parameters"], {}), **per_block[child["name"]]}
                    db.execute("UPDATE deployments SET run_parameters = ? WHERE id = ?", (_dumps(merged), child["id"]))
        return values

    # --- cross-kind -------------------------------------------------------------------------

    def list_release_deployments(self, spec_id: str, *, version=None, status=None, name=None, title=None,
                                 sort=None, page_size=None, page_number=None) -> dict:
        self._spec_row(spec_id)
        items = []
        for row in self._db().execute("SELECT * FROM deployments WHERE spec_id = ?", (spec_id,)).fetchall():
            item = self._deployment_dict(row, full=False)
            if version and item["spec"]["release"]["currentVersion"] != version:
                continue
            if status and row["status"] not in set(_as_list(status)):
                continue
            if name and not row["name"].startswith(name):
                continue
            if title and not str(item["metadata"].get("title") or "").startswith(title):
                continue
            items.append(item)
        items = _sorted(items, sort, "createdAt:desc", {
            "createdAt": lambda d: d["metadata"]["createdAt"], "createdBy": lambda d: d["metadata"]["createdBy"],
            "name": lambda d: d["metadata"]["name"]})
        return _paginate(items, "deployments", ("deploymentCount",), page_size, page_number)

    def execute_resources(self, deployment_id: str) -> dict:
        row = self._deployment_row(deployment_id)
        targets = [row] + self._db().execute("SELECT * FROM deployments WHERE parent_id = ?", (deployment_id,)).fetchall()
        response = []
        for target in targets:
            spec = self._spec_row(target["spec_id"])
            if spec["kind"] != "workflow":
                continue
            revision = self._latest_revision(target["id"])
            response.append({"blockSpecId": spec["id"], "version": revision["release_version"],
                             "executionId": _new_id(), "status": "executed"})
        return {"executeResponse": response}

    # --- consistency (for tests and `blocklint serve`) --------------------------------------

    def check_consistency(self) -> list[str]:
        """Problems that a half-finished write would leave; empty when the registry is consistent."""
        db = self._db()
        problems = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"]
        problems += [f"foreign key: {tuple(row)}" for row in db.execute("PRAGMA foreign_key_check").fetchall()]
        problems += [f"spec {row['name']!r} has no release" for row in db.execute(
            "SELECT name FROM specs WHERE NOT EXISTS (SELECT 1 FROM releases WHERE spec_id = specs.id)").fetchall()]
        problems += [f"deployment {row['name']!r} has no revision" for row in db.execute(
            "SELECT name FROM deployments WHERE NOT EXISTS "
            "(SELECT 1 FROM revisions WHERE deployment_id = deployments.id)").fetchall()]
        return problems


__all__ = ["Registry", "RegistryError", "Invalid", "NotFound", "Conflict", "TooLarge", "FAMILIES", "semver_key"]
