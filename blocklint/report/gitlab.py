"""`--format gitlab`: GitLab Code Quality JSON, for merge request widgets and diffs.

An array of Code Climate issues with the fields GitLab documents
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):

    {"description": "unknown key 'trigers' in config; did you mean 'triggers'?",
     "check_name": "BL101", "fingerprint": "…", "severity": "major",
     "location": {"path": "specs/a.yaml", "lines": {"begin": 12}}}

plus `type`, `categories` and `engine_name`, which Code Climate's spec adds and GitLab ignores.
Severities: error is `major`, warning `minor`, informational notes (with `verbose`) `info`;
`critical` and `blocker` are left for problems that blocklint's levels do not distinguish.
The fingerprint is stable across runs and line moves (file, rule, node path, message), so
GitLab can tell new findings from old ones. Paths are relative to the working directory (the
checkout). Written as each file is done, one issue per line, between `[` and `]`.
"""

from __future__ import annotations

import json

from blocklint.findings import ERROR, INFO, WARNING
from blocklint.report import Reporter, workspace_path
from blocklint.report.fingerprint import fingerprint

SEVERITIES = {ERROR: "major", WARNING: "minor", INFO: "info"}


class GitlabReporter(Reporter):
    machine = True

    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._separator = "[\n"

    def issue(self, finding) -> dict:
        path = workspace_path(finding.file)
        message = self.message(finding)
        return {
            "type": "issue",
            "description": message,
            "check_name": finding.rule,
            "categories": ["Security" if finding.rule.startswith("BL7") else "Bug Risk"],
            "engine_name": "blocklint",
            "fingerprint": fingerprint(finding, path, message),
            "severity": SEVERITIES[finding.severity],
            "location": {"path": path, "lines": {"begin": finding.line, "end": max(finding.end_line, finding.line)}},
        }

    def write_file(self, result):
        for finding in self.shown(result):
            self.stream.write(self._separator + json.dumps(self.issue(finding)))
            self._separator = ",\n"
        self.stream.flush()

    def write_end(self):
        self.stream.write("[]\n" if self._separator == "[\n" else "\n]\n")
