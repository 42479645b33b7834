"""A file name that is not valid UTF-8 (any byte string is a legal POSIX name) is reported in every
format, and never ends the run with exit 2 (SARIF wrote nothing at all for such a run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from blocklint.report import REPORTERS

SPEC = b"body:\n  kind: workflow\n  metadata: {name: x}\n  bogus: 1\n"


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
@pytest.mark.parametrize("format_name", sorted(REPORTERS))
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tmp_path, format_name):
    os.makedirs(tmp_path / "specs")
    with open(os.path.join(os.fsencode(tmp_path / "specs"), b"caf\xe9-\xff.yaml"), "wb") as spec:
        spec.write(SPEC)
    done = subprocess.run([sys.executable, "-m", "blocklint", "check", "--format", format_name, "specs"],
                          cwd=tmp_path, capture_output=True, env={**os.environ, "BLOCKLINT_NO_CACHE": "1"})
    assert done.returncode == 1, done.stderr
    assert b"internal error" not in done.stderr
    if format_name == "sarif":
        document = json.loads(done.stdout)
        uris = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for result in document["runs"][0]["results"]}
        assert uris == {"specs/caf%E9-%FF.yaml"}
    elif format_name in ("json", "gitlab"):
        json.loads(done.stdout)
    assert b"BL101" in done.stdout or b"unknown-key" in done.stdout or b"bogus" in done.stdout
