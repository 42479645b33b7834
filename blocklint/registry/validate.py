"""Incoming documents through the same rule engine as `blocklint check`.

The registry receives bare SDK bodies and form fields; they are put back together as the
peak CLI file the user would have written (`{"body": ..., "parameters": ..., "artifact": ...}`),
loaded with the document kind forced, and checked. A received artifact zip is unpacked into a
temporary directory so the artifact rules (BL8xx) see exactly what was uploaded.

The zip is hostile input. `unpacked` checks every entry before writing anything (names,
kinds, flags, compression, declared sizes) and then streams each entry to disk in chunks,
counting what it really inflates to: an entry over `MAX_ENTRY_BYTES`, a total over
`MAX_UNPACKED_BYTES`, or an entry inflating more than `MAX_RATIO` times its compressed size is
refused as soon as it crosses the line, so a zip bomb costs at most one chunk of memory and the
cap in scratch space. The scratch directory is removed on every way out; its name carries the
process id, so `blocklint serve` can remove what a killed server left (`scratch`).
"""

from __future__ import annotations

import json
import os
import stat
import struct
import tempfile
import threading
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from blocklint.findings import platform_rejects

MAX_UNPACKED_BYTES = 128 * 2**20  # all entries together: a 10 MiB zip of code unpacks to far less
MAX_ENTRY_BYTES = 64 * 2**20  # one entry
MAX_RATIO = 100  # inflated / compressed, per entry (source code and data stay far below)
RATIO_GRACE_BYTES = 2**20  # small entries may inflate more (a file of spaces is fine)
# Each entry costs a file written and read back by the artifact rules (0.35-0.5 ms of CPU): 10,000
# entries, far above a code artifact's hundreds, bound a request to 3.5-5 s of CPU.
MAX_ENTRIES = 10_000
MAX_NAME_BYTES = 1024  # far below PATH_MAX (4096) with the scratch directory in front
MAX_PART_BYTES = 255  # a file name on every common file system
MAX_DEPTH = 64
CHUNK_BYTES = 64 * 2**10
SCRATCH_PREFIX = "blocklint-artifact-"

_rules: dict = {}  # the rules collected, once per process (build_plan's rules cache)
_rules_lock = threading.Lock()


class UnsafeArtifact(Exception):
    """A zip that cannot be unpacked safely (paths outside the root, too large unpacked)."""


def _plan(kind: str, resolver, scratch: str | None, previous_version: str | None):
    """The run for one received document, planned as every front door plans one: blocklint's
    own rules (not a project's configuration; collected once per process), the document's kind
    forced, no template, the registry's spec lookup, and no files of the server's folder
    followed (a received body's references are ids, resolved by the lookup)."""
    from blocklint.plan import Overrides, build_plan

    overrides = Overrides(isolated=True, template=False, kind=kind, spec_lookup=resolver,
                          registry=resolver is not None, follow_references=False, artifact_root=scratch,
                          previous_version=previous_version)
    with _rules_lock:
        return build_plan(overrides, rules_cache=_rules)


def check(kind: str, data: dict, *, spec_file: dict | None = None, resolver=None,
          previous_version: str | None = None) -> list:
    """The findings of the peak CLI file `data` of `kind` that Press itself would refuse.

    As strict as Press, no stricter: only errors whose evidence is a documented platform
    rejection (`blocklint.findings.platform_rejects`) refuse. Warnings do not, nor do errors
    that rest on peak-sdk's own code (the client fails before Press is reached), on certain
    harm Press accepts (a literal credential), or on blocklint's own limits.

    The spec a deployment deploys (`spec_file`, as peak CLI data) is handed to the rules as a
    document, with `resolver` for the specs it names by id.
    """
    from blocklint.load import load_text
    from blocklint.specs import SpecDocument

    documents = [SpecDocument("app-spec" if kind.startswith("app-") else "block-spec", spec_file)] \
        if spec_file is not None else []
    # A received artifact is unpacked into scratch space (`unpacked`): that is its project.
    artifact = data.get("artifact") if isinstance(data, dict) else None
    scratch = os.path.dirname(artifact["path"]) if isinstance(artifact, dict) and isinstance(
        artifact.get("path"), str) and os.path.isabs(artifact["path"]) else None
    plan = _plan(kind, resolver, scratch, previous_version).with_specs(documents)
    doc = load_text(json.dumps(data, indent=2), f"{kind}.json", plan.load)
    findings = plan.engine.check(doc)
    return [finding for finding in findings if platform_rejects(finding)]


def refuse(findings, what: str, *, scratch: str | None = None) -> None:
    """Raise `Invalid` (400) with the findings when there are any; the `scratch` directory the
    artifact was unpacked in is named `artifact` in the messages (the client never sees server paths)."""
    from blocklint.registry.errors import Invalid

    if findings:
        shown = [finding_dict(f, scratch) for f in findings]
        count = len(shown)
        details = "; ".join(f"{f['rule']} at {f['path'] or '(top)'}: {f['message']}" for f in shown[:5])
        raise Invalid(f"the {what} has {count} error{'s' if count != 1 else ''}: {details}", shown)


def finding_dict(finding, scratch: str | None = None) -> dict:
    path = ".".join(str(part) for part in finding.path)
    message = finding.message.replace(scratch, "artifact") if scratch else finding.message
    return {"rule": finding.rule, "name": finding.name, "severity": finding.severity,
            "path": path, "message": message}


