"""One fingerprint per finding, for the formats that track findings across runs (SARIF, GitLab).

Stable across runs and across edits that move a finding (lines added above it): it hashes the
file, the rule, the node path and the message as printed (masked), never the line.
"""

from __future__ import annotations

import hashlib
import json


def fingerprint(finding, path: str, message: str) -> str:
    key = json.dumps([path, finding.rule, [str(part) for part in finding.path], message])
    return hashlib.sha256(key.encode()).hexdigest()[:32]
