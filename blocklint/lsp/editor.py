"""What the language server's handlers share: the documents the editor holds, their analyses
(the linting side imported on first use), and diagnostics published at once or debounced."""

from __future__ import annotations

import asyncio
from functools import cached_property

DEBOUNCE_SECONDS = 0.15  # typing pauses shorter than this do not re-lint


class Editor:
    """The server's state between requests. The linting side (`features`, `session`) is imported
    on first use: the initialize answer does not wait for it."""

    def __init__(self, server):
        self.server = server
        self.pending: dict = {}  # uri → the debounced publish waiting for a pause in typing

    @property
    def features(self):
        from blocklint.lsp import features

        return features

    @cached_property
    def session(self):
        from blocklint.lsp.session import Session

        return Session()

    def encoding(self) -> str:
        value = self.server.workspace.position_encoding
        return str(getattr(value, "value", value) or "utf-16")

    def open_document(self, uri: str):
        """The text the editor holds for `uri`, or None when it has not opened it. Never
        `get_text_document` for a document not open: pygls would read it from disk, whatever it
        is (`file:///dev/zero`) and wherever it lies."""
        from urllib.parse import unquote

        return self.server.workspace.text_documents.get(unquote(uri))  # pygls keys them unquoted

    def positions(self, text: str):
        return self.features.Positions(text, self.encoding())

    def analysis_of(self, uri: str):
        """The analysis of the text the editor holds for `uri` (again only when it changed), and
        its positions; (None, None) for a document not open."""
        from pygls.uris import to_fs_path

        document = self.open_document(uri)
        if document is None:
            return None, None
        current = self.session.analyses.get(uri)
        if current is not None and current.text == document.source:
            return current, self.positions(document.source)
        path = to_fs_path(uri) or uri
        return self.session.analyze(uri, path, document.source), self.positions(document.source)

    def publish(self, uri: str) -> None:
        from lsprotocol import types as lsp

        self.pending.pop(uri, None)
        document = self.open_document(uri)
        if document is None:
            return
        analysis, positions = self.analysis_of(uri)
        self.server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=self.features.diagnostics(analysis, positions)))

    def schedule(self, uri: str) -> None:
        """Publish `uri`'s diagnostics when typing pauses."""
        self.cancel(uri)
        self.pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.publish, uri)

    def cancel(self, uri: str) -> None:
        if uri in self.pending:
            self.pending.pop(uri).cancel()

    def dependents(self, uri: str, **how) -> list:
        """The open documents that read `uri`'s document through a reference (see Session.changed)."""
        from pygls.uris import to_fs_path

        return self.session.changed(to_fs_path(uri) or uri, **how)
