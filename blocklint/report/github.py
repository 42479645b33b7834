"""`--format github`: GitHub Actions workflow commands, plus the readable line.

Per finding, an annotation GitHub shows on the pull request's diff:

    ::error file=specs/a.yaml,line=32,col=9,endLine=32,endColumn=15,title=BL301 unknown-parent::message

(`::warning` for warnings, `::notice` for informational notes with `--verbose`), then the
`path:line:col: RULE severity message` line the log shows (GitHub hides the commands), then the
summary (`annotations_only=True`: the commands alone, added after text output on GitHub
Actions). Values are escaped as GitHub's toolkit does: `%`, CR and LF everywhere, and `:` and `,`
in properties too. The readable line shows CR and LF as `\\r` and `\\n`, so that text from a
spec file (a quoted key with a line break) can never start a workflow command of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from blocklint.findings import ERROR, INFO, WARNING
from blocklint.report import Reporter, summary, summary_parts
from blocklint.report.concise import concise_line

COMMANDS = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _workspace_path(path: str) -> str:
    """GitHub wants paths relative to the repository; make absolute paths below the cwd relative."""
    candidate = Path(path)
    if not candidate.is_absolute():
        return candidate.as_posix()
    try:
        return candidate.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()


def annotation(finding) -> str:
    properties = {
        "file": _workspace_path(finding.file),
        "line": finding.line,
        "col": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "title": f"{finding.rule} {finding.name}",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def readable_line(finding) -> str:
    return concise_line(finding).replace("\r", "\\r").replace("\n", "\\n")


class GithubReporter(Reporter):
    def __init__(self, stream, *, annotations_only=False, **options):
        super().__init__(stream, **options)
        # With another format on stdout (text, by default on GitHub Actions): only the commands.
        self.annotations_only = annotations_only

    def finish(self, results):
        for result in results:
            for finding in result.findings:
                if finding.severity == INFO and not self.verbose:
                    continue
                click.echo(annotation(finding), file=self.stream)
                if not self.annotations_only:
                    click.echo(readable_line(finding), file=self.stream)
        if not self.annotations_only:
            click.echo("".join(text for text, _ in summary_parts(summary(results))), file=self.stream)
