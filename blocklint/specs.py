"""The documents a document refers to, and one answer to "which spec does this deploy".

A deployment, revision, parameter patch or fallback file is checked against the spec it
deploys (BL406), and an app deployment against its app's blocks (BL610). The specs come from:

- the `--spec` files of the run, loaded once, when the run's plan is built;
- documents handed over by the caller, as data: the specs `blocklint submit` is about to send
  with the deployments that name them, or the spec the registry holds for a deployment it
  receives (no temporary files);
- a lookup by id or name, usually the local registry's (`blocklint.registry.spec_resolver`).

Every spec is kept as a peak CLI file's data, `{"body": ..., "parameters": ...}`.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from pathlib import Path

from blocklint.records import Record, field, record
from blocklint.words import SPEC_SUFFIXES

# `blocklint.kinds` (the table of kinds) is imported where a document's kind is asked: a run
# answered from the result cache builds its related specs and asks none.

BLOCK_SPEC_KINDS = ("block-spec", "block-spec-release")
APP_SPEC_KINDS = ("app-spec", "app-spec-release")
SPEC_KINDS = BLOCK_SPEC_KINDS + APP_SPEC_KINDS  # `kinds.SPEC_KINDS`, without importing the kind table (tested)
DEPLOYMENT_FILE_KINDS = ("block-deployment", "app-deployment")
# compiled on first use (`re` keeps it): a run answered from the result cache reads no header
HEADER = r"#\s*blocklint:\s*(spec|deployment)\s*=\s*(\S+)"


def header_refs(source: str) -> dict:
    """The `# blocklint: spec=REF` / `deployment=REF` headers of a file's text."""
    return {match.group(1): match.group(2) for match in re.finditer(HEADER, source or "")}


def _kind_of(data) -> str:
    from blocklint import kinds

    body = data.get("body") if isinstance(data, dict) else None
    return kinds.detect(data) or ("app-spec" if isinstance(body, dict) and body.get("kind") == "app" else "block-spec")


@record
class DeployedSpec(Record):
    """The spec(s) a deployment document deploys: the block spec, or the app spec and its block
    specs by name."""

    block: dict | None = None
    app: dict | None = None
    blocks: dict = field(default_factory=dict)


class SpecDocument(namedtuple("SpecDocument", [  # not a frozen dataclass: ~0.8 ms less at every start
    "kind",
    "data",  # as a peak CLI file: {"body": ..., "parameters": ...}
    "path",  # resolved path of the file it came from, if any
], defaults=(None,))):
    """A document of a spec kind as peak CLI data (`data`), and the file it came from."""

    __slots__ = ()

    @property
    def body(self) -> dict:
        body = self.data.get("body")
        return body if isinstance(body, dict) else {}

    @property
    def name(self) -> str | None:
        metadata = self.body.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        return name if isinstance(name, str) else None


def spec_name(data) -> str | None:
    """`body.metadata.name` of a spec given as peak CLI data (or as a bare body)."""
    if not isinstance(data, dict):
        return None
    return SpecDocument("", data if "body" in data else {"body": data}).name


def as_spec_document(doc) -> SpecDocument | None:
    """A loaded `Document` as a SpecDocument, if it is a spec that loaded cleanly enough."""
    if doc.kind not in SPEC_KINDS or not isinstance(doc.data, dict):
        return None
    data = doc.data if doc.cli else {"body": doc.data}
    return SpecDocument(doc.kind, data, os.path.realpath(doc.path) if doc.path else None)


