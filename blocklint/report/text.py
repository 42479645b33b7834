"""Text output, like pytest: the files checked (for small runs), the findings with code, a summary.

The per-file line (`specs/a.yaml E`) is a list of what was checked; on a real repository it
would be thousands of lines before the first finding. So it is printed with `verbose`, or when
the run checks at most `SMALL_RUN` files (ten lines confirm what was checked and still fit
above the findings on one screen, as for pre-commit's few staged files). Past that, each file's
findings are printed as soon as the file is done, so a long run shows its results as it goes.
`quiet` prints the findings and the summary only.

Colour (`color`: a bool, or `"auto"`/`"always"`/`"never"` as `report.color.use_color` reads
them with the environment): the path in bold, the rule id, the severity and the carets in the
severity's colour, each summary count in its own.
"""

from __future__ import annotations

import os
import stat

from blocklint.findings import ERROR, INFO, WARNING
from blocklint.report import Reporter, echo_line, present_message, summary_parts
from blocklint.report.color import use_color
from blocklint.report.escape import display_path, escape_text, guard_line
from blocklint.secrets import DETECTOR_ONLY
from blocklint.words import split_lines

SMALL_RUN = 10
MAX_SOURCE_BYTES = 10 * 1024 * 1024  # the loader's file limit: a longer file has no findings to frame
# A frame shows this many characters of a long line (a one-line JSON file), around the finding.
FRAME_WIDTH = 160
FRAME_CONTEXT = 40
_MARK = {ERROR: ("E", "red"), WARNING: ("W", "yellow")}
_SEVERITY_COLOUR = {ERROR: "red", WARNING: "yellow", INFO: "cyan"}
# Rules whose flagged value is a secret: the quoted source line shows the whole node masked.
MASKED_RULES = frozenset({"BL701"})


