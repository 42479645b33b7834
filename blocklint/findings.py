"""Findings are plain, frozen data; everything else reads them."""

from __future__ import annotations

from typing import NamedTuple

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


class Finding(NamedTuple):
    """One problem in one file. Lines and columns are 1-based."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    name: str
    severity: str
    message: str
    path: tuple = ()
    # The fix `check --fix` has for it, decided while the document is loaded: "safe", "unsafe"
    # (only with --unsafe-fixes) or "" (none). Kept with the finding (and in the cache), so the
    # `[*]` marker never needs the file read again.
    fix: str = ""

    def sort_key(self):
        return (self.file, self.line, self.column, self.rule, self.message)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
        }


def count(findings) -> dict:
    """How many findings of each severity."""
    totals = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        totals[finding.severity] += 1
    return totals
