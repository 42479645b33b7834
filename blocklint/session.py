"""One run of `check` (and the verdict `pytest --blocklint` gives a file): the results as they
come, fixed or marked fixable, fed to every reporter through one fan-out, and what the run
decides from them: which findings fail a file (its plan's strictness) and the exit code."""

from __future__ import annotations

import sys

from blocklint.commandline import EXIT_FINDINGS, EXIT_OK
from blocklint.findings import ERROR, INFO, fixable_findings


def failing(findings, strict: bool) -> list:
    """The findings that fail a file: all it shows (never infos) when one is an error, or when its
    plan is strict and it shows any; else none."""
    shown = [finding for finding in findings if finding.severity != INFO]
    return shown if strict or any(finding.severity == ERROR for finding in shown) else []


class Session:
    """A run's results through its fixer and reporters. `reporters`: (reporter, stream) pairs;
    `keep_shown`: keep every shown finding (`shown`: for statistics or a baseline); `verbose`:
    reporters write for every file, not only those with findings."""

    def __init__(self, planner, reporters=(), fixer: Fixer | None = None, *, keep_shown: bool = False,
                 verbose: bool = False):
        self.planner, self.reporters, self.fixer = planner, list(reporters), fixer
        self.keep_shown, self.verbose = keep_shown, verbose
        self.shown: list = []
        self.failed = False
        for reporter, _ in self.reporters:
            reporter.start()

    def add(self, result, *, before_output=None):
        """One file's result: fixed (or marked fixable), judged by its own plan's strictness, and
        reported. `before_output`: called first when a reporter may write (a progress bar clears).
        A result without findings, when nothing is being fixed, has nothing to mark or fail on:
        its plan is not asked for (most files of a warm run)."""
        shown = ()
        if result.findings or (self.fixer is not None and self.fixer.summary is not None):
            plan = self.planner.for_path(result.path)  # strictness is the file's configuration's
            if self.fixer is not None:
                result = self.fixer.result(result, plan, self.reporters)
            shown = [finding for finding in result.findings if finding.severity != INFO]
            self.failed = self.failed or bool(failing(shown, plan.strict))
            if self.keep_shown:
                self.shown.extend(shown)
        if before_output is not None and (shown or self.verbose):
            before_output()
        for reporter, _ in self.reporters:
            reporter.file(result)
        return result

    def finish(self):
        """Every reporter's end (summaries, closing documents), and their files closed."""
        for reporter, stream in self.reporters:
            reporter.finish()
            if stream is not sys.stdout:
                stream.close()

    def exit_code(self, *, exit_zero: bool = False) -> int:
        return EXIT_FINDINGS if self.failed and not exit_zero else EXIT_OK


class Fixer:
    """`--fix`, `--unsafe-fixes`, `--diff` and the `[*]` marker, as results come in."""

    def __init__(self, enabled: bool, unsafe: bool, diff_only: bool, mark: bool):
        self.unsafe, self.diff_only, self.mark = unsafe, diff_only, mark
        self.summary = None
        if enabled:
            from blocklint.fixing import FixSummary

            self.summary = FixSummary()

    def result(self, result, plan, reporters):
        """The result with its file fixed (`--fix`), or with its fixable findings marked."""
        if self.summary is not None:
            from blocklint.fixing import fix_result

            return fix_result(result, plan, unsafe=self.unsafe, write=not self.diff_only, summary=self.summary)
        if self.mark and result.findings:
            fixable = fixable_findings(result, unsafe=self.unsafe)
            for reporter, _ in reporters:
                if hasattr(reporter, "fixable"):
                    reporter.fixable |= fixable
        return result

    def finish(self, reporters) -> bool:
        """Say what was fixed; True when `--diff` has printed a diff (exit 1, as ruff does).

        The fix count goes on stdout just before the findings' summary line when a readable format
        prints there (it is part of that summary); on stderr when stdout holds a machine format."""
        import click  # only `--fix` and `--diff` come here, through the command line

        from blocklint.report import present_message
        from blocklint.report.escape import display_path

        for path, message in self.summary.errors:
            click.echo(f"blocklint: {display_path(str(path))}: {present_message(str(message))}", err=True)
        if self.diff_only:
            click.echo(self.summary.diff(), nl=False)
            return bool(self.summary.files)
        line = f"blocklint: fixed {self.summary.fixed} finding(s) in {len(self.summary.files)} file(s)"
        readable = [reporter for reporter, stream in reporters if stream is sys.stdout and hasattr(reporter, "notes")]
        if readable:
            readable[0].notes.append(line)
        else:
            click.echo(line, err=True)
        return False
