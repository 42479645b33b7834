"""`--format json`: one object with every finding and the totals.

The findings are collected as each file is done and the document is written at the end (JSON
has no end-of-document marker a reader could wait for). Messages are masked and escaped as
in every format; `file` is the path as given, JSON-escaped.
"""

from __future__ import annotations

import json

from blocklint.findings import INFO
from blocklint.report import Reporter


def finding_dict(finding, message: str) -> dict:
    return {**finding.as_dict(), "message": message}


class JsonReporter(Reporter):
    machine = True

    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self.findings: list[dict] = []

    def write_file(self, result):
        self.findings += [finding_dict(finding, self.message(finding)) for finding in result.findings
                          if finding.severity != INFO]

    def write_end(self):
        totals = self.totals
        document = {
            "findings": self.findings,
            "summary": {"files": totals["files"], "errors": totals["errors"], "warnings": totals["warnings"]},
        }
        self.stream.write(json.dumps(document, indent=2) + "\n")
