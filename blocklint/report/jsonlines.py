"""`--format json-lines`: one JSON object per finding per line, the keys of `--format json`.

No summary line: a consumer counts lines. Informational notes are left out, as in `json`.
"""

from __future__ import annotations

import json

from blocklint.findings import INFO
from blocklint.report import Reporter


class JsonLinesReporter(Reporter):
    def finish(self, results):
        for result in results:
            for finding in result.findings:
                if finding.severity != INFO:
                    self.stream.write(json.dumps(finding.as_dict()) + "\n")
