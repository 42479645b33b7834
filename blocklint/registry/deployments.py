"""Block and app deployments, their revisions and run parameters: rows, answers, writes.

Simulated platform behaviour: nothing is built or run. A deployment and each new revision are
`deployed` at once (the previous latest revision becomes `superseded`); redeploy is allowed in
the settled states (`deployed`, `failed`, `warning`) and makes a new revision of the latest one;
deleting a deployment removes it (and an app deployment's block deployments) at once. An app
deployment creates one block deployment per block of its app release (with `parent.id`).

Hidden parameters (`hideValue`) are masked in every answer (`hidden`); the stored values stay.
"""

from __future__ import annotations

from blocklint.registry import validate
from blocklint.registry.db import dumps, loads, new_id, now
from blocklint.registry.errors import Conflict, Invalid, NotFound
from blocklint.registry.hidden import hidden_names, masked_values
from blocklint.registry.listing import as_list, paginate, sorted_items
from blocklint.registry.names import lookup_name, stored_name
from blocklint.registry.specs import CREATED_BY, as_object

SETTLED = ("deployed", "failed", "warning")


def run_defaults(parameters: dict) -> dict:
    """name -> defaultValue of the run parameter definitions that have one."""
    values = {}
    for definition in (parameters or {}).get("run") or []:
        if isinstance(definition, dict) and "name" in definition and "defaultValue" in definition:
            values[definition["name"]] = definition["defaultValue"]
    return values


