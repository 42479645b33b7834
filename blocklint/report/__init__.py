"""Reporters: one module per output format, all reading the same findings.

A reporter has `start()`, `file(result)` (called as each file is done, for progress) and
`finish(results)`. The engine never prints; reporters never decide what is a finding.
"""

from __future__ import annotations

from importlib import import_module

from blocklint.findings import ERROR, INFO, WARNING

REPORTERS = {
    "text": "blocklint.report.text:TextReporter",
    "concise": "blocklint.report.concise:ConciseReporter",
    "json": "blocklint.report.json:JsonReporter",
    "json-lines": "blocklint.report.jsonlines:JsonLinesReporter",
    "sarif": "blocklint.report.sarif:SarifReporter",
    "junit": "blocklint.report.junit:JunitReporter",
    "github": "blocklint.report.github:GithubReporter",
}


class Reporter:
    """The base of every format: the stream and the run's options; start and file do nothing.

    `finish(results)` writes the report; formats that print as they go override `file`.
    """

    def __init__(self, stream, *, verbose=False, strict=False, rules=None, **_options):
        self.stream = stream
        self.verbose = verbose
        self.strict = strict
        self.rules = rules

    def start(self):
        pass

    def file(self, result):
        pass

    def finish(self, results):
        raise NotImplementedError


def reporter_class(name: str):
    module_name, _, class_name = REPORTERS[name].partition(":")
    return getattr(import_module(module_name), class_name)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def summary(results) -> dict:
    """The totals every format reports: files checked, errors, warnings."""
    checked = [result for result in results if not result.skipped]
    findings = [finding for result in checked for finding in result.findings]
    return {
        "files": len(checked),
        "errors": sum(finding.severity == ERROR for finding in findings),
        "warnings": sum(finding.severity == WARNING for finding in findings),
        "infos": sum(finding.severity == INFO for finding in findings),
    }


def summary_parts(totals: dict) -> list[tuple[str, str]]:
    """The summary line as (text, colour) parts: `2 errors, 1 warning in 3 files`."""
    if totals["files"] == 0:
        return [("no Press documents found", "yellow")]
    colour = "red" if totals["errors"] else "yellow" if totals["warnings"] else "green"
    return [(plural(totals["errors"], "error"), colour), (", ", ""),
            (plural(totals["warnings"], "warning"), colour),
            (f" in {plural(totals['files'], 'file')}", "")]
