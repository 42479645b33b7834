"""The `blocklint` console script: `blocklint lsp` goes straight to the language server, every
other command line to click (`blocklint.cli`).

An editor starts `blocklint lsp` and waits for its `initialize` answer; importing click and the
command line first would cost it ~45 ms of CPU. Only the plain form is taken here: `blocklint lsp
--help`, or anything else after `lsp`, goes to click, which answers it as for any command.
`blocklint check` imports the command line with the collector paused, and leaves without the
interpreter's tear-down (`_check`, `_end_check`).
"""

import os
import sys


def main():
    if sys.argv[1:2] == ["check"]:
        return _check()
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


def _check():
    """`blocklint check`: the command line imported with the collector paused, and what it
    allocated (tens of thousands of objects: functions, classes, click's options, all living as
    long as the process) frozen out of every later collection, which would walk them again and
    again for nothing (~2.5 % of a one-file check)."""
    import gc

    gc.disable()
    from blocklint.cli import main as command_line

    gc.freeze()
    gc.enable()
    try:
        return command_line()
    except SystemExit as stop:
        _end_check(stop)


def _end_check(stop: SystemExit):
    """Leave a finished `blocklint check` without the interpreter's tear-down: freeing every
    module and object one by one and a last full collection cost ~7 % of the CPU of a one-file
    check, and its output is written by then. What the tear-down would still do that matters is
    done first: the output flushed, the `atexit` functions run. Anything unusual (a message as
    the exit status, a thread still running, output that cannot be flushed) takes the usual way
    out, with the same outcome as before."""
    import atexit
    import threading

    code = 0 if stop.code is None else stop.code
    if not isinstance(code, int) or threading.active_count() > 1:
        raise stop
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        raise stop from None
    atexit._run_exitfuncs()
    os._exit(code)
