"""Code actions: quick fixes, "fix all safe fixes", and "disable BLxxx on this line"."""

from __future__ import annotations

from lsprotocol import types as lsp


def register(server, editor) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll]))
    def code_action(ls, params: lsp.CodeActionParams):
        analysis, positions = editor.analysis_of(params.text_document.uri)
        if analysis is None or analysis.doc is None:
            return []
        return editor.features.code_actions(analysis, params.text_document.uri, params.range,
                                            params.context.diagnostics, positions, only=params.context.only)
