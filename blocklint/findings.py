"""Findings are plain, frozen data; everything else reads them."""

from __future__ import annotations

from collections import namedtuple

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


class Edit(namedtuple("Edit", ["start", "end", "replacement", "original"], defaults=(None,))):
    """Replace `source[start:end]` (character offsets of the original text) by `replacement`.
    `original`: the text it replaces, when known; the edit is not applied to a text that has
    something else there (the file changed since it was checked)."""

    __slots__ = ()

    def touches(self, other: Edit) -> bool:
        """Two edits conflict when their ranges overlap, or both insert at one point."""
        if self.start == self.end == other.start == other.end:
            return True
        return self.start < other.end and other.start < self.end


class Fix(namedtuple("Fix", ["edits", "safe", "title"])):
    """The edits that repair one finding. `title` says what it does (`Replace 'parent' with
    'parents'`). Safe when it cannot change what the document means to the platform; unsafe
    (applied only with `--unsafe-fixes`) when it picks one meaning among several."""

    __slots__ = ()

    @property
    def start(self) -> int:
        return min(edit.start for edit in self.edits)


class Finding(namedtuple("Finding", [
    "file", "line", "column", "end_line", "end_column", "rule", "name", "severity", "message",
    "path",
    "evidence",  # the name of the `Evidence` it rests on ("" for a rule that declares none)
    # The name the rule proposes instead of the one it reports (its one close candidate), as
    # data: a fixer turns it into an edit, and nothing reads it back out of the message.
    "suggestion",
    # The edits that repair it (`Fix`), made where the document is loaded (the worker) and kept
    # in the cache with it: `--fix` applies them and the `[*]` marker shows them without reading
    # the file again. None when there is no sure fix.
    "fix",
    # The other places in the document it is about (`Related`), as node paths: an editor shows
    # them beside it (the steps of a cycle, where a repeated parent was first listed).
    "related",
], defaults=((), "", "", None, ()))):
    """One problem in one file. Lines and columns are 1-based."""

    __slots__ = ()

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


class Evidence(namedtuple("Evidence", ["name", "label", "severity", "platform_rejects", "meaning"])):
    """What a finding rests on. Its severity follows from it: a rule may not claim more than its
    evidence shows, and only a documented platform rejection makes `blocklint serve` refuse.
    A rule's `## Source` section names its evidence by `label`."""

    __slots__ = ()


DOCUMENTED = Evidence("documented", "Documented platform rejection", ERROR, True, (
    "the peak CLI's input file schema, peak-sdk's docstrings or docs.peak.ai state the constraint "
    "the platform enforces"))
SDK_FAILS = Evidence("sdk", "SDK code", ERROR, False, (
    "peak-sdk's own code (cited) fails on the file, or provably changes what it sends, before "
    "anything reaches Press"))
CERTAIN_HARM = Evidence("harm", "Certain harm", ERROR, False, (
    "the platform accepts it, but the harm is certain (a credential stored in the spec)"))
UNCHECKED = Evidence("unchecked", "blocklint's own", ERROR, False, (
    "blocklint could not check the file, or part of it (its own limits, a rule that crashed)"))
AS_WRITTEN = Evidence("as-written", "Sent as written", WARNING, False, (
    "the CLI and Press accept it: the request goes out as written, or the CLI drops the key "
    "without a word"))
INFERRED = Evidence("inferred", "Inference", WARNING, False, (
    "inferred from what the sources say; no source says the platform refuses it"))
OWN_DIRECTIVE = Evidence("directive", "blocklint's own", WARNING, False, (
    "about blocklint's own directives; nothing changes on the platform"))
REPORT = Evidence("report", "Not a check", INFO, False, "information shown with --verbose")
EVIDENCE = {evidence.name: evidence for evidence in (
    DOCUMENTED, SDK_FAILS, CERTAIN_HARM, UNCHECKED, AS_WRITTEN, INFERRED, OWN_DIRECTIVE, REPORT)}


def platform_rejects(finding: Finding) -> bool:
    """An error whose evidence is a documented platform rejection: what Press itself refuses."""
    evidence = EVIDENCE.get(finding.evidence)
    return finding.severity == ERROR and evidence is not None and evidence.platform_rejects


def count(findings) -> dict:
    """How many findings of each severity."""
    totals = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        totals[finding.severity] += 1
    return totals


def fixable_findings(result, *, unsafe: bool = False) -> set:
    """The findings of one check result that `--fix` (with `unsafe`: `--unsafe-fixes`) would
    fix, for the text reporter's `[*]` marker: decided when the file was checked (`Finding.fix`),
    so nothing is read again (here, not in `blocklint.fixing`: a warm run marks them without importing
    what fixing needs). Standard input is never fixed."""
    if result.path == "-":
        return set()
    return {finding for finding in result.findings if finding.fix is not None and (finding.fix.safe or unsafe)}
