"""`blocklint submit`: lint everything, then send what passed to Press, in dependency order.

Per file, by kind:

- block or app spec: a new `metadata.name` creates the spec (with its artifact zip, built as
  peak-sdk builds it); a known name creates a release, whose version must be greater than the
  latest; the same version with the same content is "up to date" and nothing is sent;
- spec release and spec metadata files: the spec they belong to is named by a comment,
  `# blocklint: spec=REF` (or `--spec-id REF`);
- deployments: `spec.id` (and an app deployment's `includes`/`excludes` ids, and an app spec's
  block ids) may be a REF; a deployment whose name exists is "up to date" when one of its
  revisions has the same release and parameters;
- revisions, deployment metadata, parameter patches: `# blocklint: deployment=REF` (or
  `--deployment-id REF`); each is skipped as "up to date" when the deployment already says so.

A REF is a path to the spec (deployment) file, relative to the file that names it; or a
`metadata.name`; or an id. Files submitted in the same run are found first, then the target.

Targets: `local` (the embedded registry, no HTTP), `http(s)://HOST:PORT` (any Press-compatible
endpoint, such as `blocklint serve`), or `peak` (press.<stage>.peak.ai). For `peak` and URLs the
token comes from `$PEAK_AUTH_TOKEN` or `$API_KEY` and is sent as peak-sdk sends it; it never
appears in output.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from blocklint.commandline import fail as _fail, parse_params, template_options

EXIT_OK, EXIT_REFUSED, EXIT_FAILURE = 0, 1, 2
STAGES = ("dev", "latest", "test", "beta", "prod", "parvati")
TOKEN_VARS = ("PEAK_AUTH_TOKEN", "API_KEY")
ORDER = {"block-spec": 0, "block-spec-release": 1, "app-spec": 2, "app-spec-release": 3, "spec-metadata": 4,
         "block-deployment": 5, "app-deployment": 6, "block-deployment-revision": 7,
         "app-deployment-revision": 7, "deployment-metadata": 8, "parameters-patch": 9}
_DIRECTIVE = re.compile(r"#\s*blocklint:\s*(spec|deployment)\s*=\s*(\S+)")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PATH_SUFFIXES = (".yaml", ".yml", ".json", ".j2")


class Refused(Exception):
    """A file that cannot be submitted; the message says why and what to do."""


class Unreachable(Exception):
    """The target cannot be used at all (no token, cannot connect)."""


# --- targets ------------------------------------------------------------------------------


class LocalTarget:
    """The embedded registry, called directly; the same methods as `PressClient`."""

    label = "local registry"

    def __init__(self, registry):
        from blocklint.registry.errors import NotFound, RegistryError

        self.registry = registry
        self._not_found = NotFound
        self.errors = (RegistryError,)

    def __getattr__(self, name):
        return getattr(self.registry, name)

    def find_release(self, family, spec_id, version):
        try:
            return self.registry.describe_release(family, spec_id, version)
        except self._not_found:
            return None

    def list_revisions(self, family, deployment_id):
        return self.registry.list_revisions(family, deployment_id, page_size=10_000)["deployments"]


class EmptyTarget:
    """A local registry that does not exist yet, for --dry-run (which must not create it)."""

    label = "local registry (empty)"
    errors = ()

    def find_spec(self, family, name):
        return None

    def find_deployment(self, family, name):
        return None

    def find_release(self, family, spec_id, version):
        return None

    def describe_deployment(self, family, deployment_id):
        return None

    def describe_spec(self, family, spec_id):
        raise Refused(f"spec {spec_id} not found (the local registry is empty)")

    def list_revisions(self, family, deployment_id):
        return []

    def get_parameters(self, deployment_id):
        return {}


class HttpTarget:
    def __init__(self, client, label):
        from blocklint.client.http import PressError

        self.client = client
        self.label = label
        self.errors = (PressError,)

    def __getattr__(self, name):
        return getattr(self.client, name)


def _token():
    for name in TOKEN_VARS:
        if os.environ.get(name):
            return os.environ[name]
    return None


def open_target(target: str, stage: str | None, *, dry_run: bool, timeout: float = 60.0, retries: int = 4):
    if target == "local":
        from blocklint.registry import open_registry, registry_path

        path = registry_path()
        if dry_run and not path.exists():
            return EmptyTarget(), f"local registry {path} (does not exist yet)"
        return LocalTarget(open_registry(path)), f"local registry {path}"
    if target == "peak":
        stage = stage or os.environ.get("PEAK__STAGE") or os.environ.get("STAGE") or "prod"
        if stage not in STAGES:
            raise Unreachable(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
        token = _token()
        if not token:
            raise Unreachable("--target peak needs a token: set PEAK_AUTH_TOKEN or API_KEY")
        from blocklint.client.http import PressClient, stage_base_url

        url = stage_base_url(stage)
        client = PressClient(url, token, timeout=timeout, retries=retries)
        return HttpTarget(client, url), f"Peak Press at {url} (stage {stage})"
    if re.match(r"^https?://[^/\s]+", target):
        from blocklint.client.http import PressClient

        return HttpTarget(PressClient(target, _token(), timeout=timeout, retries=retries), target), target
    raise Unreachable(f"--target {target!r}: expected local, peak or an http(s):// URL")


# --- files --------------------------------------------------------------------------------


@dataclass
class Item:
    path: str
    doc: object
    kind: str
    cli: dict
    refs: dict = field(default_factory=dict)  # directive -> REF
    created_id: str | None = None

    @property
    def body(self) -> dict:
        return self.cli.get("body") or {}

    @property
    def family(self) -> str:
        return "apps" if self.kind.startswith("app") else "blocks"

    @property
    def name(self):
        metadata = self.body.get("metadata")
        return metadata.get("name") if isinstance(metadata, dict) else None

    @property
    def location(self) -> Path:
        return Path(self.path).resolve()


def _directives(source: str) -> dict:
    return {match.group(1): match.group(2) for match in _DIRECTIVE.finditer(source or "")}


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or ref.endswith(_PATH_SUFFIXES)


def _version(body: dict):
    release = body.get("release")
    version = release.get("version") if isinstance(release, dict) else None
    return None if version is None else str(version)


def _semver_key(version):
    from blocklint.semver import semver_key

    return semver_key(version) if version is not None else None


def _norm_params(parameters) -> dict:
    if not isinstance(parameters, dict):
        return {}
    return {group: value for group, value in parameters.items() if group in ("build", "run") and value}


def _release_differences(body: dict, cli: dict, digest: str | None, theirs: dict) -> list[str]:
    """What differs between a release we would send and the one the target has."""
    differences = []
    if "config" in theirs and theirs.get("config") != body.get("config"):
        differences.append("config")
    ours_notes = (body.get("release") or {}).get("notes")
    if "notes" in theirs and (theirs.get("notes") or None) != (ours_notes or None):
        differences.append("release notes")
    if "parameters" in theirs and _norm_params(theirs.get("parameters")) != _norm_params(cli.get("parameters")):
        differences.append("parameters")
    if "autoRunOnDeploy" in theirs and "autoRunOnDeploy" in cli and \
            bool(theirs.get("autoRunOnDeploy")) != bool(cli.get("autoRunOnDeploy")):
        differences.append("autoRunOnDeploy")
    their_digest = (theirs.get("artifact") or {}).get("digest")
    if digest and their_digest and digest != their_digest:
        differences.append("artifact files")
    return differences


def _subset(wanted: dict, current: dict) -> bool:
    return all(current.get(key) == value for key, value in wanted.items())


# --- the run ------------------------------------------------------------------------------


class Submitter:
    def __init__(self, target, *, dry_run: bool, artifact_root, load_settings, echo):
        self.target = target
        self.dry_run = dry_run
        self.artifact_root = artifact_root
        self.load_settings = load_settings
        self.echo = echo
        self.items: list[Item] = []
        self.created: list[tuple[str, str, str]] = []  # (what, name, id)
        self.counts = {"created": 0, "updated": 0, "up to date": 0, "skipped": 0}

    # -- references --

    def _item_at(self, base: Item, ref: str, kinds) -> Item | None:
        wanted = (base.location.parent / ref).resolve()
        for item in self.items:
            if item.location == wanted and item.kind in kinds:
                return item
        return None

    def _load_ref_file(self, base: Item, ref: str) -> Item:
        from blocklint.load import load_path

        path = base.location.parent / ref
        if not path.is_file():
            raise Refused(f"{ref!r} (relative to {base.path}) is not a file")
        doc = load_path(path, self.load_settings)
        if doc.kind is None or doc.problems:
            raise Refused(f"{ref!r} (relative to {base.path}) is not a Press document blocklint can read")
        cli = doc.data if doc.cli else {"body": doc.data}
        return Item(str(path), doc, doc.kind, cli)

    def spec_id(self, base: Item, ref, family: str) -> str:
        """The id of the spec REF names (a placeholder in a dry run for one not created yet)."""
        if not isinstance(ref, str) or not ref:
            raise Refused("no spec named: add `# blocklint: spec=<spec file, name or id>` or use --spec-id")
        kinds = ("app-spec",) if family == "apps" else ("block-spec",)
        name = ref
        if _looks_like_path(ref):
            item = self._item_at(base, ref, kinds) or self._load_ref_file(base, ref)
            if item.kind not in kinds:
                raise Refused(f"{ref!r} is a {item.kind}, not a {kinds[0]}")
            if item.created_id:
                return item.created_id
            name = item.name
        else:
            for item in self.items:
                if item.kind in kinds and item.name == ref and item.created_id:
                    return item.created_id
            if _UUID.match(ref):
                return ref
        found = self.target.find_spec(family, name)
        if found:
            return found["id"]
        raise Refused(f"no {kinds[0].replace('-', ' ')} named {name!r} in this run or on the target")

    def deployment(self, base: Item, ref, family: str | None) -> tuple[str, str, dict | None]:
        """(family, id, description or None in a dry run) of the deployment REF names."""
        if not isinstance(ref, str) or not ref:
            raise Refused("no deployment named: add `# blocklint: deployment=<deployment file, name or id>` "
                          "or use --deployment-id")
        families = [family] if family else ["blocks", "apps"]
        name = ref
        if _looks_like_path(ref):
            item = self._item_at(base, ref, ("block-deployment", "app-deployment")) or self._load_ref_file(base, ref)
            if item.kind not in ("block-deployment", "app-deployment"):
                raise Refused(f"{ref!r} is a {item.kind}, not a deployment")
            families = [item.family]
            if item.created_id:
                return item.family, item.created_id, self._describe_deployment(item.family, item.created_id)
            name = item.name
        elif _UUID.match(ref):
            for candidate in families:
                description = self._describe_deployment(candidate, ref, missing_ok=True)
                if description:
                    return candidate, ref, description
        for candidate in families:
            found = self.target.find_deployment(candidate, name)
            if found:
                return candidate, found["id"], found
        raise Refused(f"no deployment named {name!r} in this run or on the target")

    def _describe_deployment(self, family, deployment_id, *, missing_ok=False):
        if deployment_id.startswith("<"):
            return None
        try:
            return self.target.describe_deployment(family, deployment_id)
        except self.target.errors as error:
            if missing_ok and getattr(error, "status", None) == 404:
                return None
            raise

    def _resolve_app_config(self, item: Item, config) -> list:
        resolved = copy.deepcopy(config) if isinstance(config, list) else config
        for entry in resolved or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                entry["id"] = self.spec_id(item, entry["id"], "blocks")
        return resolved

    # -- artifacts --

    def artifact(self, item: Item):
        """(zip bytes, entries, digest) of a block spec's artifact, or (None, [], None)."""
        artifact = item.cli.get("artifact")
        if item.family != "blocks" or not isinstance(artifact, dict) or not artifact.get("path"):
            return None, [], None
        from blocklint import artifact as artifacts
        from blocklint.registry.digest import artifact_digest

        root = artifacts.resolve_path(str(artifact["path"]), self.artifact_root)
        try:
            data = artifacts.build_zip(root, artifact.get("ignore_files"))
            files = artifacts.artifact_files(root, artifact.get("ignore_files"))
        except artifacts.ArtifactError as error:
            raise Refused(f"artifact: {error}") from None
        entries = sorted(files + [f"{d}/" for d in artifacts.directory_entries(files)])
        return data, entries, artifact_digest(data)

    # -- output --

    def _outcome(self, item: Item, status: str, text: str):
        self.counts[status] = self.counts.get(status, 0) + 1
        self.echo(f"{item.path}: {text}")

    def _would(self, method: str, path: str, lines: list[str]):
        self.echo(f"  would {method} {path}")
        for line in lines:
            self.echo(f"    {line}")

    def _spec_summary(self, item: Item, body: dict, artifact_entries, what="spec") -> list[str]:
        lines = []
        config = body.get("config")
        shape = ", ".join(sorted(config)) if isinstance(config, dict) else f"{len(config or [])} blocks"
        kind = body.get("kind", item.kind.replace("-", " "))
        lines.append(f"{what}: {kind} {item.name or ''} release {_version(body)} (config: {shape})".replace("  ", " "))
        extras = []
        for key in ("featured", "scope", "tenants", "autoRunOnDeploy"):
            if key in item.cli:
                extras.append(f"{key}={json.dumps(item.cli[key])}")
        params = _norm_params(item.cli.get("parameters"))
        if params:
            extras.append("parameters: " + ", ".join(f"{g} x{len(v)}" for g, v in params.items()))
        if extras:
            lines.append(" ".join(extras))
        if artifact_entries:
            shown = ", ".join(artifact_entries[:20]) + (" ..." if len(artifact_entries) > 20 else "")
            lines.append(f"artifact {item.cli['artifact']['path']} -> artifact.zip "
                         f"({len(artifact_entries)} entries): {shown}")
        return lines

    @staticmethod
    def _json_summary(body: dict) -> list[str]:
        text = json.dumps(body, sort_keys=True)
        return [f"body: {text[:300]}{' ...' if len(text) > 300 else ''}"]

    def _record(self, item: Item, what: str, new_id: str):
        item.created_id = new_id
        self.created.append((what, item.name or item.path, new_id))

    # -- kinds --

    def submit_spec(self, item: Item):
        family, name = item.family, item.name
        body = dict(item.body)
        if family == "apps":
            body["config"] = self._resolve_app_config(item, body.get("config"))
        existing = self.target.find_spec(family, name)
        data, entries, digest = self.artifact(item)
        what = "app spec" if family == "apps" else "block spec"
        if existing is None:
            if self.dry_run:
                self._would("POST", f"/v1/{family}/specs/", self._spec_summary(item, body, entries))
                item.created_id = f"<new {what} {name}>"
                return self._outcome(item, "created", f"would create {what} {name!r} release {_version(body)}")
            try:
                result = self.target.create_spec(family, body, featured=item.cli.get("featured"),
                                                 scope=item.cli.get("scope"), tenants=item.cli.get("tenants"),
                                                 parameters=item.cli.get("parameters"),
                                                 auto_run=item.cli.get("autoRunOnDeploy"), artifact=data)
            except self.target.errors as error:
                if getattr(error, "status", None) != 409:
                    raise
                existing = self.target.find_spec(family, name)  # created meanwhile by another submit
                if existing is None:
                    raise
            else:
                self._record(item, what, result["id"])
                return self._outcome(item, "created", f"created {what} {name!r} (id {result['id']}) "
                                                      f"release {_version(body)}")
        item.created_id = existing["id"]
        release_body = {"release": body.get("release"), "config": body.get("config")}
        self._release(item, existing, release_body, data, entries, digest, what)

    def submit_release(self, item: Item):
        family = item.family
        what = "app spec" if family == "apps" else "block spec"
        spec_id = self.spec_id(item, item.refs.get("spec"), family)
        body = dict(item.body)
        if family == "apps":
            body["config"] = self._resolve_app_config(item, body.get("config"))
        data, entries, digest = self.artifact(item)
        existing = None if spec_id.startswith("<") else self.target.describe_spec(family, spec_id)
        self._release(item, existing or {"id": spec_id}, body, data, entries, digest, what)

    def _release(self, item, spec, body, data, entries, digest, what):
        family, spec_id = item.family, spec["id"]
        spec_name = (spec.get("metadata") or {}).get("name") or item.name or spec_id
        version = _version(body)
        theirs = None if spec_id.startswith("<") else self.target.find_release(family, spec_id, version)
        if theirs is not None:
            differences = _release_differences(body, item.cli, digest, theirs)
            if differences:
                raise Refused(f"release {version} of {what} {spec_name!r} already exists with different "
                              f"{', '.join(differences)}; raise release.version to release the change")
            return self._outcome(item, "up to date", f"up to date ({what} {spec_name!r} release {version})")
        latest = ((spec.get("latestRelease") or {}).get("version"))
        if latest is not None and version is not None:
            new_key, latest_key = _semver_key(version), _semver_key(latest)
            if new_key is None or latest_key is None or new_key <= latest_key:
                raise Refused(f"release version {version} of {what} {spec_name!r} must be greater than its "
                              f"latest release {latest}")
        if self.dry_run:
            self._would("POST", f"/v1/{family}/specs/{spec_id}/releases",
                        self._spec_summary(item, body, entries, what="release"))
            return self._outcome(item, "created", f"would create release {version} of {what} {spec_name!r}")
        self.target.create_release(family, spec_id, body, parameters=item.cli.get("parameters"),
                                   auto_run=item.cli.get("autoRunOnDeploy") if family == "blocks" else None,
                                   artifact=data)
        self.created.append((f"release {version} of {what}", spec_name, spec_id))
        self._outcome(item, "created", f"created release {version} of {what} {spec_name!r} (spec id {spec_id})")

    def submit_spec_metadata(self, item: Item):
        ref = item.refs.get("spec")
        family = "blocks"
        if isinstance(ref, str) and _looks_like_path(ref):
            target_item = self._item_at(item, ref, ("block-spec", "app-spec")) or self._load_ref_file(item, ref)
            family = target_item.family
        spec_id = self.spec_id(item, ref, family)
        body = item.body
        if not spec_id.startswith("<"):
            current = self.target.describe_spec(family, spec_id)
            same = _subset(body.get("metadata") or {}, current.get("metadata") or {}) and all(
                current.get(key) == body[key] for key in ("featured", "scope", "tenants") if key in body)
            if same:
                return self._outcome(item, "up to date", f"up to date (spec {spec_id} metadata)")
        if self.dry_run:
            self._would("PATCH", f"/v1/{family}/specs/{spec_id}", self._json_summary(body))
            return self._outcome(item, "updated", f"would update the metadata of spec {spec_id}")
        self.target.update_spec_metadata(family, spec_id, body)
        self._outcome(item, "updated", f"updated the metadata of spec {spec_id}")

    def submit_deployment(self, item: Item):
        family, name = item.family, item.name
        body = copy.deepcopy(item.body)
        spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
        spec["id"] = self.spec_id(item, spec.get("id"), family)
        for key in ("includes", "excludes"):
            for entry in spec.get(key) or []:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    entry["id"] = self.spec_id(item, entry["id"], "blocks")
        what = "app deployment" if family == "apps" else "block deployment"
        existing = None if spec["id"].startswith("<") else self.target.find_deployment(family, name)
        if existing is None:
            if self.dry_run:
                self._would("POST", f"/v1/{family}/deployments/", self._json_summary(body))
                item.created_id = f"<new {what} {name}>"
                return self._outcome(item, "created", f"would create {what} {name!r}")
            try:
                result = self.target.create_deployment(family, body)
            except self.target.errors as error:
                existing = self.target.find_deployment(family, name) if getattr(error, "status", None) == 409 else None
                if existing is None:
                    raise
            else:
                self._record(item, what, result["id"])
                return self._outcome(item, "created", f"created {what} {name!r} (id {result['id']})")
        item.created_id = existing["id"]
        if (existing.get("spec") or {}).get("id") != spec["id"]:
            raise Refused(f"{what} {name!r} already exists (id {existing['id']}) for another spec")
        if self._has_revision_like(family, existing["id"], body):
            return self._outcome(item, "up to date", f"up to date ({what} {name!r}, id {existing['id']})")
        raise Refused(f"{what} {name!r} already exists (id {existing['id']}) and none of its revisions has this "
                      "release and these parameters; to change it, submit a revision file "
                      "(`# blocklint: deployment=<this file>`)")

    def _has_revision_like(self, family, deployment_id, body, *, latest_only=False) -> bool:
        version = _version(body.get("spec") or {}) if "spec" in body else _version(body)
        revisions = self.target.list_revisions(family, deployment_id)
        if latest_only and revisions:
            revisions = [max(revisions, key=lambda r: r.get("revision") or 0)]
        for revision in revisions:
            their_version = ((revision.get("release") or {}).get("version")
                             or ((revision.get("spec") or {}).get("release") or {}).get("version"))
            if version is not None and their_version is not None and str(their_version) != version:
                continue
            if latest_only and "notes" in revision and \
                    (revision.get("notes") or None) != ((body.get("revision") or {}).get("notes") or None):
                continue
            if self._params_match(family, body, revision.get("parameters")):
                return True
        return False

    @staticmethod
    def _params_match(family, body, theirs) -> bool:
        if not isinstance(theirs, dict):
            return True  # a shape this client cannot compare: the release matched
        if family == "apps":
            ours = {"appParameters": _norm_params(body.get("appParameters")), "parameters": body.get("parameters") or {}}
            return {"appParameters": _norm_params(theirs.get("appParameters")),
                    "parameters": theirs.get("parameters") or {}} == ours
        if any(not isinstance(value, dict) for value in theirs.values()):
            return True
        return _norm_params(theirs) == _norm_params(body.get("parameters"))

    def submit_revision(self, item: Item):
        family, deployment_id, description = self.deployment(item, item.refs.get("deployment"), item.family)
        body = item.body
        if description is not None and self._has_revision_like(family, deployment_id, body, latest_only=True):
            return self._outcome(item, "up to date", f"up to date (latest revision of deployment {deployment_id})")
        if self.dry_run:
            self._would("POST", f"/v1/{family}/deployments/{deployment_id}/revisions", self._json_summary(body))
            return self._outcome(item, "created", f"would create a revision of deployment {deployment_id}")
        result = self.target.create_revision(family, deployment_id, body)
        self.created.append((f"revision {result.get('revision')} of", f"deployment {deployment_id}", result.get("id")))
        self._outcome(item, "created", f"created revision {result.get('revision')} (id {result.get('id')}) "
                                       f"of deployment {deployment_id}")

    def submit_deployment_metadata(self, item: Item):
        family, deployment_id, description = self.deployment(item, item.refs.get("deployment"), None)
        body = item.body
        if description is not None and _subset(body, description.get("metadata") or {}):
            return self._outcome(item, "up to date", f"up to date (deployment {deployment_id} metadata)")
        if self.dry_run:
            self._would("PATCH", f"/v1/{family}/deployments/{deployment_id}", self._json_summary(body))
            return self._outcome(item, "updated", f"would update the metadata of deployment {deployment_id}")
        self.target.update_deployment_metadata(family, deployment_id, body)
        self._outcome(item, "updated", f"updated the metadata of deployment {deployment_id}")

    def submit_parameters(self, item: Item):
        family, deployment_id, description = self.deployment(item, item.refs.get("deployment"), None)
        body = item.body
        v2 = bool(body) and set(body) <= {"parameters", "appParameters"} and all(isinstance(v, dict) for v in body.values())
        own = (body.get("appParameters") if family == "apps" else body.get("parameters")) if v2 else body
        per_block = body.get("parameters") if v2 and family == "apps" else None
        if description is not None and not per_block:
            if _subset(own or {}, self.target.get_parameters(deployment_id)):
                return self._outcome(item, "up to date", f"up to date (run parameters of deployment {deployment_id})")
        path = f"/{'v2' if v2 else 'v1'}/deployments/{deployment_id}/parameters/run"
        if self.dry_run:
            self._would("PATCH", path, self._json_summary(body))
            return self._outcome(item, "updated", f"would update the run parameters of deployment {deployment_id}")
        self.target.patch_parameters(deployment_id, body, v2=v2)
        self._outcome(item, "updated", f"updated the run parameters of deployment {deployment_id}")

    HANDLERS = {"block-spec": "submit_spec", "app-spec": "submit_spec", "block-spec-release": "submit_release",
                "app-spec-release": "submit_release", "spec-metadata": "submit_spec_metadata",
                "block-deployment": "submit_deployment", "app-deployment": "submit_deployment",
                "block-deployment-revision": "submit_revision", "app-deployment-revision": "submit_revision",
                "deployment-metadata": "submit_deployment_metadata", "parameters-patch": "submit_parameters"}

    def run(self, item: Item):
        getattr(self, self.HANDLERS[item.kind])(item)


