"""`--format json`: one object with every finding and the totals."""

from __future__ import annotations

import json

from blocklint.findings import INFO
from blocklint.report import Reporter, summary


class JsonReporter(Reporter):
    def finish(self, results):
        totals = summary(results)
        document = {
            "findings": [finding.as_dict() for result in results for finding in result.findings
                         if finding.severity != INFO],
            "summary": {"files": totals["files"], "errors": totals["errors"], "warnings": totals["warnings"]},
        }
        self.stream.write(json.dumps(document, indent=2) + "\n")
