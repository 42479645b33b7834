"""`check --fix`, `--unsafe-fixes` and `--diff`: fixing the files a check reported on.

After `check` has linted the files, each file with a finding that carries a fix (`Finding.fix`,
made when it was checked) is read again, its fixes applied (safe ones, and unsafe ones when
asked; an edit whose text is no longer there is skipped), linted again and fixed again until
nothing changes (a fix skipped for overlapping another is picked up on the next round), then
written in place (`write_in_place`) or shown as a unified diff. A file is never written when the result loads
worse than the original did.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from blocklint.fix import apply_and_load
from blocklint.records import replace

MAX_ROUNDS = 10  # as ruff: fixes that uncover fixes converge in a round or two; never loop forever


@dataclass
class FixedFile:
    path: str
    original: str
    fixed: str
    applied: int  # fixes applied, over every round
    findings: list  # the findings left after fixing
    secrets: frozenset = frozenset()  # values never to print (the plan's --template-env values)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self) -> str:
        """The unified diff, each line masked and escaped as reports quote source lines: a token
        in the file is never printed, nor can a line of it forge a CI command or repaint the
        terminal."""
        import difflib

        from blocklint.report import present_message
        from blocklint.report.escape import guard_line
        from blocklint.secrets import DETECTOR_ONLY, Masker

        masker = Masker(self.secrets) if self.secrets else DETECTOR_ONLY
        lines = difflib.unified_diff(self.original.splitlines(), self.fixed.splitlines(),
                                     fromfile=f"a/{self.path}", tofile=f"b/{self.path}", lineterm="")
        return "".join(guard_line(present_message(line, masker)) + "\n" for line in lines)


@dataclass
class FixSummary:
    files: list = field(default_factory=list)  # FixedFile, for each file that changed
    fixed: int = 0  # fixes applied
    errors: list = field(default_factory=list)  # (path, message): files that could not be written

    def remaining(self, result) -> list:
        """The findings of a check result once its file is fixed."""
        for fixed in self.files:
            if fixed.path == result.path:
                return fixed.findings
        return result.findings

    def diff(self) -> str:
        return "".join(fixed.diff() for fixed in self.files)


def could_fix(result) -> bool:
    """Whether a check result has a finding that carries a fix (no reading)."""
    return not result.skipped and any(finding.fix is not None for finding in result.findings)


def fixes_of(findings, *, unsafe: bool) -> list:
    """The fixes the findings carry: the safe ones, and with `unsafe` the unsafe ones too."""
    return [finding.fix for finding in findings if finding.fix is not None and (finding.fix.safe or unsafe)]


def fix_document(doc, plan, *, unsafe: bool = False, findings=None) -> FixedFile:
    """Fix one loaded document through its plan until no fix applies; the findings left.
    `findings`: the document's findings when the caller already checked it."""
    from blocklint.runner import check_document

    original = doc.source
    applied = 0
    if findings is None:
        findings = check_document(doc, plan).findings
    for _ in range(MAX_ROUNDS):
        fixes = fixes_of(findings, unsafe=unsafe)
        if not fixes:
            break
        text, done, fixed_doc = apply_and_load(doc.source, fixes, path=doc.path, load=plan.load, before=doc)
        if not done or text == doc.source:
            break
        applied += len(done)
        doc = fixed_doc
        findings = check_document(doc, plan).findings
    return FixedFile(doc.path, original, doc.source, applied, findings, plan.secrets)


def read_source(path: str) -> tuple[str, bool]:
    """A file's text and whether it starts with a UTF-8 byte-order mark (kept when writing)."""
    from blocklint.load import read_bounded

    raw = read_bounded(path)
    return raw.decode("utf-8-sig"), raw.startswith(codecs.BOM_UTF8)


def write_in_place(path: str, text: str, *, bom: bool = False) -> None:
    """Write a file's new content into the file itself, through a link to the file it names.

    Opened for writing and truncated, never replaced by another file: its owner, group, mode,
    ACLs and hard links stay as they were (a replacement belongs to whoever runs the fix, and
    the other names of a hard link would keep the old text). The price: a crash while writing
    can leave the file half written; the bytes are flushed to disk before returning. Only a
    regular file is written (a FIFO or a device put in its place since it was read is refused)."""
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        os.set_blocking(descriptor, True)
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        os.ftruncate(descriptor, len(data))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fix_result(result, plan, *, unsafe: bool = False, write: bool = True, summary: FixSummary | None = None):
    """One check result after fixing its file: the result with the findings left (the same
    result when nothing was fixed). The fixed file is recorded in `summary`; with `write=False`
    (`--diff`) nothing is written."""
    from blocklint.load import load_text

    summary = summary if summary is not None else FixSummary()
    if result.path == "-" or not could_fix(result):
        return result
    try:
        text, bom = read_source(result.path)
    except (OSError, UnicodeDecodeError) as error:
        summary.errors.append((result.path, f"cannot read it again to fix it: {error}"))
        return result
    doc = load_text(text, result.path, plan.load, file_path=Path(result.path))
    # The check's findings are this text's (an edit since then is caught by each edit's
    # `original`, the text it replaces), so the first round need not lint again.
    fixed = fix_document(doc, plan, unsafe=unsafe, findings=result.findings)
    if not fixed.changed:
        return result
    if write:
        try:
            write_in_place(result.path, fixed.fixed, bom=bom)
        except OSError as error:
            summary.errors.append((result.path, f"cannot write the fixed file: {error.strerror or error}"))
            return result
    summary.files.append(fixed)
    summary.fixed += fixed.applied
    return replace(result, findings=fixed.findings)
