"""The language server's features, one module each; `register(server, editor)` adds a module's
handlers to the server (`blocklint.lsp.server.build_server`)."""
