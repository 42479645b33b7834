"""`blocklint lsp`: a language server over stdio (pygls) for Press documents.

It builds each document's run from the same `Planner` as `blocklint check` (the closest
configuration to the file), lints with the same engine and fixes with the same fixers, so an
editor shows exactly what `check` reports. Modules: `editor` (the open documents, diagnostics
published or debounced), `handlers/` (one module per feature), `session` (plans, analyses, positions),
`context` (where the cursor is in a YAML text that may not parse), `schemahelp` (keys, enum
values and descriptions from the packaged JSON Schema), `features` (diagnostics, code actions,
completion, hover, definition, symbols as LSP values), `server` (the pygls wiring, started over
stdio), `command` (the same as a click command, for `--help` and usage errors).
"""
