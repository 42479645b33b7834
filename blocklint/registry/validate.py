"""Incoming documents through the same rule engine as `blocklint check`.

The registry receives bare SDK bodies and form fields; they are put back together as the
peak CLI file the user would have written (`{"body": ..., "parameters": ..., "artifact": ...}`),
loaded with the document kind forced, and checked. A received artifact zip is unpacked into a
temporary directory so the artifact rules (BL8xx) see exactly what was uploaded.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from blocklint.findings import ERROR

MAX_UNPACKED_BYTES = 512 * 2**20
MAX_ENTRIES = 50_000

_engines: dict = {}
_engines_lock = threading.Lock()


class UnsafeArtifact(Exception):
    """A zip that cannot be unpacked safely (paths outside the root, too large unpacked)."""


def _ruleset():
    """Every built-in rule, collected once per process: the registry checks what it receives with
    blocklint's own rules, not with a project's configuration."""
    with _engines_lock:
        if "rules" not in _engines:
            from blocklint.collect import collect_rules

            _engines["rules"] = collect_rules()
        return _engines["rules"]


def check(kind: str, data: dict, *, spec_file: dict | None = None, resolver=None,
          previous_version: str | None = None) -> list:
    """The error findings of the peak CLI file `data` of `kind` (warnings do not refuse).

    The spec a deployment deploys (`spec_file`, as peak CLI data) is handed to the rules as a
    document, with `resolver` for the specs it names by id.
    """
    from blocklint.engine import Engine, Settings
    from blocklint.load import LoadSettings, load_text
    from blocklint.specs import RelatedSpecs, SpecDocument

    documents = [SpecDocument("app-spec" if kind.startswith("app-") else "block-spec", spec_file)] \
        if spec_file is not None else []
    settings = Settings(previous_version=previous_version, load=LoadSettings(template=False),
                        specs=RelatedSpecs(documents, resolver))
    doc = load_text(json.dumps(data, indent=2), f"{kind}.json", LoadSettings(kind=kind, template=False))
    findings = Engine(_ruleset(), settings).check(doc)
    return [finding for finding in findings if finding.severity == ERROR]


def finding_dict(finding) -> dict:
    path = ".".join(str(part) for part in finding.path)
    return {"rule": finding.rule, "name": finding.name, "severity": finding.severity,
            "path": path, "message": finding.message}


@contextmanager
def unpacked(zip_bytes: bytes | None):
    """A temporary directory holding the artifact's files (None when there is no artifact)."""
    if zip_bytes is None:
        yield None
        return
    import io

    with tempfile.TemporaryDirectory(prefix="blocklint-artifact-") as scratch:
        root = Path(scratch, "artifact")
        root.mkdir()
        try:
            archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
        except zipfile.BadZipFile:
            raise UnsafeArtifact("the artifact is not a zip file") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise UnsafeArtifact(f"the artifact has {len(infos)} entries (at most {MAX_ENTRIES})")
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise UnsafeArtifact(f"the artifact unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
            for info in infos:
                name = PurePosixPath(info.filename)
                if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
                    raise UnsafeArtifact(f"artifact entry {info.filename!r} points outside the artifact")
                target = root.joinpath(*name.parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as sink:
                    sink.write(source.read())
        yield os.fspath(root)