class Deployments:
    """The deployment, revision and run-parameter methods of `Registry` (which supplies `_db`,
    `_write` and the spec rows of `Specs`)."""

    # --- rows -----------------------------------------------------------------------------

    def _deployment_row(self, deployment_id: str, family: str | None = None):
        row = self._db().execute("SELECT * FROM deployments WHERE id = ?", (deployment_id,)).fetchone()
        if row is None or (family and row["family"] != family):
            what = {"blocks": "block deployment", "apps": "app deployment"}.get(family, "deployment")
            raise NotFound(f"{what} {deployment_id} not found")
        return row

    def _latest_revision(self, deployment_id: str):
        return self._db().execute("SELECT * FROM revisions WHERE deployment_id = ? ORDER BY revision DESC LIMIT 1",
                                  (deployment_id,)).fetchone()

    def _hidden(self, spec_id: str, version: str) -> set:
        try:
            return hidden_names(loads(self._release_row(spec_id, version)["parameters"], {}))
        except NotFound:
            return set()

    def _deployment_hidden(self, row) -> set:
        """The hidden parameter names of the release a deployment runs now."""
        latest = self._latest_revision(row["id"])
        return self._hidden(row["spec_id"], latest["release_version"]) if latest else set()

    # --- answers ----------------------------------------------------------------------------

    def _revision_dict(self, row, deployment) -> dict:
        body = loads(row["body"], {})
        hidden = self._hidden(deployment["spec_id"], row["release_version"])
        params = body.get("parameters") or {}
        if deployment["family"] == "apps":
            shown = {"appParameters": {g: masked_values(v, hidden) for g, v in (body.get("appParameters") or {}).items()},
                     "parameters": self._masked_per_block(deployment["id"], params)}
        else:
            shown = {g: masked_values(v, hidden) for g, v in params.items() if isinstance(v, dict)}
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

    def _masked_per_block(self, app_deployment_id: str, per_block) -> dict:
        """An app deployment's per-block parameters ({block name: {build, run}}), each block's hidden
        values masked by its own release's definitions."""
        if not isinstance(per_block, dict):
            return per_block
        children = {child["name"]: child for child in self._db().execute(
            "SELECT * FROM deployments WHERE parent_id = ?", (app_deployment_id,)).fetchall()}
        shown = {}
        for block, groups in per_block.items():
            hidden = self._deployment_hidden(children[block]) if block in children else set()
            shown[block] = ({g: masked_values(v, hidden) for g, v in groups.items()}
                            if isinstance(groups, dict) else groups)
        return shown

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
        metadata = loads(row["metadata"])
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

    # --- deployments ------------------------------------------------------------------------

    def create_deployment(self, family: str, body) -> dict:
        body = as_object(body, "deployment")
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
        validate.refuse(findings, "deployment")
        metadata = dict(body.get("metadata") or {})
        name = metadata["name"] = stored_name(metadata.get("name"))
        metadata["status"] = "deployed"
        params = body.get("parameters") or {}
        app_params = body.get("appParameters") or {}
        release_params = loads(release["parameters"], {})
        own = app_params if family == "apps" else params
        run_values = {**run_defaults(release_params), **(own.get("run") or {})}
        deployment_id, moment = new_id(), now()
        with self._write() as db:
            if db.execute("SELECT 1 FROM deployments WHERE family = ? AND name = ? AND parent_id IS NULL",
                          (family, name)).fetchone():
                raise Conflict(f"a {'block' if family == 'blocks' else 'app'} deployment named {name!r} already exists")
            db.execute("INSERT INTO deployments (id, family, name, spec_id, parent_id, metadata, status, "
                       "run_parameters, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, 'deployed', ?, ?, ?)",
                       (deployment_id, family, name, spec_id, dumps(metadata), dumps(run_values), moment, moment))
            self._insert_revision(db, deployment_id, 1, release["version"], body)
            if family == "apps":
                self._create_app_blocks(db, deployment_id, release, body, moment)
        return {"id": deployment_id}

    def _app_blocks(self, release, body) -> list[tuple]:
        """(block spec row, release version) of each block an app deployment runs."""
        spec_ref = body.get("spec") or {}
        excluded = {item.get("id") for item in spec_ref.get("excludes") or [] if isinstance(item, dict)}
        wanted = [(item.get("id"), (item.get("release") or {}).get("version"))
                  for item in loads(release["config"]) or [] if isinstance(item, dict)]
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

    def _create_app_blocks(self, db, app_deployment_id, release, body, moment) -> None:
        per_block = body.get("parameters") or {}
        for spec, version in self._app_blocks(release, body):
            values = per_block.get(spec["name"]) or {}
            block_release = self._release_row(spec["id"], version)
            run_values = {**run_defaults(loads(block_release["parameters"], {})), **(values.get("run") or {})}
            child_id = new_id()
            metadata = {"name": spec["name"], "title": loads(spec["metadata"]).get("title"), "status": "deployed"}
            db.execute("INSERT INTO deployments (id, family, name, spec_id, parent_id, metadata, status, "
                       "run_parameters, created_at, updated_at) VALUES (?, 'blocks', ?, ?, ?, ?, 'deployed', ?, ?, ?)",
                       (child_id, spec["name"], spec["id"], app_deployment_id, dumps(metadata), dumps(run_values),
                        moment, moment))
            self._insert_revision(db, child_id, 1, version, {"parameters": values})

    def _insert_revision(self, db, deployment_id, number, version, body) -> str:
        db.execute("UPDATE revisions SET status = 'superseded' WHERE deployment_id = ? AND status = 'deployed'",
                   (deployment_id,))
        revision_id = new_id()
        notes = (body.get("revision") or {}).get("notes") if isinstance(body.get("revision"), dict) else None
        db.execute("INSERT INTO revisions (id, deployment_id, revision, release_version, notes, body, status, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, 'deployed', ?)",
                   (revision_id, deployment_id, number, str(version), notes, dumps(body), now()))
        return revision_id

    def list_deployments(self, family: str | None, *, status=None, name=None, title=None, sort=None, kind=None,
                         term=None, page_size=None, page_number=None) -> dict:
        rows = self._db().execute("SELECT * FROM deployments" + (" WHERE family = ?" if family else ""),
                                  (family,) if family else ()).fetchall()
        statuses, kinds = set(as_list(status)), set(as_list(kind))
        items = []
        for row in rows:
            item = self._deployment_dict(row, full=False)
            metadata = item["metadata"]
            if statuses and row["status"] not in statuses:
                continue
            if name and not row["name"].startswith(lookup_name(name)):
                continue
            if title and not str(metadata.get("title") or "").startswith(title):
                continue
            if kinds and item["kind"] not in kinds:
                continue
            if term and term.lower() not in f"{row['name']} {metadata.get('title') or ''}".lower():
                continue
            items.append(item)
        items = sorted_items(items, sort, "createdAt:desc", {
            "createdAt": lambda d: d["metadata"]["createdAt"], "createdBy": lambda d: d["metadata"]["createdBy"],
            "name": lambda d: d["metadata"]["name"], "title": lambda d: str(d["metadata"].get("title") or ""),
            "updatedAt": lambda d: d["metadata"]["updatedAt"]})
        return paginate(items, "deployments", ("deploymentsCount", "deploymentCount"), page_size, page_number)

    def find_deployment(self, family: str, name: str) -> dict | None:
        row = self._db().execute("SELECT * FROM deployments WHERE family = ? AND name = ? AND parent_id IS NULL",
                                 (family, lookup_name(name))).fetchone()
        return self._deployment_dict(row) if row else None

    def describe_deployment(self, family: str, deployment_id: str) -> dict:
        return self._deployment_dict(self._deployment_row(deployment_id, family))

    def update_deployment_metadata(self, family: str, deployment_id: str, body) -> dict:
        body = as_object(body, "body")
        validate.refuse(validate.check("deployment-metadata", {"body": body}), "deployment metadata")
        with self._write() as db:
            row = self._deployment_row(deployment_id, family)
            metadata = {**loads(row["metadata"]), **body}
            if "name" in body:
                metadata["name"] = stored_name(body["name"], "name")
            name = metadata.get("name") or row["name"]
            if name != row["name"] and row["parent_id"] is None and db.execute(
                    "SELECT 1 FROM deployments WHERE family = ? AND name = ? AND parent_id IS NULL AND id != ?",
                    (family, name, deployment_id)).fetchone():
                raise Conflict(f"a deployment named {name!r} already exists")
            db.execute("UPDATE deployments SET name = ?, metadata = ?, updated_at = ? WHERE id = ?",
                       (name, dumps(metadata), now(), deployment_id))
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
                                                loads(latest["body"], {}))
            db.execute("UPDATE deployments SET status = 'deployed', updated_at = ? WHERE id = ?", (now(), deployment_id))
        return {"deploymentId": deployment_id, "revision": number, "revisionId": revision_id}

    # --- revisions --------------------------------------------------------------------------

    def create_revision(self, family: str, deployment_id: str, body) -> dict:
        body = as_object(body, "revision")
        row = self._deployment_row(deployment_id, family)
        version = (body.get("release") or {}).get("version") if isinstance(body.get("release"), dict) else None
        release = self._release_row(row["spec_id"], version)
        kind = "app-deployment-revision" if family == "apps" else "block-deployment-revision"
        findings = validate.check(kind, {"body": body}, spec_file=self._deployed_spec_file(row["spec_id"], release["version"]),
                                  resolver=self._pinned_resolver(row["spec_id"], release["version"]))
        validate.refuse(findings, "revision")
        own = (body.get("appParameters") if family == "apps" else body.get("parameters")) or {}
        with self._write() as db:
            row = self._deployment_row(deployment_id, family)
            current = loads(row["run_parameters"], {})
            defaults = run_defaults(loads(release["parameters"], {}))
            run_values = {**defaults, **{k: v for k, v in current.items() if k in defaults}, **(own.get("run") or {})}
            number = self._latest_revision(deployment_id)["revision"] + 1
            revision_id = self._insert_revision(db, deployment_id, number, release["version"], body)
            db.execute("UPDATE deployments SET run_parameters = ?, status = 'deployed', updated_at = ? WHERE id = ?",
                       (dumps(run_values), now(), deployment_id))
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
        statuses = set(as_list(status))
        rows = self._db().execute("SELECT * FROM revisions WHERE deployment_id = ?", (deployment_id,)).fetchall()
        items = [{"id": row["id"], "revision": row["revision"], "notes": row["notes"], "status": row["status"],
                  "createdAt": row["created_at"], "createdBy": CREATED_BY,
                  "release": {"version": row["release_version"]},
                  "parameters": self._revision_dict(row, deployment)["parameters"]}
                 for row in rows if not statuses or row["status"] in statuses]
        items = sorted_items(items, sort, "createdAt:desc", {
            "createdAt": lambda r: (r["createdAt"], r["revision"]), "createdBy": lambda r: r["createdBy"],
            "revision": lambda r: r["revision"]})
        page = paginate(items, "deployments", ("revisionCount",), page_size, page_number)
        page["revisions"] = page["deployments"]  # the SDK iterates `deployments`; the docs show `revisions`
        return page

    # --- run parameters ---------------------------------------------------------------------

    def get_parameters(self, deployment_id: str) -> dict:
        """The run parameter values of a deployment, hidden ones masked."""
        row = self._deployment_row(deployment_id)
        return masked_values(loads(row["run_parameters"], {}), self._deployment_hidden(row))

    def patch_parameters(self, deployment_id: str, body, *, v2: bool = False) -> dict:
        """Merge new run parameter values; answers the merged values, hidden ones masked."""
        body = as_object(body, "parameters")
        row = self._deployment_row(deployment_id)
        latest = self._latest_revision(deployment_id)
        spec_file = self._deployed_spec_file(row["spec_id"], latest["release_version"])
        validate.refuse(validate.check("parameters-patch", {"body": body}, spec_file=spec_file,
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
            values = {**loads(row["run_parameters"], {}), **own}
            db.execute("UPDATE deployments SET run_parameters = ?, updated_at = ? WHERE id = ?",
                       (dumps(values), now(), deployment_id))
            for child in db.execute("SELECT * FROM deployments WHERE parent_id = ?", (deployment_id,)).fetchall():
                if isinstance(per_block.get(child["name"]), dict):
                    merged = {**loads(child["run_parameters"], {}), **per_block[child["name"]]}
                    db.execute("UPDATE deployments SET run_parameters = ? WHERE id = ?", (dumps(merged), child["id"]))
        return masked_values(values, self._hidden(row["spec_id"], latest["release_version"]))

    # --- cross-kind -------------------------------------------------------------------------

    def list_release_deployments(self, spec_id: str, *, version=None, status=None, name=None, title=None,
                                 sort=None, page_size=None, page_number=None) -> dict:
        self._spec_row(spec_id)
        items = []
        for row in self._db().execute("SELECT * FROM deployments WHERE spec_id = ?", (spec_id,)).fetchall():
            item = self._deployment_dict(row, full=False)
            if version and item["spec"]["release"]["currentVersion"] != version:
                continue
            if status and row["status"] not in set(as_list(status)):
                continue
            if name and not row["name"].startswith(lookup_name(name)):
                continue
            if title and not str(item["metadata"].get("title") or "").startswith(title):
                continue
            items.append(item)
        items = sorted_items(items, sort, "createdAt:desc", {
            "createdAt": lambda d: d["metadata"]["createdAt"], "createdBy": lambda d: d["metadata"]["createdBy"],
            "name": lambda d: d["metadata"]["name"]})
        return paginate(items, "deployments", ("deploymentCount",), page_size, page_number)

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
                             "executionId": new_id(), "status": "executed"})
        return {"executeResponse": response}
