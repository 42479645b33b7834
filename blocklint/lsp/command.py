"""`blocklint lsp` as a command of the command line (its `--help`, its usage errors); the console
script starts the server without it (`blocklint.entry`)."""

import click

from blocklint.lsp.server import serve_stdio


@click.command()
def lsp():
    """Run the language server over stdio (for editors: diagnostics, fixes, completion)."""
    serve_stdio()
