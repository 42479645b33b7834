"""A block spec's artifact: the zip peak-sdk would build from `artifact.path`, its entries (for a
dry run to list) and its digest (to tell a changed artifact from the same one)."""

from __future__ import annotations

from typing import NamedTuple

from blocklint.submit.errors import Refused


class Bundle(NamedTuple):
    data: bytes | None
    entries: list
    digest: str | None


NO_BUNDLE = Bundle(None, [], None)


def bundle_of(item, artifact_root, project=None) -> Bundle:
    """The artifact of a block spec (or release) item, or NO_BUNDLE when it has none.

    Refused, with nothing read, when a symbolic link in it points outside the project
    (`artifact_root`, else `project`, else the working directory), whatever the checks said."""
    artifact = item.cli.get("artifact")
    if item.family != "blocks" or not isinstance(artifact, dict) or not artifact.get("path"):
        return NO_BUNDLE
    from blocklint import artifact as artifacts
    from blocklint.registry.digest import artifact_digest

    root = artifacts.resolve_path(str(artifact["path"]), artifact_root)
    try:
        data = artifacts.build_zip(root, artifact.get("ignore_files"), project=artifact_root or project or ".")
        files = artifacts.artifact_files(root, artifact.get("ignore_files"))
    except artifacts.ArtifactError as error:
        raise Refused(f"artifact: {error}") from None
    entries = sorted(files + [f"{directory}/" for directory in artifacts.directory_entries(files)])
    return Bundle(data, entries, artifact_digest(data))
