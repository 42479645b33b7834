"""Reporters: one module per output format, all reading the same findings.

A reporter is built with the stream and the run's options, as keywords:

- `verbose=False`: informational notes, skipped files, kinds, the per-file list in text output;
- `quiet=False`: the text format prints findings and the summary only;
- `strict=False`: warnings fail too (JUnit marks them as failures);
- `rules=None`: the rules of the run (SARIF lists them);
- `secrets=frozenset()`: values never to print (environment-derived template values, the
  submit token), masked like every credential the detector finds;
- `color=None`: text only, `"auto"`, `"always"`, `"never"` or a bool (see `report.color`).

Then `start()`, `file(result)` as each file is done (formats that can write as they go do:
text for long runs, concise, github, json-lines, gitlab) and `finish(results)`. `finish`
reports every result it is given that `file` did not see, so a caller may skip `file`.

The engine never prints; reporters never decide what is a finding. Every message and quoted
source line goes through `present_message` (or the text format's code frame), which masks
secrets (`blocklint.secrets`) and escapes control characters (`report.escape`) at this one
boundary, whatever rule wrote it.
"""

from __future__ import annotations

import codecs
import io
import sys
from importlib import import_module
from pathlib import Path

from blocklint.findings import ERROR, INFO, WARNING
from blocklint.report.escape import escape_text, guard_line
from blocklint.secrets import DETECTOR_ONLY, Masker
from blocklint.words import relative_path

REPORTERS = {
    "text": "blocklint.report.text:TextReporter",
    "concise": "blocklint.report.concise:ConciseReporter",
    "json": "blocklint.report.json:JsonReporter",
    "json-lines": "blocklint.report.jsonlines:JsonLinesReporter",
    "sarif": "blocklint.report.sarif:SarifReporter",
    "junit": "blocklint.report.junit:JunitReporter",
    "github": "blocklint.report.github:GithubReporter",
    "gitlab": "blocklint.report.gitlab:GitlabReporter",
}


def present_message(message: str, masker: Masker = DETECTOR_ONLY, *, keep_line_breaks: bool = False) -> str:
    """A finding's message as any format prints it: secrets masked, then control characters escaped."""
    return escape_text(masker.mask(message), keep_line_breaks=keep_line_breaks)


def echo_line(text: str, stream=None, *, err: bool = False, color: bool | None = None):
    """`text` and a line break, flushed: what `click.echo(text, file=stream, err=err, color=color)`
    writes, without importing click (`blocklint check PATH` runs without it). Click writes it
    where the two could differ: colour on, an ANSI escape in the text (click strips it unless
    colour is on or the stream is a terminal), or its own stdout/stderr (no `stream`) when that
    is not a plain text stream with an encoding other than ASCII (click re-encodes it)."""
    if color or "\x1b" in text or (stream is None and not _plain_text_stream(sys.stderr if err else sys.stdout)):
        import click

        click.echo(text, file=stream, err=err, color=color)
        return
    stream = stream or (sys.stderr if err else sys.stdout)
    stream.write(text + "\n")
    stream.flush()


def _plain_text_stream(stream) -> bool:
    try:
        return type(stream) is io.TextIOWrapper and codecs.lookup(stream.encoding).name != "ascii"
    except LookupError:
        return False


class Reporter:
    """The base of every format: the stream and the run's options, and the results seen so far.

    Subclasses write in `write_file(result)` (once per result, as it comes) and `write_end()`.
    """

    # Output for programs: never coloured, never interleaved with a progress bar.
    machine = False
    keeps_results = False

    def __init__(self, stream, *, verbose=False, quiet=False, strict=False, rules=None, secrets=frozenset(),
                 **_options):
        self.stream = stream
        self.verbose = verbose
        self.quiet = quiet
        self.strict = strict
        self.rules = rules
        self.masker = Masker(secrets) if secrets else DETECTOR_ONLY
        self.totals = {"files": 0, "errors": 0, "warnings": 0, "infos": 0}
        # Formats that write their document at the end keep the results (their findings, never
        # the documents); the others keep only the totals, so memory stays flat over a long run.
        self.results: list | None = [] if self.keeps_results else None

    def start(self):
        pass

    def file(self, result):
        """One file's result, as soon as it is checked."""
        add_totals(self.totals, result)
        if self.results is not None:
            self.results.append(result)
        self.write_file(result)

    def finish(self, results=()):
        """The end of the run: `results` not given to `file` yet (a caller may give them all
        here instead), then the summary or the document."""
        for result in results:
            self.file(result)
        self.write_end()

    def write_file(self, result):
        pass

    def write_end(self):
        pass

    def shown(self, result) -> list:
        """The findings of `result` this report shows: informational notes only when verbose."""
        return [finding for finding in result.findings if finding.severity != INFO or self.verbose]

    def message(self, finding, *, keep_line_breaks: bool = False) -> str:
        return present_message(finding.message, self.masker, keep_line_breaks=keep_line_breaks)

    def write_line(self, line: str = ""):
        self.stream.write(guard_line(line) + "\n")


def workspace_path(path: str) -> str:
    """A finding's file as CI systems want it: relative to the working directory (the checkout)
    when it lies below it, POSIX-style; a relative path is kept as given."""
    return Path(path).as_posix() if not Path(path).is_absolute() else relative_path(path)


def reporter_class(name: str):
    module_name, _, class_name = REPORTERS[name].partition(":")
    return getattr(import_module(module_name), class_name)


def is_machine_format(name: str) -> bool:
    """Whether `--format NAME` writes for programs (no progress bar alongside it on a terminal)."""
    return reporter_class(name).machine


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


_TOTAL_OF = {ERROR: "errors", WARNING: "warnings", INFO: "infos"}


def add_totals(totals: dict, result) -> dict:
    """Count one result into `totals` (files checked, errors, warnings, infos)."""
    if not result.skipped:
        totals["files"] += 1
        for finding in result.findings:
            totals[_TOTAL_OF[finding.severity]] += 1
    return totals


def summary(results) -> dict:
    """The totals every format reports: files checked, errors, warnings."""
    totals = {"files": 0, "errors": 0, "warnings": 0, "infos": 0}
    for result in results:
        add_totals(totals, result)
    return totals


def summary_parts(totals: dict) -> list[tuple[str, str]]:
    """The summary line as (text, colour) parts: `2 errors, 1 warning in 3 files`.

    Each count has its own severity's colour, and no colour when it is zero, so `0 warnings`
    is never painted red; a clean run's file count is green.
    """
    if totals["files"] == 0:
        return [("no Press documents found", "yellow")]
    clean = not totals["errors"] and not totals["warnings"]
    return [(plural(totals["errors"], "error"), "red" if totals["errors"] else ""), (", ", ""),
            (plural(totals["warnings"], "warning"), "yellow" if totals["warnings"] else ""),
            (f" in {plural(totals['files'], 'file')}", "green" if clean else "")]


def summary_line(totals: dict) -> str:
    """The summary, uncoloured, of totals (`summary(results)` or a reporter's running totals)."""
    return "".join(text for text, _ in summary_parts(totals))
