"""`blocklint lsp`: the pygls wiring. Each handler reads the document the editor holds, asks
the session for its analysis and answers with `features`; diagnostics are published on open,
on save and (debounced) on change."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

DEBOUNCE_SECONDS = 0.15  # typing pauses shorter than this do not re-lint
CONFIG_GLOBS = ("**/.blocklint.toml", "**/pyproject.toml")
DOCUMENT_GLOBS = ("**/*.{yaml,yml,json,j2}",)  # a spec changed on disk re-lints what refers to it


def build_server():
    """The language server with every feature registered (no I/O until started)."""
    from lsprotocol import types as lsp
    from pygls.lsp.server import LanguageServer
    from pygls.uris import to_fs_path

    from blocklint import __version__
    from blocklint.lsp.transport import GuardedProtocol

    server = LanguageServer("blocklint", __version__, protocol_cls=GuardedProtocol)
    pending: dict = {}

    class Lazy:
        """The linting side, imported on first use: the initialize answer does not wait for it."""

        @property
        def features(self):
            from blocklint.lsp import features

            return features

        @property
        def session(self):
            if not hasattr(self, "_session"):
                from blocklint.lsp.session import Session

                self._session = Session()
            return self._session

    lazy = Lazy()

    def encoding() -> str:
        value = server.workspace.position_encoding
        return str(getattr(value, "value", value) or "utf-16")

    def open_document(uri: str):
        """The text the editor holds for `uri`, or None when it has not opened it. Never
        `get_text_document` for a document not open: pygls would read it from disk, whatever it
        is (`file:///dev/zero`) and wherever it lies."""
        from urllib.parse import unquote

        return server.workspace.text_documents.get(unquote(uri))  # pygls keys them unquoted

    def analysis_of(uri: str):
        document = open_document(uri)
        if document is None:
            return None, None
        current = lazy.session.analyses.get(uri)
        if current is not None and current.text == document.source:
            return current, lazy.features.Positions(document.source, encoding())
        path = to_fs_path(uri) or uri
        return lazy.session.analyze(uri, path, document.source), lazy.features.Positions(document.source, encoding())

    def publish(uri: str) -> None:
        pending.pop(uri, None)
        document = open_document(uri)
        if document is None:
            return
        analysis, positions = analysis_of(uri)
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=lazy.features.diagnostics(analysis, positions)))

    def schedule(uri: str) -> None:
        if uri in pending:
            pending[uri].cancel()
        pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, publish, uri)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls, params):
        if ls.workspace.root_path and os.path.isdir(ls.workspace.root_path):
            # Relative paths in specs (an artifact's `path`) are relative to where the peak CLI
            # runs, the project's root: as `check` run from there, not from the editor's cwd.
            os.chdir(ls.workspace.root_path)
            lazy.session.root = Path(ls.workspace.root_path)
        watch = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watch and watch.dynamic_registration:
            options = lsp.DidChangeWatchedFilesRegistrationOptions(
                watchers=[lsp.FileSystemWatcher(glob_pattern=glob) for glob in CONFIG_GLOBS + DOCUMENT_GLOBS])
            try:  # without it, a changed configuration is still noticed by its modification time
                await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[lsp.Registration(
                    id="blocklint-config", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))
            except Exception:  # noqa: BLE001 - a client that refuses the registration
                pass
        try:  # warm up (imports, rules, the workspace's plan) before the first document opens
            lazy.session.plan_for(str(lazy.session.root / "blocklint.yaml"))
        except Exception:  # noqa: BLE001 - a broken configuration is reported on the document
            pass

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def config_changed(ls, params):
        changed = lazy.session.files_changed([to_fs_path(change.uri) or change.uri for change in params.changes])
        for uri in list(ls.workspace.text_documents) if changed is None else changed:
            publish(uri)

    def dependents(uri: str, **how) -> list:
        """The open documents that read `uri`'s document through a reference (see Session.changed)."""
        return lazy.session.changed(to_fs_path(uri) or uri, **how)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params):
        publish(params.text_document.uri)
        for uri in dependents(params.text_document.uri, text=params.text_document.text):
            schedule(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls, params):
        schedule(params.text_document.uri)
        text = server.workspace.get_text_document(params.text_document.uri).source
        for uri in dependents(params.text_document.uri, text=text):
            schedule(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params):
        uri = params.text_document.uri
        if uri in pending:
            pending.pop(uri).cancel()
        publish(uri)
        for other in dependents(uri):
            publish(other)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls, params):
        uri = params.text_document.uri
        if uri in pending:
            pending.pop(uri).cancel()
        lazy.session.analyses.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        for other in dependents(uri, closed=True):  # the file on disk is what it refers to again
            publish(other)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll]))
    def code_action(ls, params: lsp.CodeActionParams):
        analysis, positions = analysis_of(params.text_document.uri)
        if analysis is None or analysis.doc is None:
            return []
        return lazy.features.code_actions(analysis, params.text_document.uri, params.range, params.context.diagnostics,
                                     positions, only=params.context.only)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", "[", ",", "-"]))
    def completion(ls, params: lsp.CompletionParams):
        uri = params.text_document.uri
        if open_document(uri) is None:
            return None
        source = open_document(uri).source
        # Completion comes while typing, before the debounced lint: the names defined come from
        # the last analysis, the cursor's place from the text as it is now.
        analysis = lazy.session.analyses.get(uri)
        if analysis is None:
            analysis, _ = analysis_of(uri)
        analysis = lazy.session.definitions_around(analysis, params.position.line)
        positions = lazy.features.Positions(source, encoding())
        return lsp.CompletionList(is_incomplete=False, items=lazy.features.completion(analysis, params.position, positions))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: lsp.HoverParams):
        analysis, positions = analysis_of(params.text_document.uri)
        return None if analysis is None else lazy.features.hover(analysis, params.position, positions)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls, params: lsp.DefinitionParams):
        analysis, positions = analysis_of(params.text_document.uri)
        if analysis is None:
            return None
        return lazy.features.definition(analysis, params.text_document.uri, params.position, positions)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(ls, params: lsp.DocumentSymbolParams):
        analysis, positions = analysis_of(params.text_document.uri)
        return None if analysis is None else lazy.features.symbols(analysis, positions)

    return server


def serve_stdio():
    """Run the language server over stdio; `blocklint.entry` calls it without the command line."""
    try:
        server = build_server()
    except ImportError as error:  # the editor extra is not installed
        from blocklint.commandline import fail

        fail(f"`blocklint lsp` needs pygls ({error.name or error}): pip install 'peak-blocklint[lsp]'")
    import sys

    from blocklint.lsp.transport import BoundedStdin

    server.start_io(stdin=BoundedStdin(sys.stdin.buffer))
