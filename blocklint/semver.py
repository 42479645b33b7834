"""Semantic versions (semver.org 2.0.0), one parser for the rules, the registry and submit.

Press release versions are strict semantic versions: `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`;
no leading `v` (the platform refuses `v1.2.3`, and so does BL606). A leaf module.
"""

from __future__ import annotations

import re

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")


def is_semver(version) -> bool:
    return isinstance(version, str) and SEMVER.match(version) is not None


def semver_key(version):
    """A sort key giving semantic-versioning precedence (build metadata ignored), or None when
    `version` is not a semantic version."""
    match = SEMVER.match(version) if isinstance(version, str) else None
    if match is None:
        return None
    major, minor, patch, prerelease = int(match[1]), int(match[2]), int(match[3]), match[4]
    if prerelease is None:
        return (major, minor, patch, 1, ())
    identifiers = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in prerelease.split("."))
    return (major, minor, patch, 0, identifiers)
