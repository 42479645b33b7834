"""Documents opened, edited, saved and closed: diagnostics published on open and save,
debounced while typing, and again for the open documents that refer to the one changed."""

from __future__ import annotations

from lsprotocol import types as lsp


def register(server, editor) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params):
        editor.publish(params.text_document.uri)
        for uri in editor.dependents(params.text_document.uri, text=params.text_document.text):
            editor.schedule(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls, params):
        editor.schedule(params.text_document.uri)
        text = ls.workspace.get_text_document(params.text_document.uri).source
        for uri in editor.dependents(params.text_document.uri, text=text):
            editor.schedule(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params):
        uri = params.text_document.uri
        editor.cancel(uri)
        editor.publish(uri)
        for other in editor.dependents(uri):
            editor.publish(other)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params):
        uri = params.text_document.uri
        editor.cancel(uri)
        editor.session.analyses.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        for other in editor.dependents(uri, closed=True):  # the file on disk is what it refers to again
            editor.publish(other)