class RelatedSpecs:
    """Specs known to a run; see the module docstring."""

    def __init__(self, documents=(), lookup=None, project=None):
        self.documents: list[SpecDocument] = list(documents)
        self._lookup = lookup
        self.project = project  # a `blocklint.project.Project`: references are followed in it
        self.loads = 0  # how many files were parsed (each --spec file once per run)

    @classmethod
    def from_files(cls, paths, load_settings, lookup=None, project=None) -> RelatedSpecs:
        """The `--spec` files, each parsed once; a file that cannot be read is passed over (the
        command line checked that it exists)."""
        specs = cls(lookup=lookup, project=project)
        for path in paths:
            from blocklint.load import load_path  # here: a run with no --spec loads nothing

            # one parse per file and run: a spec in the project is the project's document
            doc = project.load(path) if project is not None and project.inside(path) else None
            try:
                doc = doc or load_path(os.fspath(path), load_settings)
            except OSError:
                continue
            specs.loads += 1
            found = as_spec_document(doc)
            if found is not None:
                specs.documents.append(found)
        return specs

    def with_documents(self, documents) -> RelatedSpecs:
        """These specs plus `documents` (SpecDocuments), sharing the lookup."""
        joined = RelatedSpecs([*self.documents, *documents], self._lookup, self.project)
        joined.loads = self.loads
        return joined

    def lookup(self, ref, version=None) -> dict | None:
        """The spec `ref` (an id or a name) from the lookup, or None; a lookup that fails is no
        reason to fail the lint."""
        if self._lookup is None or not isinstance(ref, str) or not ref:
            return None
        try:
            found = self._lookup(ref, version) if version is not None else self._lookup(ref)
        except Exception:
            return None
        return found if isinstance(found, dict) else None

    def find(self, ref, *, base: str | os.PathLike | None = None, version=None) -> dict | None:
        """The spec a reference names: a file path (relative to `base`), a `metadata.name` of a
        known spec or of one in the project, or an id or name the lookup knows."""
        found = self.find_document(ref, base=base, version=version)
        return found.data if found is not None else None

    def find_document(self, ref, *, base=None, version=None, wanted=SPEC_KINDS) -> SpecDocument | None:
        """`find`, as a SpecDocument (its `path` None when it came from the lookup); `wanted`: the
        kinds a project's document may be."""
        if not isinstance(ref, str) or not ref:
            return None
        is_path = base is not None and ref.endswith(SPEC_SUFFIXES)
        if is_path:
            wanted_path = os.path.realpath(Path(base, ref))
            for document in self.documents:
                if document.path == wanted_path:
                    return document
        for document in self.documents:
            if document.name == ref:
                return document
        if self.project is not None and (base is not None or not is_path):
            resolved = self.project.resolve(ref, base, wanted, "spec")
            found = as_spec_document(resolved.document) if resolved.document is not None else None
            if found is not None:
                return found
        data = self.lookup(ref, version) if not is_path else None
        return SpecDocument(_kind_of(data), data) if data is not None else None

    def explain(self, ref, *, base=None, wanted=SPEC_KINDS, what="spec") -> str | None:
        """Why `ref` names no spec: what was tried, in order; None when it names one."""
        if self.find_document(ref, base=base, wanted=wanted) is not None:
            return None
        tried = []
        if self.documents:
            tried.append("the --spec files and the files of this run")
        if self.project is not None:
            tried.append(self.project.resolve(ref, base, wanted, what).tried)
        if self._lookup is not None and not (base is not None and ref.endswith(SPEC_SUFFIXES)):
            tried.append("the local registry")
        return "; ".join(tried) or "nothing: no project or registry to look in"

    def deployment_of(self, source: str, *, base=None):
        """The deployment a revision, patch or metadata file names in its
        `# blocklint: deployment=REF` header, as a loaded document, or None."""
        ref = header_refs(source).get("deployment")
        if ref is None or self.project is None:
            return None
        return self.project.resolve(ref, base, DEPLOYMENT_FILE_KINDS, "deployment").document

    def _of_kinds(self, wanted) -> list[SpecDocument]:
        return [document for document in self.documents if document.kind in wanted]

    def spec_reference(self, deployment: dict, *, base=None, source: str = "") -> tuple:
        """(spec REF, the folder it is relative to) of a deployment, or of the deployment a
        revision, patch or metadata file names in its header."""
        spec_ref = deployment.get("spec")
        spec_id = spec_ref.get("id") if isinstance(spec_ref, dict) else None
        if spec_id is None and source:
            named = self.deployment_of(source, base=base)
            if named is not None and isinstance(named.body, dict) and isinstance(named.body.get("spec"), dict):
                return named.body["spec"].get("id"), os.path.dirname(named.path) or "."
        return spec_id, base

    def deployed_spec(self, kind: str, deployment: dict, *, base=None, source: str = "") -> DeployedSpec | None:
        """The spec a deployment, revision, parameter patch or fallback file deploys, when known:
        by the deployment's `spec.id` (`find`, with paths relative to `base`; for a file with a
        `# blocklint: deployment=REF` header in `source`, that deployment's), else the one block
        (or app) spec known. For apps, the app spec and its block specs by name."""
        spec_id, base = self.spec_reference(deployment, base=base, source=source)
        block_specs = self._of_kinds(BLOCK_SPEC_KINDS)
        app_specs = self._of_kinds(APP_SPEC_KINDS)
        found = DeployedSpec()
        if kind.startswith("app-") or (kind == "parameters-patch" and "appParameters" in deployment):
            app = self.find_document(spec_id, base=base, wanted=APP_SPEC_KINDS) or (
                app_specs[0] if len(app_specs) == 1 else None)
            found.app = app.data if app is not None else None
            app_base = os.path.dirname(app.path) if app is not None and app.path else base
            for document in block_specs:
                if document.name:
                    found.blocks[document.name] = document.data
            app_body = found.app.get("body") if found.app else None
            entries = app_body.get("config") if isinstance(app_body, dict) else None
            for entry in entries if isinstance(entries, list) else ():
                block = self.find(entry.get("id"), base=app_base) if isinstance(entry, dict) else None
                if block and spec_name(block):
                    found.blocks.setdefault(spec_name(block), block)
            return found if found.app or found.blocks else None
        found.block = self.find(spec_id, base=base) if spec_id is not None else None
        found.block = found.block or (block_specs[0].data if len(block_specs) == 1 else None)
        return found if found.block else None

    def app_block_names(self, deployment: dict, *, base=None, source: str = "") -> frozenset | None:
        """The block names of the app an app deployment (or revision) deploys, or None when they
        cannot all be known."""
        app_configs = [document.body.get("config") for document in self._of_kinds(APP_SPEC_KINDS)]
        spec_ref = deployment.get("spec") if isinstance(deployment.get("spec"), dict) else {}
        app_id, app_base = self.spec_reference(deployment, base=base, source=source)
        if not app_configs:
            app_document = self.find_document(app_id, base=app_base, wanted=APP_SPEC_KINDS)
            app = app_document.data if app_document is not None else None
            if app_document is not None and app_document.path:
                base = os.path.dirname(app_document.path)
            if app is not None:
                app_configs.append((app.get("body", app) or {}).get("config") if isinstance(
                    app.get("body", app), dict) else None)
        app_configs = [config for config in app_configs if isinstance(config, list)]
        if not app_configs:
            return None
        names = {document.name for document in self._of_kinds(("block-spec",)) if document.name}
        includes = spec_ref.get("includes") if isinstance(spec_ref.get("includes"), list) else []
        entries = [entry for config in app_configs for entry in config if isinstance(entry, dict)] + \
                  [entry for entry in includes if isinstance(entry, dict)]
        unresolved = 0
        for entry in entries:
            name = spec_name(self.find(entry.get("id"), base=base))
            if name:
                names.add(name)
            else:
                unresolved += 1
        if not names or (unresolved and not self._of_kinds(("block-spec",))):
            return None
        return frozenset(names)
