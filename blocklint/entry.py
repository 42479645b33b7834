"""The `blocklint` console script: `blocklint lsp` goes straight to the language server, and
`blocklint check [PATH ...]` straight to the check's run (`blocklint.check_run`); every other
command line to click (`blocklint.cli`).

An editor starts `blocklint lsp` and waits for its `initialize` answer; importing click and the
command line first would cost it ~45 ms of CPU. A pre-commit hook starts `blocklint check` with a
few paths thousands of times a day, and a warm run is mostly start-up, of which click was ~9 ms.
Only the plain forms are taken here: `blocklint lsp --help`, `blocklint check -`, any option or
anything click would answer otherwise (a path it would call unreadable, an option's environment
variable, shell completion) goes to click, which answers it as for any command. `blocklint
check`, either way, runs with its modules imported with the collector paused, and leaves without
the interpreter's tear-down (`_check`, `_end_check`).
"""

import errno
import os
import sys


def main():
    if sys.argv[1:2] == ["check"]:
        return _check(sys.argv[2:])
    if sys.argv[1:] != ["lsp"]:
        from blocklint.cli import main as command_line

        return command_line()
    from blocklint.lsp.server import serve_stdio

    try:
        serve_stdio()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        from blocklint.commandline import internal_error

        internal_error(error)


def _check(arguments: list[str]):
    """`blocklint check`: the check's run (`blocklint.check_run`, with the runner, the planner and
    the session) and, unless the form is plain, the command line imported with the collector
    paused, and what they allocated (tens of thousands of objects: functions, classes, click's
    options, all living as long as the process) frozen out of every later collection, which would
    walk them again and again for nothing (~2.5 % of a one-file check; the run's modules, ~2 % of
    a warm check of 1,000 files)."""
    import gc

    gc.disable()
    from blocklint.check_run import plain_paths

    paths = plain_paths(arguments)
    if paths is None:
        from blocklint.cli import main as command_line
    gc.freeze()
    gc.enable()
    try:
        return command_line() if paths is None else _plain_check(paths)
    except SystemExit as stop:
        _end_check(stop)


def _plain_check(paths: tuple[str, ...]):
    """`blocklint check PATH ...` without click: the run `blocklint.cli.check` runs, with every
    option at its default, ended as click's `main` and `blocklint.cli.main` end it (a usage error,
    an interrupt, a closed pipe, an internal error)."""
    from blocklint.check_run import CHECK_DEFAULTS, run_check
    from blocklint.commandline import UsageFailure, fail, internal_error

    try:
        try:
            status = run_check({"paths": paths, **CHECK_DEFAULTS})
        except UsageFailure as failure:
            fail(str(failure))
        except (EOFError, KeyboardInterrupt) as error:
            _end_as_click(error)
        except OSError as error:
            if error.errno != errno.EPIPE:
                raise
            _end_as_click(error)
    except Exception as error:
        internal_error(error)
    sys.exit(status)


def _end_as_click(error: BaseException):
    """An interrupt or a closed stdout ended as click's `main` ends it: `Aborted!` and exit 1, or
    exit 1 with the standard streams no longer complaining when flushed."""
    from gettext import gettext as _  # as click translates it

    import click
    from click.utils import PacifyFlushWrapper

    if isinstance(error, OSError):
        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
    else:
        click.echo(file=sys.stderr)
        click.echo(_("Aborted!"), file=sys.stderr)
    sys.exit(1)


def _end_check(stop: SystemExit):
    """Leave a finished `blocklint check` without the interpreter's tear-down: freeing every
    module and object one by one and a last full collection cost ~7 % of the CPU of a one-file
    check, and its output is written by then. What the tear-down would still do that matters is
    done first: the output flushed, the `atexit` functions run. Anything unusual (a message as
    the exit status, a thread still running, output that cannot be flushed) takes the usual way
    out, with the same outcome as before."""
    import atexit

    code = 0 if stop.code is None else stop.code
    # a thread can only be running if `threading` was imported (a run answered from the result
    # cache never imports it: ~0.5 ms)
    threading = sys.modules.get("threading")
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        raise stop
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        raise stop from None
    atexit._run_exitfuncs()
    os._exit(code)
