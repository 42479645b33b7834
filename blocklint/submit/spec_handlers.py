"""Specs, releases and spec metadata: create a new spec, or release a known one (a greater
version; the same version with the same content is up to date), or patch its metadata."""

from __future__ import annotations

from blocklint.submit.bundle import bundle_of
from blocklint.submit.compare import is_newer, is_subset, release_differences
from blocklint.submit.dryrun import body_details, spec_details
from blocklint.submit.errors import Refused
from blocklint.submit.items import is_placeholder, release_version


def _what(family: str) -> str:
    return "app spec" if family == "apps" else "block spec"


def submit_spec(run, item):
    family, name, what = item.family, item.name, _what(item.family)
    body = dict(item.body)
    if family == "apps":
        body["config"] = run.refs.resolve_app_config(item, body.get("config"))
    existing = run.target.find_spec(family, name)
    bundle = bundle_of(item, run.artifact_root, run.refs.load_settings.include_root)
    if existing is None:
        if run.dry_run:
            run.would("POST", f"/v1/{family}/specs/", spec_details(item, body, bundle.entries))
            item.created_id = f"<new {what} {name}>"
            return run.outcome(item, "created", f"would create {what} {name!r} release {release_version(body)}")
        try:
            result = run.target.create_spec(family, body, featured=item.cli.get("featured"),
                                            scope=item.cli.get("scope"), tenants=item.cli.get("tenants"),
                                            parameters=item.cli.get("parameters"),
                                            auto_run=item.cli.get("autoRunOnDeploy"), artifact=bundle.data)
        except run.target.errors as error:
            if getattr(error, "status", None) != 409:
                raise
            existing = run.target.find_spec(family, name)  # created meanwhile by another submit
            if existing is None:
                raise
        else:
            run.record_created(item, what, result["id"])
            return run.outcome(item, "created", f"created {what} {name!r} (id {result['id']}) "
                                                f"release {release_version(body)}")
    item.created_id = existing["id"]
    _release(run, item, existing, {"release": body.get("release"), "config": body.get("config")}, bundle)


def submit_release(run, item):
    family = item.family
    spec_id = run.refs.spec_id(item, item.refs.get("spec"), family)
    body = dict(item.body)
    if family == "apps":
        body["config"] = run.refs.resolve_app_config(item, body.get("config"))
    bundle = bundle_of(item, run.artifact_root, run.refs.load_settings.include_root)
    existing = None if is_placeholder(spec_id) else run.target.describe_spec(family, spec_id)
    _release(run, item, existing or {"id": spec_id}, body, bundle)


def _release(run, item, spec: dict, body: dict, bundle):
    family, spec_id, what = item.family, spec["id"], _what(item.family)
    spec_name = (spec.get("metadata") or {}).get("name") or item.name or spec_id
    version = release_version(body)
    theirs = None if is_placeholder(spec_id) else run.target.find_release(family, spec_id, version)
    if theirs is not None:
        differences = release_differences(body, item.cli, bundle.digest, theirs)
        if differences:
            raise Refused(f"release {version} of {what} {spec_name!r} already exists with different "
                          f"{', '.join(differences)}; raise release.version to release the change")
        return run.outcome(item, "up to date", f"up to date ({what} {spec_name!r} release {version})")
    latest = (spec.get("latestRelease") or {}).get("version")
    if latest is not None and version is not None and not is_newer(version, latest):
        raise Refused(f"release version {version} of {what} {spec_name!r} must be greater than its "
                      f"latest release {latest}")
    if run.dry_run:
        run.would("POST", f"/v1/{family}/specs/{spec_id}/releases",
                  spec_details(item, body, bundle.entries, what="release"))
        return run.outcome(item, "created", f"would create release {version} of {what} {spec_name!r}")
    run.target.create_release(family, spec_id, body, parameters=item.cli.get("parameters"),
                              auto_run=item.cli.get("autoRunOnDeploy") if family == "blocks" else None,
                              artifact=bundle.data)
    run.summary.record_created(f"release {version} of {what}", spec_name, spec_id)
    run.outcome(item, "created", f"created release {version} of {what} {spec_name!r} (spec id {spec_id})")


def submit_spec_metadata(run, item):
    ref = item.refs.get("spec")
    family = run.refs.spec_family(item, ref)
    spec_id = run.refs.spec_id(item, ref, family)
    body = item.body
    if not is_placeholder(spec_id):
        current = run.target.describe_spec(family, spec_id)
        same = is_subset(body.get("metadata") or {}, current.get("metadata") or {}) and all(
            current.get(key) == body[key] for key in ("featured", "scope", "tenants") if key in body)
        if same:
            return run.outcome(item, "up to date", f"up to date (spec {spec_id} metadata)")
    if run.dry_run:
        run.would("PATCH", f"/v1/{family}/specs/{spec_id}", body_details(body))
        return run.outcome(item, "updated", f"would update the metadata of spec {spec_id}")
    run.target.update_spec_metadata(family, spec_id, body)
    run.outcome(item, "updated", f"updated the metadata of spec {spec_id}")
