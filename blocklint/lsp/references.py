"""The editor follows references between documents: go to definition from a deployment's
`spec.id` to the spec, from a deployment's (or revision's) parameter to its definition in the
spec, from an app spec's block `id` to the block spec; completion of the spec's parameter
names in a deployment. The references are resolved as `check` resolves them, in the analysis's
project (`blocklint.project.Project`), which reads documents open in the editor as they are
there."""

from __future__ import annotations

import os

from lsprotocol import types as lsp

from blocklint.lsp.context import cursor_context
from blocklint.lsp.session import Analysis, definitions
from blocklint.specs import APP_SPEC_KINDS, BLOCK_SPEC_KINDS

DEPLOYMENT_KINDS = ("block-deployment", "block-deployment-revision", "app-deployment", "app-deployment-revision")
GROUPS = ("run", "build")


def _body(analysis: Analysis, line: int | None = None) -> dict | None:
    """The document's body; while `line` is being typed and the text does not parse, the body
    of the text without that line."""
    doc = analysis.doc
    if doc is None or analysis.plan is None or analysis.plan.project is None:
        return None
    if doc.data is None and line is not None:
        from blocklint.load import load_text

        lines = analysis.text.splitlines(keepends=True)
        if line < len(lines):
            lines[line] = "\n"
            doc = load_text("".join(lines), analysis.path, analysis.plan.load)
    body = doc.body if doc.data is not None and doc.kind == analysis.kind else None
    return body if isinstance(body, dict) else None


def _spec_of(analysis: Analysis, body: dict):
    """The spec document (block or app) a deployment or revision deploys, from the project."""
    specs = analysis.plan.settings.specs
    base = os.path.dirname(analysis.path) or "."
    ref, base = specs.spec_reference(body, base=base, source=analysis.text)
    if not isinstance(ref, str) or not ref:
        return None
    wanted = APP_SPEC_KINDS if analysis.kind.startswith("app") else BLOCK_SPEC_KINDS
    return analysis.plan.project.resolve(ref, base, wanted, "spec").document


def _block_spec(analysis: Analysis, ref, base):
    if not isinstance(ref, str) or not ref:
        return None
    return analysis.plan.project.resolve(ref, base, BLOCK_SPEC_KINDS, "block spec").document


def _app_block(analysis: Analysis, app, block_name: str):
    """The block spec an app spec lists under the name `block_name`."""
    from blocklint.project import document_name

    config = app.body.get("config") if isinstance(app.body, dict) else None
    for entry in config if isinstance(config, list) else ():
        found = _block_spec(analysis, entry.get("id") if isinstance(entry, dict) else None, os.path.dirname(app.path))
        if found is not None and document_name(found) == block_name:
            return found
    return None


def _parameters_spec(analysis: Analysis, body: dict, path: tuple):
    """(spec document, group) for a key at `path` inside a deployment's parameters: `parameters.run`
    of a block deployment, `parameters.BLOCK.run` of an app deployment."""
    if len(path) == 3 and path[:2] == ("body", "parameters") and path[2] in GROUPS and \
            not analysis.kind.startswith("app"):
        return _spec_of(analysis, body), path[2]
    if len(path) == 4 and path[:2] == ("body", "parameters") and path[3] in GROUPS and analysis.kind.startswith("app"):
        app = _spec_of(analysis, body)
        return (_app_block(analysis, app, path[2]) if app is not None else None), path[3]
    return None, None


def _location(doc, span) -> lsp.Location:
    from pygls.uris import from_fs_path

    start = lsp.Position(line=span.line, character=span.column)
    end = lsp.Position(line=span.end_line, character=span.end_column)
    return lsp.Location(uri=from_fs_path(doc.path), range=lsp.Range(start=start, end=end))


def _whole(doc) -> lsp.Location:
    """A document as a target: its `metadata.name` (or the nearest node that exists)."""
    return _location(doc, doc.span_of(("body", "metadata", "name") if doc.cli else ("metadata", "name")))


def definition(analysis: Analysis, lines: list, line: int, end: int, word: str):
    """The location in another document that the word ending at (`line`, `end`) refers to."""
    body = _body(analysis)
    if body is None or not analysis.cli:
        return None
    context = cursor_context(lines, line, end)
    if context is None:
        return None
    if analysis.kind in DEPLOYMENT_KINDS:
        if context.path == ("body", "spec") and context.key == "id":
            spec = _spec_of(analysis, body)
            return _whole(spec) if spec is not None else None
        spec, group = _parameters_spec(analysis, body, context.path)
        if spec is not None:
            found = getattr(definitions(spec, analysis.plan), f"{group}_params").get(word)
            return _location(spec, found[0]) if found is not None else None
    if analysis.kind in APP_SPEC_KINDS and context.key == "id" and context.path[:2] == ("body", "config"):
        ref = cursor_context(lines, line, len(lines[line])).prefix  # the whole value, a path with its slashes
        entries = body.get("config") if isinstance(body.get("config"), list) else []
        if any(isinstance(entry, dict) and entry.get("id") == ref for entry in entries):
            block = _block_spec(analysis, ref, os.path.dirname(analysis.path) or ".")
            return _whole(block) if block is not None else None
    return None


def parameter_names(analysis: Analysis, context, line: int) -> list | None:
    """Completion items for a parameter name typed on `line` in a deployment's parameters, from
    its spec's definitions (None: not there)."""
    if not analysis.cli or analysis.kind not in DEPLOYMENT_KINDS or not context.in_key:
        return None
    body = _body(analysis, line)
    if body is None:
        return None
    spec, group = _parameters_spec(analysis, body, context.path)
    if spec is None:
        return None
    defined = getattr(definitions(spec, analysis.plan), f"{group}_params")
    given = body
    for part in context.path[1:]:  # the keys the mapping has, below the cursor too
        given = given.get(part) if isinstance(given, dict) else None
    present = set(context.present) | (set(given) if isinstance(given, dict) else set())
    items = []
    for name, (_, definition_node) in defined.items():
        if name in present:
            continue
        detail = f"{group} parameter" + (f" ({definition_node.get('type')})" if isinstance(definition_node, dict)
                                         and isinstance(definition_node.get("type"), str) else "")
        items.append(lsp.CompletionItem(label=str(name), kind=lsp.CompletionItemKind.Variable, detail=detail,
                                        insert_text=f"{name}: "))
    return items
