"""A progress bar on stderr for long runs, so 2,000 files are not 14 silent seconds.

    with progress(len(targets), enabled=not is_machine_format(name)) as tick:
        for result in results:
            tick.clear()  # before anything is written to the terminal
            for reporter in reporters:
                reporter.file(result)
            tick()

Shown only when all of these hold: the caller enables it (not for machine formats on stdout:
their readers do not want it; `--progress` can ask for it), stderr is a terminal (never in CI
logs or when redirected) and the run has at least `MIN_FILES` files (shorter runs end before a
bar would be read). Otherwise `tick()` and `tick.clear()` do nothing.

`tick.clear()` erases the bar's line, so findings printed to the same terminal start on a
clean line; the next `tick()` draws the bar again below them.

The bar is click's `progressbar`: click is already a dependency, imported by every command,
and its bar draws on one line with a carriage return and keeps an ETA; rich would add a
dependency (and its import time to every pre-commit run) for a single bar.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

MIN_FILES = 200
_ERASE_LINE = "\r\x1b[2K"


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Tick:
    """Advances the bar by one file; `clear()` erases it until the next tick."""

    def __init__(self, bar=None, stream=None):
        self._bar = bar
        self._stream = stream
        self._drawn = False

    def __call__(self):
        if self._bar is not None:
            self._bar.update(1)
            self._drawn = True

    def clear(self):
        if self._bar is not None and self._drawn:
            self._stream.write(_ERASE_LINE)
            self._stream.flush()
            self._drawn = False


@contextmanager
def progress(total: int, enabled: bool = True, *, stream=None, label: str = "checking"):
    """A context manager yielding a `Tick`: call it once per file done."""
    stream = sys.stderr if stream is None else stream
    if not enabled or total < MIN_FILES or not _is_terminal(stream):
        yield Tick()
        return
    import click

    with click.progressbar(length=total, label=label, file=stream, show_pos=True, show_eta=True) as bar:
        yield Tick(bar, stream)  # click leaves the finished bar on its line
