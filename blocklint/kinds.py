"""Which Press document a mapping is, from its shape alone.

Detection is conservative for bare bodies (files without `body:`): a YAML file that is not
a Press document (a CI workflow, a compose file) must not be mistaken for one. `peak` CLI
files (`body:` at the top) are Press documents by construction.
"""

from __future__ import annotations

import difflib
import fnmatch
import os

KINDS = (
    "block-spec",
    "block-spec-release",
    "spec-metadata",
    "block-deployment",
    "block-deployment-revision",
    "deployment-metadata",
    "parameters-patch",
    "app-spec",
    "app-spec-release",
    "app-deployment",
    "app-deployment-revision",
    "fallback-parameters",
)
SPEC_KINDS = ("block-spec", "block-spec-release", "app-spec", "app-spec-release")
DEPLOYMENT_KINDS = ("block-deployment", "block-deployment-revision", "app-deployment",
                    "app-deployment-revision", "parameters-patch", "fallback-parameters")
DEPLOYMENT_METADATA_KEYS = frozenset({"name", "title", "summary", "description",
                                      "descriptionContentType", "imageUrl", "tags"})
SPEC_METADATA_KEYS = frozenset({"metadata", "featured", "scope", "tenants"})
PARAM_GROUPS = frozenset({"build", "run"})
# `get_parameters(fallback_params_file=...)` files are flat maps with no telltale shape,
# so they are recognised by name (or --kind fallback-parameters).
FALLBACK_NAMES = ("*fallback*.yaml", "*fallback*.yml", "*fallback*.json")


def is_cli_file(data) -> bool:
    """A `peak` CLI file: keyword arguments of the SDK call, with the body under `body:`."""
    return isinstance(data, dict) and isinstance(data.get("body"), dict)


def detect(data, filename: str = "") -> str | None:
    """The kind of a loaded document, or None when it is not a Press document."""
    if not isinstance(data, dict):
        return None
    if is_cli_file(data):
        if not data["body"]:
            return None  # `body: {}` is no document at all, not an empty parameters patch
        return _body_kind(data["body"], cli=True) or "parameters-patch"
    base = os.path.basename(filename)
    if any(fnmatch.fnmatch(base, pattern) for pattern in FALLBACK_NAMES):
        return "fallback-parameters"
    return _body_kind(data, cli=False)


def _is_group_map(value) -> bool:
    """`{build: {...}, run: {...}}`: values of one block's parameters."""
    return isinstance(value, dict) and bool(value) and set(value) <= PARAM_GROUPS


def no_kind_message(body) -> str:
    """Why a `peak` CLI file's body is no Press document, for a BL006 finding."""
    if not body:
        return ("`body:` is empty, so this file is no Press document; write the spec, deployment or "
                "parameters under it")
    return ("`body:` matches no Press document kind (a block or app spec, a release, a deployment, a "
            "revision, metadata or parameters); if it is one, name its kind with --kind")


def _close_to(value, words) -> str | None:
    if not isinstance(value, str):
        return None
    close = difflib.get_close_matches(value.lower(), words, n=1, cutoff=0.6)
    return close[0] if close else None


def _spec_kind(body: dict, *, cli: bool) -> str | None:
    """A body with `kind:`. A kind close to a real one (`wrokflow`) still makes it a spec, so that
    the schema rules say "did you mean 'workflow'?" rather than the file passing as something else."""
    kind = body["kind"]
    if kind == "app" or isinstance(body.get("config"), list):
        return "app-spec"
    if kind in ("workflow", "service") or (cli and {"metadata", "config", "release"} & set(body)):
        return "block-spec"
    close = _close_to(kind, ["workflow", "service", "app"])
    if close == "app":
        return "app-spec"
    if close is not None and (cli or {"metadata", "config", "release", "version"} & set(body)):
        return "block-spec"
    return "block-spec" if cli else None


def _body_kind(body: dict, *, cli: bool) -> str | None:  # noqa: C901 - a decision table
    keys = set(body)
    if "kind" in keys:
        return _spec_kind(body, cli=cli)
    if "config" in keys and ("release" in keys or cli):
        return "app-spec-release" if isinstance(body["config"], list) else "block-spec-release"
    if isinstance(body.get("spec"), dict) and (cli or "id" in body["spec"]):
        spec = body["spec"]
        parameters = body.get("parameters")
        if "appParameters" in keys or "includes" in spec or "excludes" in spec:
            return "app-deployment"
        if isinstance(parameters, dict) and parameters and not set(parameters) <= PARAM_GROUPS:
            return "app-deployment"
        return "block-deployment"
    if "blocksConfig" in keys:
        return "app-deployment-revision"
    parameters = body.get("parameters")
    if "appParameters" in keys:
        if keys & {"revision", "release"} or _is_group_map(body["appParameters"]):
            return "app-deployment-revision"
        return "parameters-patch"
    if keys & {"revision", "release"} and keys <= {"revision", "release", "parameters"}:
        if isinstance(parameters, dict) and parameters and not set(parameters) <= PARAM_GROUPS:
            return "app-deployment-revision"
        return "block-deployment-revision"
    if isinstance(body.get("metadata"), dict) and keys <= SPEC_METADATA_KEYS:
        return "spec-metadata"
    if keys == {"parameters"} and isinstance(parameters, dict):
        return "block-deployment-revision" if _is_group_map(parameters) else "parameters-patch"
    if keys and keys <= DEPLOYMENT_METADATA_KEYS and ("name" in keys or "summary" in keys or cli):
        return "deployment-metadata"
    return "parameters-patch" if cli else None