# --- the command --------------------------------------------------------------------------


def _lint(paths, planner):
    """(items, results, failed): every Press document loaded and checked with its plan, the
    specs of this run known to the deployments that name them (by path or name)."""
    from blocklint import runner
    from blocklint.specs import as_spec_document

    loaded = []
    for target in runner.discover(paths or ["."], planner.default):
        if target.path == runner.STDIN:
            raise click.UsageError("submit reads files, not stdin")
        doc = runner.load_target(target, planner.for_path(target.path).load)
        if doc.kind is None and (not doc.problems or not target.explicit):
            continue
        loaded.append(doc)
    run_specs = [found for doc in loaded if not doc.problems and (found := as_spec_document(doc))]
    results, items, plans = [], [], {}
    for doc in loaded:
        plan = planner.for_path(doc.path)
        plan = plans.setdefault(id(plan), plan.with_specs(run_specs))
        result = runner.check_document(doc, plan)
        results.append(result)
        if doc.kind is not None:
            cli = doc.data if doc.cli else {"body": doc.data}
            items.append(Item(doc.path, doc, doc.kind, cli, _directives(doc.source)))
    failed = any(result.failed for result in results)
    return items, results, failed


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--target", default="local", show_default=True, metavar="local|peak|URL",
              help="Where to submit: the embedded registry, the Peak platform, or a Press-compatible URL "
                   "(e.g. a `blocklint serve`).")
