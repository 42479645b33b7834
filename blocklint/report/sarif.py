"""`--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` lists every rule (its docstring as the full description and help,
a help URI into docs/rules.md, its default level); each result points at its rule by id and
index, with a 1-based region (end column exclusive, as SARIF defines it) in a file whose URI is
relative to the working directory (`uriBaseId` `%SRCROOT%`). Files outside the working
directory get absolute `file://` URIs. Messages are masked and escaped as in every format.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from blocklint import __version__
from blocklint.findings import ERROR, INFO, WARNING
from blocklint.report import Reporter
from blocklint.report.fingerprint import fingerprint

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/blocklint/blocklint"
LEVELS = {ERROR: "error", WARNING: "warning", INFO: "note"}


def _uri(path: str, root: Path) -> tuple[str, str | None]:
    """The artifact URI of a finding's file, and its base id (None for an absolute URI)."""
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else root / candidate
    try:
        relative = Path(os.path.normpath(absolute)).relative_to(root)
    except ValueError:
        return Path(os.path.normpath(absolute)).as_uri(), None
    # the file name's own bytes, percent-encoded (a name that is not UTF-8 has no text form)
    return quote(os.fsencode(relative.as_posix())), SRCROOT


def _descriptor(found) -> dict:
    from blocklint.docs import help_uri, rule_source

    doc = found.doc or found.name
    summary = found.summary or found.name
    descriptor = {
        "id": found.id,
        "name": found.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc, "markdown": doc},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVELS.get(found.severity, "warning")},
    }
    properties = {"tags": [found.id[:3] + "xx"]} if found.id.startswith("BL") else {}
    if rule_source(found):
        properties["source"] = rule_source(found)  # what the rule rests on (its `## Source`)
    if properties:
        descriptor["properties"] = properties
    uri = help_uri(found)
    if uri:
        descriptor["helpUri"] = uri
    return descriptor


class SarifReporter(Reporter):
    machine = True
    keeps_results = True  # the document is written at the end

    def __init__(self, stream, *, root=None, **options):
        super().__init__(stream, **options)
        self.root = Path(root or os.getcwd()).resolve()

    def document(self, results=None) -> dict:
        rules = self.rules
        if rules is None:
            from blocklint.collect import collect_rules

            rules = collect_rules()
        descriptors = [_descriptor(found) for found in rules]
        index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
        sarif_results = []
        for result in self.results if results is None else results:
            for finding in self.shown(result):
                if finding.rule not in index:  # BL000 (a crashed rule) or a rule not passed in
                    index[finding.rule] = len(descriptors)
                    descriptors.append({"id": finding.rule, "name": finding.name,
                                        "shortDescription": {"text": finding.name},
                                        "defaultConfiguration": {"level": LEVELS[finding.severity]}})
                uri, base = _uri(finding.file, self.root)
                location = {"uri": uri}
                if base:
                    location["uriBaseId"] = base
                end_line = max(finding.end_line, finding.line)
                end_column = finding.end_column
                if end_line == finding.line and end_column <= finding.column:
                    end_column = finding.column + 1  # SARIF regions are never empty here
                message = self.message(finding)
                sarif_results.append({
                    "ruleId": finding.rule,
                    "ruleIndex": index[finding.rule],
                    "level": LEVELS[finding.severity],
                    "message": {"text": message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": location,
                        "region": {"startLine": finding.line, "startColumn": finding.column,
                                   "endLine": end_line, "endColumn": end_column},
                    }}],
                    "partialFingerprints": {"blocklintNodePath/v1": fingerprint(finding, uri, message)},
                })
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "blocklint",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                }},
                "originalUriBaseIds": {SRCROOT: {"uri": self.root.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }],
        }

    def write_end(self):
        self.stream.write(json.dumps(self.document(), indent=2) + "\n")
