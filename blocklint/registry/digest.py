"""Content digests that do not depend on zip timestamps or entry order.

Two artifacts with the same files (names and bytes) have the same digest however they were
zipped, so a re-submit after a fresh checkout (new mtimes) is still "up to date".
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile


def artifact_digest(zip_bytes: bytes) -> str:
    """sha256 over the sorted (name, sha256 of content) of every entry of the zip."""
    entries = []
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        for info in archive.infolist():
            content = b"" if info.is_dir() else archive.read(info)
            entries.append((info.filename, hashlib.sha256(content).hexdigest()))
    return hashlib.sha256(json.dumps(sorted(entries)).encode()).hexdigest()


def json_digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
