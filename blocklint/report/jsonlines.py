"""`--format json-lines`: one JSON object per finding per line, the keys of `--format json`,
written as each file is done.

No summary line: a consumer counts lines. Informational notes are left out, as in `json`.
"""

from __future__ import annotations

import json

from blocklint.findings import INFO
from blocklint.report import Reporter
from blocklint.report.json import finding_dict


class JsonLinesReporter(Reporter):
    machine = True

    def write_file(self, result):
        for finding in result.findings:
            if finding.severity != INFO:
                self.stream.write(json.dumps(finding_dict(finding, self.message(finding))) + "\n")
        self.stream.flush()
