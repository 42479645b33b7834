"""Baselines: today's findings recorded, so that a run reports only new ones.

A finding is keyed by (file, rule, node path) rather than by line, so the baseline survives
edits elsewhere in the file; findings with no node (syntax errors) are keyed by message.
Counts are kept, so a second identical finding on the same node is still new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

VERSION = 1


def _path_text(path) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def finding_key(finding, root: Path) -> tuple:
    try:
        file = Path(finding.file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        file = Path(finding.file).as_posix()
    where = _path_text(finding.path) if finding.path else finding.message
    return file, finding.rule, where


def write_baseline(target: Path, findings, root: Path) -> int:
    counts = Counter(finding_key(finding, root) for finding in findings)
    entries = [{"file": file, "rule": rule, "where": where, "count": count}
               for (file, rule, where), count in sorted(counts.items())]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n", encoding="utf-8")
    return sum(counts.values())


def read_baseline(source: Path) -> Counter:
    try:
        from blocklint.load import read_bounded

        document = json.loads(read_bounded(source, what="baseline").decode("utf-8"))
        return Counter({(e["file"], e["rule"], e["where"]): int(e["count"]) for e in document["findings"]})
    except RecursionError:
        raise ValueError(f"{source}: not a blocklint baseline (nested too deeply)") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{source}: not a blocklint baseline ({error})") from error


def new_findings(findings, baseline: Counter, root: Path) -> list:
    """The findings beyond those the baseline recorded."""
    remaining = Counter(baseline)
    fresh = []
    for finding in findings:
        key = finding_key(finding, root)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            fresh.append(finding)
    return fresh
