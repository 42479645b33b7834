"""Completion, hover, go to definition and the outline."""

from __future__ import annotations

from lsprotocol import types as lsp


def register(server, editor) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", "[", ",", "-"]))
    def completion(ls, params: lsp.CompletionParams):
        uri = params.text_document.uri
        document = editor.open_document(uri)
        if document is None:
            return None
        # Completion comes while typing, before the debounced lint: the names defined come from
        # the last analysis, the cursor's place from the text as it is now.
        analysis = editor.session.analyses.get(uri)
        if analysis is None:
            analysis, _ = editor.analysis_of(uri)
        analysis = editor.session.definitions_around(analysis, params.position.line)
        items = editor.features.completion(analysis, params.position, editor.positions(document.source))
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: lsp.HoverParams):
        analysis, positions = editor.analysis_of(params.text_document.uri)
        return None if analysis is None else editor.features.hover(analysis, params.position, positions)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls, params: lsp.DefinitionParams):
        analysis, positions = editor.analysis_of(params.text_document.uri)
        if analysis is None:
            return None
        return editor.features.definition(analysis, params.text_document.uri, params.position, positions)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls, params: lsp.DocumentSymbolParams):
        analysis, positions = editor.analysis_of(params.text_document.uri)
        return None if analysis is None else editor.features.symbols(analysis, positions)