def source_lines(path: str) -> list[str]:
    """The lines of a finding's file, for its code frame: regular files only (a FIFO would block,
    a device never end), at most `MAX_SOURCE_BYTES` read whatever `stat()` says."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return []
    try:  # the descriptor read directly: a buffered file object costs more than the read
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return []
        # asking for the file's size (and one byte more, to see it grew) sets aside a tenth of
        # what asking for the limit would
        data = _read_up_to(descriptor, min(info.st_size + 1, MAX_SOURCE_BYTES) if info.st_size else MAX_SOURCE_BYTES)
        if info.st_size and len(data) > info.st_size:
            data += _read_up_to(descriptor, MAX_SOURCE_BYTES - len(data))
    except OSError:
        return []
    finally:
        os.close(descriptor)
    return split_lines(data.decode("utf-8", errors="replace"))


def _read_up_to(descriptor: int, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the file."""
    parts = []
    while size > 0:
        part = os.read(descriptor, size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def code_frame(lines: list[str], finding, masker=DETECTOR_ONLY, paint=lambda carets: carets) -> list[str]:
    """The offending line with a caret under the finding's columns: secrets masked, control
    characters escaped (the carets still under the same characters). `paint` styles the carets."""
    if not 1 <= finding.line <= len(lines):
        return []
    text = lines[finding.line - 1].expandtabs(1)
    start = max(finding.column - 1, 0)
    width = finding.end_column - finding.column if finding.end_line == finding.line else 1
    width = max(1, min(width, len(text) - start)) if len(text) > start else 1
    if finding.rule in MASKED_RULES:
        end = start + width if finding.end_line == finding.line else len(text)
        text = text[:start] + "*" * max(0, min(end, len(text)) - start) + text[end:]
    # Same-length masks keep the columns; then each part is escaped on its own, so the carets
    # follow a character that became `\x1b`.
    text = masker.mask(text, keep_length=True)
    before, flagged, after = text[:start], text[start:start + width], text[start + width:]
    if len(text) > FRAME_WIDTH:
        flagged = flagged[:FRAME_WIDTH - FRAME_CONTEXT]
        room = FRAME_WIDTH - FRAME_CONTEXT - len(flagged)
        before = before if len(before) <= FRAME_CONTEXT else "…" + before[-FRAME_CONTEXT:]
        after = after if len(after) <= room else after[:room] + "…"
    if not text.isprintable():  # else no part has anything to escape (nearly every line)
        before, flagged, after = escape_text(before), escape_text(flagged), escape_text(after)
    gutter = f"{finding.line:>5} | "
    return [f"{gutter}{before}{flagged}{after}",
            " " * (len(gutter) - 2) + "| " + " " * len(before) + paint("^" * max(1, len(flagged)))]


class RememberedMasks:
    """A masker (`blocklint.secrets.Masker`) that masks each distinct text once: a project's
    findings repeat their messages and the lines they quote from file to file (one rule on the
    same kind of line), and masking is the most of a finding's cost in a warm run. At most
    `REMEMBERED` texts of at most `REMEMBERED_LENGTH` characters are held at a time (a longer
    one is masked each time), so memory stays flat over a long run."""

    REMEMBERED = 1024
    REMEMBERED_LENGTH = 512
    __slots__ = ("masker", "masked")

    def __init__(self, masker):
        self.masker = masker
        self.masked = ({}, {})  # text -> masked, without and with `keep_length`

    def mask(self, text: str, *, keep_length: bool = False) -> str:
        masked = self.masked[keep_length]
        shown = masked.get(text)
        if shown is None:
            shown = self.masker.mask(text, keep_length=keep_length)
            if len(text) <= self.REMEMBERED_LENGTH:
                if len(masked) >= self.REMEMBERED:
                    masked.clear()
                masked[text] = shown
        return shown


class TextReporter(Reporter):
    def __init__(self, stream, *, color=None, sources=None, **options):
        super().__init__(stream, **options)
        self._masks = RememberedMasks(self.masker)
        self.color = color if isinstance(color, bool) else use_color(stream, color)
        self.sources = sources or {}
        self._listing: list[str] = []  # the per-file lines, held while the run may still be small
        self._pending: list = []  # results whose findings wait for the listing
        self._listed = 0
        self._streaming = bool(self.quiet)
        self.fixable: set = set()  # findings `--fix` would fix: marked `[*]`, counted in the summary
        self.notes: list[str] = []  # lines printed just before the summary line (what `--fix` fixed)

    def _echo(self, text=""):
        echo_line(guard_line(text), self.stream, color=self.color)

    def _style(self, text, colour, **more):
        if not (self.color and (colour or more)):
            return text
        import click  # only with colour: a plain run never imports it

        return click.style(text, fg=colour or None, **more)

    def _file_line(self, result) -> str | None:
        if result.skipped:
            what = f"skipped: a `{result.kind}` file" if result.kind else "skipped (not a Press document)"
            return f"{display_path(result.path)} {self._style(what, 'cyan')}" if self.verbose else None
        shown = [f for f in result.findings if f.severity != INFO]
        worst = ERROR if any(f.severity == ERROR for f in shown) else WARNING if shown else None
        mark, colour = _MARK.get(worst, (".", "green"))
        kind = f" [{result.kind}]" if self.verbose and result.kind else ""
        return f"{display_path(result.path)}{kind} {self._style(mark, colour)}"

    def write_file(self, result):
        if self._streaming:
            if result.findings:  # none: nothing to print (most files of a long run)
                self._findings(result)
            return
        line = self._file_line(result)
        if line is None:
            self._pending.append(result)
            return
        if self.verbose:
            self._echo(line)
        else:
            self._listing.append(line)
        self._pending.append(result)
        self._listed += 1
        if not self.verbose and self._listed > SMALL_RUN:
            # A long run: no list; what was held is printed now, the rest as it comes.
            self._streaming, self._listing = True, []
            for held in self._pending:
                self._findings(held)
            self._pending = []

    def _findings(self, result):
        lines = None  # one file's lines at a time: memory stays flat over a long run
        written = []  # a file's output in one write, not one (flushed) write per line
        for finding in self.shown(result):
            colour = _SEVERITY_COLOUR[finding.severity]
            mark = "[*] " if finding in self.fixable else ""
            written.append(guard_line(
                f"{self._style(display_path(finding.file), '', bold=True)}:{finding.line}:{finding.column}: "
                f"{self._style(finding.rule, colour)} {self._style(finding.severity, colour)} "
                f"{mark}{present_message(finding.message, self._masks)}"))
            if lines is None:
                lines = self.sources.get(finding.file) or self._kept_lines(result, finding) or source_lines(finding.file)
            written += map(guard_line, code_frame(lines, finding, self._masks,
                                                  lambda carets: self._style(carets, colour)))
        if written:
            echo_line("\n".join(written), self.stream, color=self.color)

    @staticmethod
    def _kept_lines(result, finding):
        """The lines the result cache kept for the result's file (`blocklint.cache.FrameLines`), when
        every finding is in that file and its line is held."""
        kept = getattr(result, "frame_lines", None)
        if kept is None or any(found.file != result.path for found in result.findings):
            return None
        return kept if kept.covers(result.findings) else None

    def write_end(self):
        for line in self._listing:
            self._echo(line)
        if (self._listing or self.verbose) and any(self.shown(result) for result in self._pending):
            self._echo()
        for result in self._pending:
            self._findings(result)
        for note in self.notes:
            self._echo(note)
        fixable = sum(1 for finding in self.fixable if finding.severity != INFO)
        tail = [(f" ({fixable} fixable with --fix)", "")] if fixable else []
        self._echo("".join(self._style(text, colour) for text, colour in [*summary_parts(self.totals), *tail]))
