"""A file to submit: its document, kind, peak CLI data and the directives naming what it belongs
to (`# blocklint: spec=REF`, `# blocklint: deployment=REF`), and its place in the order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Dependency order: a spec before its releases and the deployments of it, a deployment before
# its revisions, metadata and parameters.
ORDER = {"block-spec": 0, "block-spec-release": 1, "app-spec": 2, "app-spec-release": 3, "spec-metadata": 4,
         "block-deployment": 5, "app-deployment": 6, "block-deployment-revision": 7,
         "app-deployment-revision": 7, "deployment-metadata": 8, "parameters-patch": 9}


@dataclass
class Item:
    path: str
    doc: object
    kind: str
    cli: dict  # the peak CLI file's data: {"body": ..., "parameters": ..., "artifact": ...}
    refs: dict = field(default_factory=dict)  # directive -> REF
    created_id: str | None = None  # once created (a placeholder `<new ...>` in a dry run)

    @classmethod
    def of(cls, doc, path: str | None = None) -> Item:
        """The item of a loaded Press document, with the directives in its source."""
        cli = doc.data if doc.cli else {"body": doc.data}
        return cls(path or doc.path, doc, doc.kind, cli, directives(doc.source))

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


def submission_order(items) -> list[Item]:
    return sorted(items, key=lambda item: (ORDER.get(item.kind, 99), item.path))


def directives(source: str) -> dict:
    from blocklint.specs import header_refs

    return header_refs(source)


def release_version(body: dict) -> str | None:
    """`release.version` of a spec or release body, as a string."""
    release = body.get("release")
    version = release.get("version") if isinstance(release, dict) else None
    return None if version is None else str(version)


def is_placeholder(identifier: str) -> bool:
    """An id a dry run made up for something it would create (`<new block spec x>`)."""
    return identifier.startswith("<")