# What reading a damaged or hostile zip can raise: refused as "damaged", never a 500.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError, ValueError,
              NotImplementedError, RuntimeError, KeyError, IndexError, OverflowError, UnicodeDecodeError, TypeError)
STORED_OR_DEFLATED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _entry_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """The path parts of an entry, or `UnsafeArtifact` saying why the name cannot be unpacked."""
    name = info.filename
    shown = name if len(name) <= 80 else name[:60] + "..."
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise UnsafeArtifact(f"artifact entry {shown!r} has a name of {len(name)} characters "
                             f"(at most {MAX_NAME_BYTES} bytes)")
    if "\\" in name or "\x00" in name or PurePosixPath(name).is_absolute():
        raise UnsafeArtifact(f"artifact entry {shown!r} points outside the artifact")
    parts = tuple(name.rstrip("/").split("/"))
    if ".." in parts:
        raise UnsafeArtifact(f"artifact entry {shown!r} points outside the artifact")
    if any(part in ("", ".") for part in parts):
        raise UnsafeArtifact(f"artifact entry {shown!r} has an empty or '.' path part")
    if len(parts) > MAX_DEPTH:
        raise UnsafeArtifact(f"artifact entry {shown!r} is {len(parts)} directories deep (at most {MAX_DEPTH})")
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_PART_BYTES for part in parts):
        raise UnsafeArtifact(f"artifact entry {shown!r} has a path part longer than {MAX_PART_BYTES} bytes")
    return parts


def _planned(infos: list) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """Every entry checked (name, kind, flags, compression, declared size) before anything is written."""
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArtifact(f"the artifact has {len(infos)} entries (at most {MAX_ENTRIES})")
    kinds: dict[tuple, str] = {}  # path parts -> "file" | "directory"
    declared = 0
    plan = []
    for info in infos:
        parts = _entry_parts(info)
        name = "/".join(parts)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeArtifact(f"artifact entry {name!r} is a symbolic link; the artifact holds files only")
        if info.flag_bits & 0x1:
            raise UnsafeArtifact(f"artifact entry {name!r} is encrypted")
        if info.compress_type not in STORED_OR_DEFLATED:
            raise UnsafeArtifact(f"artifact entry {name!r} uses compression method {info.compress_type}; "
                                 "an artifact zip is stored or deflated")
        kind = "directory" if info.is_dir() else "file"
        for depth in range(1, len(parts)):
            if kinds.setdefault(parts[:depth], "directory") != "directory":
                raise UnsafeArtifact(f"artifact entry {name!r} is inside {'/'.join(parts[:depth])!r}, "
                                     "which is a file")
        previous = kinds.get(parts)
        if previous is not None and previous != kind:
            raise UnsafeArtifact(f"artifact entry {name!r} is both a file and a directory")
        if previous == "file":
            raise UnsafeArtifact(f"artifact entry {name!r} appears twice")
        kinds[parts] = kind
        if kind == "file":
            if info.file_size > MAX_ENTRY_BYTES:
                raise UnsafeArtifact(f"artifact entry {name!r} unpacks to {info.file_size // 2**20} MiB "
                                     f"(at most {MAX_ENTRY_BYTES // 2**20} MiB per file)")
            declared += info.file_size
            if declared > MAX_UNPACKED_BYTES:
                raise UnsafeArtifact(f"the artifact unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
        plan.append((info, parts))
    return plan


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, target: Path, budget: int) -> int:
    """Inflate one entry to `target` chunk by chunk; the bytes written, or `UnsafeArtifact` the moment
    it inflates past its declared size, its cap, the total `budget` left, or `MAX_RATIO`."""
    limit = min(info.file_size, MAX_ENTRY_BYTES, budget)
    ratio_limit = max(RATIO_GRACE_BYTES, MAX_RATIO * max(info.compress_size, 1))
    written = 0
    with archive.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > ratio_limit:
                raise UnsafeArtifact(f"artifact entry {name!r} inflates more than {MAX_RATIO} times its "
                                     "compressed size (a zip bomb?)")
            if written > limit:
                if written > info.file_size:
                    raise UnsafeArtifact(f"artifact entry {name!r} is larger than its header says")
                raise UnsafeArtifact(f"the artifact unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
            sink.write(chunk)
    if written != info.file_size:
        raise UnsafeArtifact(f"artifact entry {name!r} is smaller than its header says")
    return written


@contextmanager
def unpacked(zip_bytes: bytes | None):
    """A temporary directory holding the artifact's files (None when there is no artifact).

    `UnsafeArtifact` when the zip is damaged or could not be unpacked within the limits; the
    directory is removed when the block ends, however it ends."""
    if zip_bytes is None:
        yield None
        return
    import io

    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as scratch:
        root = Path(scratch, "artifact")
        root.mkdir()
        try:
            with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                budget = MAX_UNPACKED_BYTES
                for info, parts in _planned(archive.infolist()):
                    target = root.joinpath(*parts)
                    if info.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    budget -= _stream(archive, info, "/".join(parts), target, budget)
        except UnsafeArtifact:
            raise
        except ZIP_ERRORS as error:
            raise UnsafeArtifact(f"the artifact is not a readable zip file ({_reason(error)})") from None
        except OSError as error:  # the scratch directory itself (a full disk): the client learns why, briefly
            raise UnsafeArtifact(f"the artifact could not be unpacked here ({type(error).__name__})") from None
        yield os.fspath(root)


def _reason(error: Exception) -> str:
    text = str(error).splitlines()[0][:120] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
