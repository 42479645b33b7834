"""`--format concise`: one line per finding, `path:line:col: RULE severity message`."""

from __future__ import annotations

import click

from blocklint.findings import INFO
from blocklint.report import Reporter, summary, summary_parts


def concise_line(finding) -> str:
    return f"{finding.file}:{finding.line}:{finding.column}: {finding.rule} {finding.severity} {finding.message}"


class ConciseReporter(Reporter):
    def finish(self, results):
        for result in results:
            for finding in result.findings:
                if finding.severity != INFO or self.verbose:
                    click.echo(concise_line(finding), file=self.stream)
        click.echo("".join(text for text, _ in summary_parts(summary(results))), file=self.stream)
