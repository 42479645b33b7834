"""`--format github`: GitHub Actions workflow commands, plus the readable line.

Per finding, an annotation GitHub shows on the pull request's diff:

    ::error file=specs/a.yaml,line=32,col=9,endLine=32,endColumn=15,title=BL301 unknown-parent::message

(`::warning` for warnings, `::notice` for informational notes with `--verbose`), then the
`path:line:col: RULE severity message` line the log shows (GitHub hides the commands), then the
summary (`annotations_only=True`: the commands alone, added after text output on GitHub
Actions). Written as each file is done.

Values are escaped as GitHub's toolkit does: `%`, CR and LF everywhere, and `:` and `,` in
properties too; other control characters (and secrets) as in every format (`report.escape`,
`blocklint.secrets`). The readable line shows CR and LF as `\\r` and `\\n`, so text from a
spec file (a quoted key with a line break) can never start a workflow command of its own.
"""

from __future__ import annotations

from blocklint.findings import ERROR, INFO, WARNING
from blocklint.report import Reporter, present_message, summary_line, workspace_path
from blocklint.report.concise import concise_line
from blocklint.report.escape import escape_text
from blocklint.secrets import DETECTOR_ONLY

COMMANDS = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding, masker=DETECTOR_ONLY) -> str:
    properties = {
        # GitHub wants paths relative to the repository: absolute paths below the cwd become relative.
        "file": escape_text(workspace_path(finding.file), keep_line_breaks=True),
        "line": finding.line,
        "col": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "title": f"{finding.rule} {finding.name}",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = present_message(finding.message, masker, keep_line_breaks=True)
    return f"::{COMMANDS[finding.severity]} {joined}::{escape_data(message)}"


class GithubReporter(Reporter):
    def __init__(self, stream, *, annotations_only=False, **options):
        super().__init__(stream, **options)
        # With another format on stdout (text, by default on GitHub Actions): only the commands.
        self.annotations_only = annotations_only

    def write_file(self, result):
        for finding in self.shown(result):
            self.stream.write(annotation(finding, self.masker) + "\n")
            if not self.annotations_only:
                self.write_line(concise_line(finding, self.masker))
        self.stream.flush()

    def write_end(self):
        if not self.annotations_only:
            self.write_line(summary_line(self.totals))
