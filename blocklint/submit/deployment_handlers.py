"""Deployments, revisions, deployment metadata and run-parameter patches: create, or find that
the deployment already says so ("up to date")."""

from __future__ import annotations

import copy

from blocklint.submit.compare import is_subset, parameters_match
from blocklint.submit.dryrun import body_details
from blocklint.submit.errors import Refused
from blocklint.submit.items import is_placeholder, release_version


def submit_deployment(run, item):
    family, name = item.family, item.name
    body = copy.deepcopy(item.body)
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    spec["id"] = run.refs.spec_id(item, spec.get("id"), family)
    for key in ("includes", "excludes"):
        for entry in spec.get(key) or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                entry["id"] = run.refs.spec_id(item, entry["id"], "blocks")
    what = "app deployment" if family == "apps" else "block deployment"
    existing = None if is_placeholder(spec["id"]) else run.target.find_deployment(family, name)
    if existing is None:
        if run.dry_run:
            run.would("POST", f"/v1/{family}/deployments/", body_details(body))
            item.created_id = f"<new {what} {name}>"
            return run.outcome(item, "created", f"would create {what} {name!r}")
        try:
            result = run.target.create_deployment(family, body)
        except run.target.errors as error:
            existing = run.target.find_deployment(family, name) if getattr(error, "status", None) == 409 else None
            if existing is None:
                raise
        else:
            run.record_created(item, what, result["id"])
            return run.outcome(item, "created", f"created {what} {name!r} (id {result['id']})")
    item.created_id = existing["id"]
    if (existing.get("spec") or {}).get("id") != spec["id"]:
        raise Refused(f"{what} {name!r} already exists (id {existing['id']}) for another spec")
    if has_revision_like(run.target, family, existing["id"], body):
        return run.outcome(item, "up to date", f"up to date ({what} {name!r}, id {existing['id']})")
    raise Refused(f"{what} {name!r} already exists (id {existing['id']}) and none of its revisions has this "
                  "release and these parameters; to change it, submit a revision file "
                  "(`# blocklint: deployment=<this file>`)")


def has_revision_like(target, family, deployment_id, body, *, latest_only=False) -> bool:
    """One of the deployment's revisions (or its latest, with the same notes) has this body's
    release and parameters."""
    version = release_version(body.get("spec") or {}) if "spec" in body else release_version(body)
    revisions = target.list_revisions(family, deployment_id)
    if latest_only and revisions:
        revisions = [max(revisions, key=lambda revision: revision.get("revision") or 0)]
    for revision in revisions:
        their_version = ((revision.get("release") or {}).get("version")
                         or ((revision.get("spec") or {}).get("release") or {}).get("version"))
        if version is not None and their_version is not None and str(their_version) != version:
            continue
        if latest_only and "notes" in revision and \
                (revision.get("notes") or None) != ((body.get("revision") or {}).get("notes") or None):
            continue
        if parameters_match(family, body, revision.get("parameters")):
            return True
    return False


def submit_revision(run, item):
    family, deployment_id, description = run.refs.deployment(item, item.refs.get("deployment"), item.family)
    body = item.body
    if description is not None and has_revision_like(run.target, family, deployment_id, body, latest_only=True):
        return run.outcome(item, "up to date", f"up to date (latest revision of deployment {deployment_id})")
    if run.dry_run:
        run.would("POST", f"/v1/{family}/deployments/{deployment_id}/revisions", body_details(body))
        return run.outcome(item, "created", f"would create a revision of deployment {deployment_id}")
    result = run.target.create_revision(family, deployment_id, body)
    run.summary.record_created(f"revision {result.get('revision')} of", f"deployment {deployment_id}",
                               result.get("id"))
    run.outcome(item, "created", f"created revision {result.get('revision')} (id {result.get('id')}) "
                                 f"of deployment {deployment_id}")


def submit_deployment_metadata(run, item):
    family, deployment_id, description = run.refs.deployment(item, item.refs.get("deployment"), None)
    body = item.body
    if description is not None and is_subset(body, description.get("metadata") or {}):
        return run.outcome(item, "up to date", f"up to date (deployment {deployment_id} metadata)")
    if run.dry_run:
        run.would("PATCH", f"/v1/{family}/deployments/{deployment_id}", body_details(body))
        return run.outcome(item, "updated", f"would update the metadata of deployment {deployment_id}")
    run.target.update_deployment_metadata(family, deployment_id, body)
    run.outcome(item, "updated", f"updated the metadata of deployment {deployment_id}")


def submit_parameters(run, item):
    family, deployment_id, description = run.refs.deployment(item, item.refs.get("deployment"), None)
    body = item.body
    v2 = bool(body) and set(body) <= {"parameters", "appParameters"} and all(isinstance(v, dict) for v in body.values())
    own = (body.get("appParameters") if family == "apps" else body.get("parameters")) if v2 else body
    per_block = body.get("parameters") if v2 and family == "apps" else None
    if description is not None and not per_block and is_subset(own or {}, run.target.get_parameters(deployment_id)):
        return run.outcome(item, "up to date", f"up to date (run parameters of deployment {deployment_id})")
    path = f"/{'v2' if v2 else 'v1'}/deployments/{deployment_id}/parameters/run"
    if run.dry_run:
        run.would("PATCH", path, body_details(body))
        return run.outcome(item, "updated", f"would update the run parameters of deployment {deployment_id}")
    run.target.patch_parameters(deployment_id, body, v2=v2)
    run.outcome(item, "updated", f"updated the run parameters of deployment {deployment_id}")
