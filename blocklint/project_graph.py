"""The documents of a project and the references between them, for `blocklint graph` given a
folder or several files.

Each edge comes from a reference a document makes, resolved as `check` resolves it in the run's
project (`blocklint.project.Project`): an app spec's block `id` (app spec -> block spec), a
deployment's `spec.id` (spec -> deployment), a revision's `# blocklint: deployment=REF` header
(deployment -> revision) and a release file's `# blocklint: spec=REF` header (spec -> release),
labelled with the field or header that makes them.
Edges point the way a project is built: app specs -> blocks -> deployments -> revisions. A
document a reference leads to is drawn even when it was not among the files given, and its own
references are followed in turn. A reference that names nothing in the project is drawn as a
node of its own: a platform id (a UUID, or an app spec's block id that is no path), or missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from blocklint.project import document_name, is_platform_id, looks_like_path
from blocklint.specs import APP_SPEC_KINDS, BLOCK_SPEC_KINDS, DEPLOYMENT_FILE_KINDS, header_refs

KIND_LABELS = {
    "app-spec": "app spec", "app-spec-release": "app spec release",
    "block-spec": "block spec", "block-spec-release": "block spec release",
    "app-deployment": "app deployment", "block-deployment": "block deployment",
    "app-deployment-revision": "app deployment revision", "block-deployment-revision": "block deployment revision",
}
REVISION_KINDS = ("app-deployment-revision", "block-deployment-revision")
RELEASE_KINDS = ("app-spec-release", "block-spec-release")
SPEC_KINDS = (*BLOCK_SPEC_KINDS, *APP_SPEC_KINDS)
MAX_NODES = 10_000  # a drawing past this is no help to anyone; the walk stops there


@dataclass
class Node:
    name: str  # metadata.name, else the file's name; for an unresolved reference, its text
    kind: str  # a KIND_LABELS value, "platform id" or "not found"
    path: str = ""  # the file, relative to the working directory ("" for an unresolved reference)

    @property
    def resolved(self) -> bool:
        return bool(self.path)


@dataclass
class ProjectGraph:
    nodes: dict = field(default_factory=dict)  # key (real path, or "?kind:ref") -> Node, in drawing order
    edges: list = field(default_factory=list)  # (from key, to key, label: the reference's field)


def project_graph(docs, project) -> ProjectGraph:
    """The graph of `docs` (loaded documents) and of every document their references lead to
    in `project`, transitively."""
    graph = ProjectGraph()
    queue = [doc for doc in docs if doc.kind in KIND_LABELS]
    seen: set = set()
    while queue and len(graph.nodes) < MAX_NODES:
        doc = queue.pop(0)
        key = _add(graph, doc)
        if key in seen:
            continue
        seen.add(key)
        for target, label, upstream in _references(doc, project):
            target_key = _add(graph, target) if not isinstance(target, Node) else _add_unresolved(graph, target)
            edge = (target_key, key, label) if upstream else (key, target_key, label)
            if edge not in graph.edges:
                graph.edges.append(edge)
            if not isinstance(target, Node):
                queue.append(target)
    return graph


def _references(doc, project):
    """(document or unresolved Node, label, whether the target comes before `doc` in the drawing)
    for each reference `doc` makes."""
    body = doc.body if isinstance(doc.body, dict) else {}
    base = os.path.dirname(doc.path) or "."
    if doc.kind in APP_SPEC_KINDS:
        for entry in body.get("config") if isinstance(body.get("config"), list) else ():
            ref = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(ref, str) and ref:
                yield _resolve(project, ref, base, BLOCK_SPEC_KINDS, "block spec", app_block=True), "config[].id", False
    if doc.kind in DEPLOYMENT_FILE_KINDS:
        spec = body.get("spec")
        ref = spec.get("id") if isinstance(spec, dict) else None
        if isinstance(ref, str) and ref:
            wanted = APP_SPEC_KINDS if doc.kind.startswith("app") else BLOCK_SPEC_KINDS
            yield _resolve(project, ref, base, wanted, "spec"), "spec.id", True
    headers = header_refs(doc.source)
    if doc.kind in REVISION_KINDS and headers.get("deployment"):
        yield _resolve(project, headers["deployment"], base, DEPLOYMENT_FILE_KINDS, "deployment"), "blocklint: deployment", True
    if doc.kind in RELEASE_KINDS and headers.get("spec"):
        yield _resolve(project, headers["spec"], base, SPEC_KINDS, "spec"), "blocklint: spec", True


def _resolve(project, ref: str, base: str, kinds, what: str, *, app_block: bool = False):
    found = project.resolve(ref, base, kinds, what).document
    if found is not None:
        return found
    platform = is_platform_id(ref) or (app_block and not looks_like_path(ref))
    return Node(ref, "platform id" if platform else "not found")


def _add(graph: ProjectGraph, doc) -> str:
    key = os.path.realpath(doc.path)
    if key not in graph.nodes:
        graph.nodes[key] = Node(document_name(doc) or os.path.basename(doc.path), KIND_LABELS[doc.kind],
                                os.path.relpath(doc.path))
    return key


def _add_unresolved(graph: ProjectGraph, node: Node) -> str:
    key = f"?{node.kind}:{node.name}"
    graph.nodes.setdefault(key, node)
    return key
