"""What the target already has against what `submit` would send: the decisions behind
"up to date", "already exists with different ..." and "must be greater than its latest"."""

from __future__ import annotations

from blocklint.registry.hidden import masked_definitions
from blocklint.semver import semver_key


def is_newer(version, latest) -> bool:
    """`version` has semantic-version precedence over `latest` (both must be semantic versions)."""
    new_key, latest_key = semver_key(version), semver_key(latest)
    return new_key is not None and latest_key is not None and new_key > latest_key


def run_and_build_parameters(parameters) -> dict:
    """The `build` and `run` parameter groups that hold anything (empty ones equal absent ones)."""
    if not isinstance(parameters, dict):
        return {}
    return {group: value for group, value in parameters.items() if group in ("build", "run") and value}


def release_differences(body: dict, cli: dict, digest: str | None, theirs: dict) -> list[str]:
    """What differs between a release we would send and the one the target has."""
    differences = []
    if "config" in theirs and theirs.get("config") != body.get("config"):
        differences.append("config")
    ours_notes = (body.get("release") or {}).get("notes")
    if "notes" in theirs and (theirs.get("notes") or None) != (ours_notes or None):
        differences.append("release notes")
    # The target answers hidden defaults masked, as the platform does: compare ours masked alike.
    ours = masked_definitions(cli.get("parameters"))
    if "parameters" in theirs and run_and_build_parameters(theirs.get("parameters")) != run_and_build_parameters(ours):
        differences.append("parameters")
    if "autoRunOnDeploy" in theirs and "autoRunOnDeploy" in cli and \
            bool(theirs.get("autoRunOnDeploy")) != bool(cli.get("autoRunOnDeploy")):
        differences.append("autoRunOnDeploy")
    their_digest = (theirs.get("artifact") or {}).get("digest")
    if digest and their_digest and digest != their_digest:
        differences.append("artifact files")
    return differences


def is_subset(wanted: dict, current: dict) -> bool:
    """Every key of `wanted` already has its value in `current` (a PATCH would change nothing)."""
    return all(current.get(key) == value for key, value in wanted.items())


def parameters_match(family: str, body: dict, theirs) -> bool:
    """A revision's parameters are those of the deployment (or revision) body."""
    if not isinstance(theirs, dict):
        return True  # a shape this client cannot compare: the release matched
    if family == "apps":
        ours = {"appParameters": run_and_build_parameters(body.get("appParameters")),
                "parameters": body.get("parameters") or {}}
        return {"appParameters": run_and_build_parameters(theirs.get("appParameters")),
                "parameters": theirs.get("parameters") or {}} == ours
    if any(not isinstance(value, dict) for value in theirs.values()):
        return True
    return run_and_build_parameters(theirs) == run_and_build_parameters(body.get("parameters"))
