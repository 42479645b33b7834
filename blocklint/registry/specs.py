"""Block and app specs and their releases (with artifact zips): rows, answers, writes.

A spec row holds the metadata; each release holds its config, parameter definitions and
optionally an artifact. Versions are semantic versions (`blocklint.semver`, no leading `v`) and
only go up. Answers mask the `defaultValue` of hidden parameters (`hidden`).
"""

from __future__ import annotations

import json

from blocklint.registry import validate
from blocklint.registry.db import dumps, loads, new_id, now
from blocklint.registry.digest import artifact_digest
from blocklint.registry.errors import Conflict, Invalid, NotFound, TooLarge
from blocklint.registry.hidden import masked_definitions
from blocklint.registry.listing import as_list, paginate, sorted_items, truthy
from blocklint.registry.names import lookup_name, stored_name
from blocklint.registry.values import check_value
from blocklint.semver import is_semver, semver_key

MAX_ARTIFACT_BYTES = 10 * 2**20  # peak-sdk's limit on the compressed zip
CREATED_BY = "blocklint@localhost"


def as_object(value, what: str) -> dict:
    """An incoming JSON object (None is empty), checked to be storable JSON."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be a JSON object")
    return check_value(value, f"the {what}")


def check_version(version) -> str:
    if not is_semver(version):
        raise Invalid(f"release version {version!r} is not a semantic version: write MAJOR.MINOR.PATCH "
                      "(for example 1.2.3 or 1.2.3-rc.1), with no leading 'v'")
    return version


class Specs:
    """The spec and release methods of `Registry` (which supplies `_db` and `_write`)."""

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

    def _artifact_row(self, artifact_id):
        if not artifact_id:
            return None
        return self._db().execute("SELECT id, version, digest, size FROM artifacts WHERE id = ?",
                                  (artifact_id,)).fetchone()

    # --- answers ----------------------------------------------------------------------------

    def _release_dict(self, row, *, full: bool) -> dict:
        result = {"id": row["id"], "version": row["version"], "notes": row["notes"],
                  "createdAt": row["created_at"], "createdBy": CREATED_BY,
                  "autoRunOnDeploy": bool(row["auto_run"]) if row["auto_run"] is not None else False}
        if full:
            result["config"] = loads(row["config"])
            result["parameters"] = masked_definitions(loads(row["parameters"], {}))
            artifact = self._artifact_row(row["artifact_id"])
            if artifact is not None:
                result["artifact"] = {"id": artifact["id"], "version": artifact["version"],
                                      "digest": artifact["digest"], "size": artifact["size"]}
        return result

    def _spec_dict(self, row, *, full: bool = True) -> dict:
        latest = self._latest_release(row["id"])
        metadata = loads(row["metadata"])
        metadata.update(createdAt=row["created_at"], createdBy=CREATED_BY,
                        updatedAt=row["updated_at"], updatedBy=CREATED_BY)
        result = {"id": row["id"], "kind": row["kind"], "featured": bool(row["featured"]),
                  "scope": row["scope"], "tenants": loads(row["tenants"], []), "metadata": metadata,
                  "latestRelease": self._release_dict(latest, full=full) if latest else None}
        if full:
            result["parameters"] = masked_definitions(loads(latest["parameters"], {})) if latest else {}
        return result

    def _composed_body(self, spec, release) -> dict:
        metadata = {k: v for k, v in loads(spec["metadata"]).items() if k != "status"}
        body = {"version": loads(spec["schema_version"]), "kind": spec["kind"], "metadata": metadata,
                "release": {"version": release["version"]}, "config": loads(release["config"])}
        if release["notes"] is not None:
            body["release"]["notes"] = release["notes"]
        return body

    # --- specs as documents, for the rule engine ------------------------------------------

    def spec_as_cli_file(self, reference: str, version: str | None = None) -> dict | None:
        """The spec named by `reference` (an id, or a block then app spec name) as a peak CLI file."""
        db = self._db()
        spec = db.execute("SELECT * FROM specs WHERE id = ?", (reference,)).fetchone()
        if spec is None:
            spec = db.execute("SELECT * FROM specs WHERE name = ? ORDER BY family DESC",
                              (lookup_name(reference),)).fetchone()
        if spec is None:
            return None
        try:
            release = self._release_row(spec["id"], version)
        except NotFound:
            return None
        return {"body": self._composed_body(spec, release), "parameters": loads(release["parameters"], {})}

    def _pinned_resolver(self, spec_id: str, version: str):
        """`spec_as_cli_file`, answering for `spec_id` at the deployed `version`."""
        pins = {spec_id: version}
        for item in loads(self._release_row(spec_id, version)["config"]) or []:
            # an app release pins the release of each of its blocks
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("release"), dict):
                pins.setdefault(item["id"], item["release"].get("version"))

        def resolve(reference, wanted=None):
            return self.spec_as_cli_file(reference, wanted or pins.get(reference))
        return resolve

    def _deployed_spec_file(self, spec_id: str, version: str | None) -> dict:
        spec = self._spec_row(spec_id)
        release = self._release_row(spec_id, version)
        return {"body": self._composed_body(spec, release), "parameters": loads(release["parameters"], {})}

    # --- checks before a write ------------------------------------------------------------

    @staticmethod
    def _spec_cli_file(body, featured, scope, tenants, parameters, auto_run) -> dict:
        cli = {"body": body}
        for key, value in (("featured", featured), ("scope", scope), ("tenants", tenants),
                           ("parameters", parameters), ("autoRunOnDeploy", auto_run)):
            if value is not None:
                cli[key] = value
        return check_value(cli, "the spec")

    @staticmethod
    def _check_artifact(artifact):
        if artifact is not None and len(artifact) > MAX_ARTIFACT_BYTES:
            raise TooLarge(f"the artifact is {len(artifact) / 2**20:.1f} MiB compressed; the limit is 10 MiB")

    @staticmethod
    def _checked(kind: str, what: str, cli: dict, artifact, **context) -> None:
        """The rule engine's verdict on `cli`, with `artifact` unpacked for the artifact rules."""
        try:
            with validate.unpacked(artifact) as artifact_dir:
                if artifact_dir is not None:
                    cli = {**cli, "artifact": {"path": artifact_dir}}
                findings = validate.check(kind, cli, **context)
        except validate.UnsafeArtifact as error:
            raise Invalid(str(error)) from None
        validate.refuse(findings, what, scratch=artifact_dir)

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

    @staticmethod
    def _check_newer(spec, version, latest) -> None:
        if latest is None:
            return
        new_key, latest_key = semver_key(version), semver_key(latest["version"])
        if new_key is None or latest_key is None or new_key <= latest_key:
            raise Invalid(f"release version {version} must be greater than the latest release "
                          f"{latest['version']} of spec {spec['name']!r}")

    # --- specs ------------------------------------------------------------------------------

    def create_spec(self, family: str, body, *, featured=None, scope=None, tenants=None, parameters=None,
                    auto_run=None, artifact: bytes | None = None, validate_only: bool = False) -> dict:
        body = as_object(body, "spec")
        kind = body.get("kind")
        if family == "apps" and kind != "app":
            raise Invalid(f"an app spec has kind 'app', not {kind!r}")
        if family == "blocks" and kind == "app":
            raise Invalid("an app spec goes to v1/apps/specs/, not v1/blocks/specs/")
        self._check_artifact(artifact)
        cli = self._spec_cli_file(body, featured, scope, tenants, parameters, auto_run)
        self._checked("app-spec" if family == "apps" else "block-spec", "spec", cli, artifact)
        release = body["release"]
        check_version(release.get("version"))
        if family == "apps":
            self._check_app_blocks(body.get("config"))
        if validate_only:
            return {"success": True, "message": "The spec is valid"}
        metadata = dict(body["metadata"])
        metadata.setdefault("status", "available")
        name = metadata["name"] = stored_name(metadata["name"])
        spec_id, moment = new_id(), now()
        with self._write() as db:
            if db.execute("SELECT 1 FROM specs WHERE family = ? AND name = ?", (family, name)).fetchone():
                raise Conflict(f"a {'block' if family == 'blocks' else 'app'} spec named {name!r} already exists")
            db.execute("INSERT INTO specs (id, family, name, kind, schema_version, featured, scope, tenants, "
                       "metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (spec_id, family, name, kind, json.dumps(body.get("version", 1)), int(bool(truthy(featured))),
                        scope or "private", json.dumps(tenants or []), dumps(metadata), moment, moment))
            self._insert_release(db, spec_id, 1, release, body.get("config"), parameters, auto_run, artifact, moment)
        return {"id": spec_id}

    def _insert_release(self, db, spec_id, seq, release, config, parameters, auto_run, artifact, moment) -> str:
        artifact_id = None
        if artifact is not None:
            artifact_id = new_id()
            version = db.execute("SELECT COUNT(*) FROM artifacts WHERE spec_id = ?", (spec_id,)).fetchone()[0] + 1
            db.execute("INSERT INTO artifacts (id, spec_id, version, digest, size, data) VALUES (?, ?, ?, ?, ?, ?)",
                       (artifact_id, spec_id, version, artifact_digest(artifact), len(artifact), artifact))
        release_id = new_id()
        db.execute("INSERT INTO releases (id, spec_id, version, seq, notes, config, parameters, auto_run, "
                   "artifact_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (release_id, spec_id, str(release["version"]), seq, release.get("notes"), dumps(config),
                    dumps(parameters or {}), None if auto_run is None else int(bool(truthy(auto_run))),
                    artifact_id, moment))
        return release_id

    def list_specs(self, family: str | None, *, status=None, featured=None, name=None, title=None, sort=None,
                   scope=None, kind=None, term=None, page_size=None, page_number=None) -> dict:
        rows = self._db().execute("SELECT * FROM specs" + (" WHERE family = ?" if family else ""),
                                  (family,) if family else ()).fetchall()
        statuses, scopes, kinds = set(as_list(status)), set(as_list(scope)), set(as_list(kind))
        featured = truthy(featured)
        items = []
        for row in rows:
            metadata = loads(row["metadata"])
            if statuses and metadata.get("status") not in statuses:
                continue
            if featured is not None and bool(row["featured"]) != featured:
                continue
            if name and not row["name"].startswith(lookup_name(name)):
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
        items = sorted_items(items, sort, "createdAt:desc", {
            "createdAt": lambda s: s["metadata"]["createdAt"], "createdBy": lambda s: s["metadata"]["createdBy"],
            "name": lambda s: s["metadata"]["name"], "title": lambda s: str(s["metadata"].get("title") or ""),
            "updatedAt": lambda s: s["metadata"]["updatedAt"]})
        return paginate(items, "specs", ("specsCount", "specCount"), page_size, page_number)

    def find_spec(self, family: str, name: str) -> dict | None:
        row = self._db().execute("SELECT * FROM specs WHERE family = ? AND name = ?",
                                 (family, lookup_name(name))).fetchone()
        return self._spec_dict(row) if row else None

    def describe_spec(self, family: str, spec_id: str) -> dict:
        return self._spec_dict(self._spec_row(spec_id, family))

    def update_spec_metadata(self, family: str, spec_id: str, body) -> dict:
        body = as_object(body, "body")
        validate.refuse(validate.check("spec-metadata", {"body": body}), "spec metadata")
        with self._write() as db:
            row = self._spec_row(spec_id, family)
            metadata = loads(row["metadata"])
            updated = {**metadata, **(body.get("metadata") or {})}
            if "name" in (body.get("metadata") or {}):
                updated["name"] = stored_name(updated["name"])
            featured = row["featured"] if body.get("featured") is None else int(bool(truthy(body["featured"])))
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
                       (name, dumps(updated), featured, scope, tenants, now(), spec_id))
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
                    if any(isinstance(item, dict) and item.get("id") == spec_id for item in loads(row["config"]) or []):
                        raise Conflict(f"block spec {spec_id} is part of app spec {row['name']!r}; delete that first")
            db.execute("DELETE FROM specs WHERE id = ?", (spec_id,))
        return {}

    # --- releases ---------------------------------------------------------------------------

    def create_release(self, family: str, spec_id: str, body, *, parameters=None, auto_run=None,
                       artifact: bytes | None = None, validate_only: bool = False) -> dict:
        body = as_object(body, "release")
        spec = self._spec_row(spec_id, family)
        self._check_artifact(artifact)
        release = body.get("release") if isinstance(body.get("release"), dict) else {}
        version = release.get("version")
        if self._db().execute("SELECT 1 FROM releases WHERE spec_id = ? AND version = ?",
                              (spec_id, str(version))).fetchone():
            raise Conflict(f"release {version} of spec {spec['name']!r} already exists")
        latest = self._latest_release(spec_id)
        cli = self._spec_cli_file(body, None, None, None, parameters, auto_run)
        self._checked("app-spec-release" if family == "apps" else "block-spec-release", "release", cli, artifact,
                      previous_version=latest["version"] if latest else None)
        version = check_version(version)
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
            self._insert_release(db, spec_id, seq, release, body.get("config"), parameters, auto_run, artifact, now())
            db.execute("UPDATE specs SET updated_at = ? WHERE id = ?", (now(), spec_id))
        return {"id": spec_id, "release": {"version": version}}

    def list_releases(self, family: str, spec_id: str, *, sort=None, page_size=None, page_number=None) -> dict:
        self._spec_row(spec_id, family)
        items = [self._release_dict(row, full=False) for row in self._releases(spec_id)]
        items = sorted_items(items, sort, "createdAt:desc", {
            "createdAt": lambda r: (r["createdAt"], semver_key(r["version"]) or ()),
            "createdBy": lambda r: r["createdBy"]})
        return paginate(items, "releases", ("releaseCount",), page_size, page_number)

    def describe_release(self, family: str, spec_id: str, version: str) -> dict:
        self._spec_row(spec_id, family)
        return self._release_dict(self._release_row(spec_id, version), full=True)
