"""`--format concise`: one line per finding, `path:line:col: RULE severity message`, as each
file is done; the summary last."""

from __future__ import annotations

from blocklint.report import Reporter, present_message, summary_line
from blocklint.report.escape import display_path
from blocklint.secrets import DETECTOR_ONLY


def concise_line(finding, masker=DETECTOR_ONLY) -> str:
    """The one-line form of a finding (also used by junit, github and the pytest plugin)."""
    return (f"{display_path(finding.file)}:{finding.line}:{finding.column}: {finding.rule} {finding.severity} "
            f"{present_message(finding.message, masker)}")


class ConciseReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self.notes: list[str] = []  # lines printed just before the summary line (what `--fix` fixed)

    def write_file(self, result):
        for finding in self.shown(result):
            self.write_line(concise_line(finding, self.masker))
        self.stream.flush()

    def write_end(self):
        for note in self.notes:
            self.write_line(note)
        self.write_line(summary_line(self.totals))
