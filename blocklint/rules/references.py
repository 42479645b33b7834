"""BL414: a reference to another document of the project that cannot be followed."""

from __future__ import annotations

import os
import re

from blocklint import INFERRED, WARNING, rule
from blocklint.load import Span
from blocklint.project import is_platform_id, looks_like_path
from blocklint.specs import APP_SPEC_KINDS, BLOCK_SPEC_KINDS, HEADER, SPEC_KINDS
from blocklint.words import split_lines

_DEPLOYMENT_KINDS = ("block-deployment", "app-deployment")


@rule("BL414", "unresolved-reference", severity=WARNING, evidence=INFERRED)
def unresolved_reference(doc, body, settings):
    """A reference to another document of the project names nothing blocklint can find.

    The references are a deployment's `spec.id`, an app spec's block `id`, and the
    `# blocklint: spec=REF` / `# blocklint: deployment=REF` headers. A reference is a path
    relative to the file, or the `metadata.name` of a spec (deployment) in the project (below
    the configuration's folder, else the git work tree), or a platform id (not checked here:
    only the registry knows it). An app spec's block `id` that is not a path and names no block
    spec of the project is taken as a platform id (the peak CLI's own sample app spec lists
    `existing_block_spec_id_1`): only `blocklint submit`, with a registry, can tell. The
    message says what was tried.

    ## Why is this bad?
    What the file refers to is unknown, so nothing that depends on it is checked: a misspelt
    run parameter of a deployment passes unnoticed, and `blocklint submit` refuses the file.

    ## Example
    ```yaml
    body:
      spec:
        id: ../workflow/workflow-privat.yaml
    ```
    Fixed: `id: ../workflow/workflow-private.yaml` (the file that exists).

    ## Source
    Inference: `blocklint submit` (docs/submit.md) resolves these references before it sends
    anything, and refuses a file whose reference it cannot resolve; the peak CLI sends `spec.id`
    as written, and Press accepts only the id of a spec it holds. Warning: the platform's answer
    for a platform id is not known offline.
    """
    specs = getattr(settings, "specs", None)
    if specs is None or getattr(specs, "project", None) is None:
        return
    base = os.path.dirname(doc.path) or "."
    spec_ref = body.get("spec")
    if doc.kind in _DEPLOYMENT_KINDS and isinstance(spec_ref, dict) and isinstance(spec_ref.get("id"), str):
        wanted = APP_SPEC_KINDS if doc.kind.startswith("app") else BLOCK_SPEC_KINDS
        tried = specs.explain(spec_ref["id"], base=base, wanted=wanted)
        if tried is not None and not is_platform_id(spec_ref["id"]):
            yield (spec_ref, "id"), f"spec {spec_ref['id']!r} not found (tried {tried}); fix the path or name"
    if doc.kind in APP_SPEC_KINDS and isinstance(body.get("config"), list):
        for entry in body["config"]:
            ref = entry.get("id") if isinstance(entry, dict) else None
            if isinstance(ref, str) and looks_like_path(ref):  # else a platform id, or a name found
                tried = specs.explain(ref, base=base, wanted=BLOCK_SPEC_KINDS, what="block spec")
                if tried is not None:
                    yield (entry, "id"), f"block spec {ref!r} not found (tried {tried}); fix the path or name"
    for line, match in _headers(doc.source):
        what, ref = match.group(1), match.group(2)
        if is_platform_id(ref):
            continue
        if what == "spec":
            tried = specs.explain(ref, base=base, wanted=SPEC_KINDS)
        else:
            resolved = specs.project.resolve(ref, base, _DEPLOYMENT_KINDS, "deployment")
            tried = None if resolved.document is not None else resolved.tried
        if tried is not None:
            yield Span(line, match.start(2), line, match.end(2)), \
                f"{what} {ref!r} not found (tried {tried}); fix the path or name"


def _headers(source: str):
    if "blocklint:" not in (source or ""):
        return  # no header can match: most files, answered without splitting their lines
    for number, text in enumerate(split_lines(source)):  # as editors count lines: not at \x85 or \f
        if text.lstrip().startswith("#"):
            match = re.search(HEADER, text)
            if match:
                yield number, match
