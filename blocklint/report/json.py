"""`--format json`: one object with every finding and the totals."""

from __future__ import annotations

import json

from blocklint.findings import INFO
from blocklint.report import summary


class JsonReporter:
    def __init__(self, stream, **_options):
        self.stream = stream

    def start(self):
        pass

    def file(self, result):
        pass

    def finish(self, results):
        totals = summary(results)
        document = {
            "findings": [finding.as_dict() for result in results for finding in result.findings
                         if finding.severity != INFO],
            "summary": {"files": totals["files"], "errors": totals["errors"], "warnings": totals["warnings"]},
        }
        self.stream.write(json.dumps(document, indent=2) + "\n")
