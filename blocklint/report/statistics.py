"""`--statistics`: how many findings each rule produced, as ruff prints them.

    12  BL301  unknown-parent
     3  BL101  unknown-key

Most frequent first, then by rule id; counts right-aligned, ids left-aligned.
"""

from __future__ import annotations

from collections import Counter


def statistics_lines(findings) -> list[str]:
    counts = Counter((finding.rule, finding.name) for finding in findings)
    if not counts:
        return []
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = len(str(ordered[0][1]))
    rule_width = max(len(rule) for rule, _ in counts)
    return [f"{count:>{count_width}}  {rule:<{rule_width}}  {name}" for (rule, name), count in ordered]


def write_statistics(findings, stream) -> None:
    """Write the per-rule counts of `findings` (the ones the run shows) to `stream`."""
    for line in statistics_lines(findings):
        stream.write(line + "\n")
