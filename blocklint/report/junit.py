"""`--format junit`: JUnit XML, for CI test dashboards (GitLab, Jenkins, Azure, CircleCI).

One `<testsuite name="blocklint">`. Each checked file is a class (`classname` = its path):
one `<testcase name="BL301 unknown-parent">` per rule that fired in it, and one passing
`<testcase name="blocklint">` for a file with no finding, so a dashboard lists every spec.
A testcase with an error (or, with `--strict`, a warning) has a `<failure>` whose text is the
findings, one `path:line:col: RULE severity message` line each; a testcase with only warnings
passes and carries them in `<system-out>`, matching the exit code. Files skipped as not Press
documents are not listed. Paths and messages are masked and escaped as in every format (no
line of the XML can start with input), and what XML 1.0 cannot hold is replaced.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from blocklint.findings import ERROR
from blocklint.report import Reporter, plural
from blocklint.report.concise import concise_line
from blocklint.report.escape import display_path

CLEAN_NAME = "blocklint"
# Characters XML 1.0 cannot hold, even escaped.
_INVALID_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


class JunitReporter(Reporter):
    machine = True
    keeps_results = True  # the document is written at the end

    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self.start()

    def start(self):
        self.started = time.monotonic()
        self.timestamp = datetime.now(timezone.utc)

    def _fails(self, findings) -> bool:
        return any(f.severity == ERROR for f in findings) or (self.strict and bool(findings))

    def cases(self, results):
        """(classname, name, findings) per testcase, in order."""
        for result in results:
            if result.skipped:
                continue
            shown = self.shown(result)
            if not shown:
                yield result.path, CLEAN_NAME, []
                continue
            by_rule: dict[tuple, list] = {}
            for finding in shown:
                by_rule.setdefault((finding.rule, finding.name), []).append(finding)
            for (rule_id, name), findings in sorted(by_rule.items()):
                yield result.path, f"{rule_id} {name}", findings

    def document(self, results=None) -> ET.Element:
        elapsed = f"{time.monotonic() - self.started:.3f}"
        cases = list(self.cases(self.results if results is None else results))
        failures = sum(self._fails(findings) for _, _, findings in cases)
        counts = {"name": "blocklint", "tests": str(len(cases)), "failures": str(failures),
                  "errors": "0", "skipped": "0", "time": elapsed}
        root = ET.Element("testsuites", counts)
        suite = ET.SubElement(root, "testsuite", {
            **counts, "timestamp": self.timestamp.strftime("%Y-%m-%dT%H:%M:%S")})
        for classname, name, findings in cases:
            shown_path = _xml_text(display_path(classname))
            attributes = {"classname": shown_path, "name": _xml_text(name), "file": shown_path}
            if findings:
                attributes["line"] = str(findings[0].line)
            case = ET.SubElement(suite, "testcase", attributes)
            if not findings:
                continue
            body = _xml_text("\n".join(concise_line(f, self.masker) for f in findings))
            if self._fails(findings):
                first = findings[0]
                first_message = self.message(first)
                message = first_message if len(findings) == 1 else \
                    f"{plural(len(findings), 'finding')}; first: line {first.line}: {first_message}"
                failure = ET.SubElement(case, "failure", {"message": _xml_text(message), "type": first.rule})
                failure.text = body
            else:
                ET.SubElement(case, "system-out").text = body
        return root

    def write_end(self):
        root = self.document()
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(ET.tostring(root, encoding="unicode") + "\n")
