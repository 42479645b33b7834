"""`blocklint lsp`: the pygls wiring. Each handler (`handlers/`, one module per feature) reads the
document the editor holds, asks the session for its analysis and answers with `features`;
diagnostics are published on open, on save and (debounced) on change (`editor`)."""

from __future__ import annotations



def build_server():
    """The language server with every feature registered (no I/O until started)."""
    from pygls.lsp.server import LanguageServer

    from blocklint import __version__
    from blocklint.lsp.editor import Editor
    from blocklint.lsp.handlers import actions, documents, navigation, workspace
    from blocklint.lsp.transport import GuardedProtocol

    server = LanguageServer("blocklint", __version__, protocol_cls=GuardedProtocol)
    editor = Editor(server)
    for feature in (workspace, documents, actions, navigation):
        feature.register(server, editor)
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
