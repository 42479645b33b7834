"""The `blocklint` console script: `blocklint lsp` goes straight to the language server, every
other command line to click (`blocklint.cli`).

An editor starts `blocklint lsp` and waits for its `initialize` answer; importing click and the
command line first would cost it ~45 ms of CPU. Only the plain form is taken here: `blocklint lsp
--help`, or anything else after `lsp`, goes to click, which answers it as for any command.
"""

import os
import sys


def main():
    if sys.argv[1:] != ["lsp"]:
        from blocklint.cli import main as command_line

        return command_line()
    from blocklint.lsp.server import serve_stdio

    try:
        serve_stdio()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # as `blocklint.cli.main`: never a traceback, BLOCKLINT_DEBUG=1 shows it
        if os.environ.get("BLOCKLINT_DEBUG"):
            raise
        from blocklint.report import present_message

        print(f"blocklint: internal error: {type(error).__name__}: {present_message(str(error))} "
              "(set BLOCKLINT_DEBUG=1 for the traceback, and please report it)", file=sys.stderr)
        sys.exit(2)
