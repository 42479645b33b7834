"""Content digests that do not depend on zip timestamps or entry order.

Two artifacts with the same files (names and bytes) have the same digest however they were
zipped, so a re-submit after a fresh checkout (new mtimes) is still "up to date". Entries are
hashed as streams: a large entry never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

CHUNK_BYTES = 64 * 2**10


def _entry_sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    content = hashlib.sha256()
    if not info.is_dir():
        with archive.open(info) as source:
            while chunk := source.read(CHUNK_BYTES):
                content.update(chunk)
    return content.hexdigest()


def artifact_digest(zip_bytes: bytes) -> str:
    """sha256 over the sorted (name, sha256 of content) of every entry of the zip."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        entries = [(info.filename, _entry_sha256(archive, info)) for info in archive.infolist()]
    return hashlib.sha256(json.dumps(sorted(entries)).encode()).hexdigest()