@click.option("--stage", help="Peak stage for --target peak (default: $PEAK__STAGE, $STAGE, prod).")
@click.option("--dry-run", is_flag=True, help="Print each request instead of sending it (lookups still run).")
@template_options
@click.option("--artifact-root", type=click.Path(file_okay=False),
              help="Resolve `artifact.path` from here instead of the working directory.")
@click.option("--spec-id", "default_spec", metavar="REF",
              help="The spec of release and spec-metadata files that name none (a file, name or id).")
@click.option("--deployment-id", "default_deployment", metavar="REF",
              help="The deployment of revision, metadata and parameter files that name none.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds to wait for each HTTP answer.")
@click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True,
              help="Re-sends after a 429, a 5xx or a connection error (creates look their name up first).")
def submit(paths, target, stage, dry_run, params_file, params, no_template, template_env, config_file, isolated,
           artifact_root, default_spec, default_deployment, timeout, retries):
    """Lint PATHS, then send what passed to Press: specs, releases, deployments, revisions,
    metadata and parameter patches, in dependency order."""
    from blocklint import runner
    from blocklint.plan import Overrides, Planner, PlanError

    overrides = Overrides(params_file=params_file, params=parse_params(params), template=not no_template,
                          template_env=template_env, config_file=config_file, isolated=isolated,
                          artifact_root=artifact_root)
    try:
        planner = Planner(overrides)
        items, results, failed = _lint(paths, planner)
    except (PlanError, runner.UnreadablePath) as error:
        _fail(str(error))
    load_settings = planner.default.load
    shown = [result for result in results if any(f.severity != "info" for f in result.findings)]
    if shown:
        from blocklint.report import reporter_class

        reporter = reporter_class("text")(sys.stdout)
        reporter.start()
        for result in shown:
            reporter.file(result)
        reporter.finish(shown)
    if failed:
        click.echo("blocklint submit: nothing was sent: fix the errors above first", err=True)
        sys.exit(EXIT_REFUSED)
    for item in items:
        if default_spec and "spec" not in item.refs:
            item.refs["spec"] = default_spec
        if default_deployment and "deployment" not in item.refs:
            item.refs["deployment"] = default_deployment
    try:
        press, description = open_target(target, stage, dry_run=dry_run, timeout=timeout, retries=retries)
    except Unreachable as error:
        _fail(str(error))
    except Exception as error:  # sqlite3.Error, OSError opening the registry
        _fail(f"cannot open the target: {type(error).__name__}: {error}")
    click.echo(f"{'dry run against' if dry_run else 'submitting to'} {description}")
    submitter = Submitter(press, dry_run=dry_run, artifact_root=artifact_root, load_settings=load_settings,
                          echo=click.echo)
    submitter.items = items
    ordered = sorted(items, key=lambda item: (ORDER.get(item.kind, 99), item.path))
    code = EXIT_OK
    for index, item in enumerate(ordered):
        if item.kind not in Submitter.HANDLERS:
            submitter._outcome(item, "skipped", f"skipped ({item.kind} files are read locally, not submitted)")
            continue
        try:
            submitter.run(item)
        except Refused as error:
            click.echo(f"{item.path}: refused: {error}", err=True)
            code = EXIT_REFUSED
        except press.errors as error:
            status = getattr(error, "status", None)
            click.echo(f"{item.path}: {'refused' if status else 'failed'}: {getattr(error, 'message', error)}",
                       err=True)
            for finding in getattr(error, "findings", [])[:20]:
                if isinstance(finding, dict):
                    click.echo(f"  {finding.get('rule')} {finding.get('path') or ''}: {finding.get('message')}",
                               err=True)
            code = EXIT_REFUSED if status and status < 500 else EXIT_FAILURE
        except Exception as error:  # sqlite3.Error and the like: say what, never a traceback
            if os.environ.get("BLOCKLINT_DEBUG"):
                raise
            click.echo(f"{item.path}: failed: {type(error).__name__}: {error}", err=True)
            code = EXIT_FAILURE
        if code != EXIT_OK:
            left = len(ordered) - index - 1
            if left:
                click.echo(f"blocklint submit: stopped; {left} file{'s' if left != 1 else ''} not submitted", err=True)
            break
    counts = ", ".join(f"{count} {status}" for status, count in submitter.counts.items() if count)
    click.echo(f"{'dry run: ' if dry_run else ''}{len(ordered)} file{'s' if len(ordered) != 1 else ''}: "
               f"{counts or 'nothing to do'}")
    if submitter.created and not dry_run:
        click.echo("created:")
        for what, name, new_id in submitter.created:
            click.echo(f"  {what} {name}: {new_id}")
    sys.exit(code)
