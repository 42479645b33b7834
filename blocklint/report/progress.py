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

The ETA comes from the throughput measured since the first file was done: the time before it
(finding the files, starting the worker processes) is paid once, not per file, so counting it
as click's bar does made a 16 s run read 6 minutes at first. A one-line bar is drawn here (a
carriage return and the line); rich would add a dependency (and its import time to every
pre-commit run) for a single bar.
"""

from __future__ import annotations

import sys
import time

MIN_FILES = 200
BAR_WIDTH = 36
_ERASE_LINE = "\r\x1b[2K"


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Bar:
    """`checking  [#########-----------]  512/2000  eta 0:14`, redrawn in place on `stream`."""

    def __init__(self, total: int, stream, label: str, clock=time.monotonic):
        self.total, self.stream, self.label, self.clock = total, stream, label, clock
        self.done = 0
        self._first: float | None = None  # when the first file was done: throughput is measured from it
        self._shown = ""

    def eta(self) -> float | None:
        """Seconds left at the throughput measured since the first file was done (None until
        there is a measure)."""
        if self._first is None or self.done < 2:
            return None
        elapsed = self.clock() - self._first
        if elapsed <= 0:
            return None
        return (self.total - self.done) * elapsed / (self.done - 1)

    def line(self) -> str:
        filled = BAR_WIDTH * min(self.done, self.total) // max(self.total, 1)
        text = f"{self.label}  [{'#' * filled}{'-' * (BAR_WIDTH - filled)}]  {self.done}/{self.total}"
        left = self.eta()
        if left is not None and self.done < self.total:
            minutes, seconds = divmod(round(left), 60)
            hours, minutes = divmod(minutes, 60)
            text += f"  eta {hours}:{minutes:02d}:{seconds:02d}" if hours else f"  eta {minutes}:{seconds:02d}"
        return text

    def update(self):
        self.done += 1
        if self._first is None:
            self._first = self.clock()
        self.draw()

    def draw(self, force: bool = False):
        text = self.line()
        if force or text != self._shown:
            self.stream.write("\r" + text)
            self.stream.flush()
            self._shown = text

    def erase(self):
        self.stream.write(_ERASE_LINE)
        self.stream.flush()
        self._shown = ""


class Tick:
    """Advances the bar by one file; `clear()` erases it until the next tick."""

    def __init__(self, bar: Bar | None = None):
        self._bar = bar
        self._drawn = bar is not None  # the bar is drawn before the first file is done

    def __call__(self):
        if self._bar is not None:
            self._bar.update()
            self._drawn = True

    def clear(self):
        if self._bar is not None and self._drawn:
            self._bar.erase()
            self._drawn = False


class progress:  # noqa: N801 - used as a function (`with progress(n) as tick:`)
    """A context manager yielding a `Tick`: call it once per file done. A class rather than a
    `contextlib.contextmanager`: a run answered from the result cache imports no `contextlib`."""

    def __init__(self, total: int, enabled: bool = True, *, stream=None, label: str = "checking",
                 clock=time.monotonic):
        self._total, self._enabled, self._stream, self._label, self._clock = total, enabled, stream, label, clock
        self._bar: Bar | None = None

    def __enter__(self) -> Tick:
        stream = sys.stderr if self._stream is None else self._stream
        if not self._enabled or self._total < MIN_FILES or not _is_terminal(stream):
            return Tick()
        self._bar = Bar(self._total, stream, self._label, self._clock)
        self._bar.draw(force=True)
        return Tick(self._bar)

    def __exit__(self, *exception):
        if self._bar is not None:
            self._bar.draw(force=True)  # the finished bar stays on its line
            self._bar.stream.write("\n")
            self._bar.stream.flush()
