"""Text output, like pytest: a progress line per file, the findings with code, a summary."""

from __future__ import annotations

import click

from blocklint.findings import ERROR, INFO, WARNING
from blocklint.load import split_lines
from blocklint.report import Reporter, summary, summary_parts

_MARK = {ERROR: ("E", "red"), WARNING: ("W", "yellow")}
_SEVERITY_COLOUR = {ERROR: "red", WARNING: "yellow", INFO: "cyan"}
# Rules whose flagged value is a secret: the quoted source line shows it masked.
MASKED_RULES = frozenset({"BL701"})


def source_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            return split_lines(handle.read())
    except OSError:
        return []


def code_frame(lines: list[str], finding) -> list[str]:
    """The offending line with a caret under the finding's columns."""
    if not 1 <= finding.line <= len(lines):
        return []
    text = lines[finding.line - 1].expandtabs(1)
    start = max(finding.column - 1, 0)
    width = finding.end_column - finding.column if finding.end_line == finding.line else 1
    width = max(1, min(width, len(text) - start)) if len(text) > start else 1
    if finding.rule in MASKED_RULES:
        end = start + width if finding.end_line == finding.line else len(text)
        text = text[:start] + "*" * max(0, min(end, len(text)) - start) + text[end:]
    gutter = f"{finding.line:>5} | "
    return [f"{gutter}{text}", " " * (len(gutter) - 2) + "| " + " " * start + "^" * width]


class TextReporter(Reporter):
    def __init__(self, stream, *, color=None, sources=None, **options):
        super().__init__(stream, **options)
        self.color = color
        self.sources = sources or {}

    def _echo(self, text=""):
        click.echo(text, file=self.stream, color=self.color)

    def _style(self, text, colour):
        return click.style(text, fg=colour) if colour else text

    def file(self, result):
        if result.skipped:
            if self.verbose:
                self._echo(f"{result.path} {self._style('skipped (not a Press document)', 'cyan')}")
            return
        shown = [f for f in result.findings if f.severity != INFO]
        worst = ERROR if any(f.severity == ERROR for f in shown) else WARNING if shown else None
        mark, colour = _MARK.get(worst, (".", "green"))
        kind = f" [{result.kind}]" if self.verbose and result.kind else ""
        self._echo(f"{result.path}{kind} {self._style(mark, colour)}")

    def finish(self, results):
        findings = [f for result in results for f in result.findings
                    if f.severity != INFO or self.verbose]
        if findings:
            self._echo()
        for finding in findings:
            colour = _SEVERITY_COLOUR[finding.severity]
            self._echo(f"{finding.file}:{finding.line}:{finding.column}: "
                       f"{self._style(finding.rule, colour)} {self._style(finding.severity, colour)} "
                       f"{finding.message}")
            lines = self.sources.get(finding.file)
            if lines is None:
                lines = self.sources[finding.file] = source_lines(finding.file)
            for line in code_frame(lines, finding):
                self._echo(line)
        self._echo("".join(self._style(text, colour) for text, colour in summary_parts(summary(results))))
