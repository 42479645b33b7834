"""What a submit did, file by file, and the lines it ends with: the ids created, then one line
counting what was created, updated, up to date, skipped, failed and not attempted. Built here,
written by the command (as pytest builds its summary line apart from printing it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

STATUSES = ("created", "updated", "up to date", "skipped", "failed", "not attempted")
DRY_RUN_WORDS = {"created": "to create", "updated": "to update"}  # a dry run did neither


@dataclass
class Summary:
    total: int
    dry_run: bool = False
    counts: Counter = field(default_factory=Counter)
    created: list = field(default_factory=list)  # (what, name, id)

    def add(self, status: str, count: int = 1):
        if status not in STATUSES:
            raise ValueError(f"unknown outcome {status!r}")
        self.counts[status] += count

    def record_created(self, what: str, name: str, new_id):
        self.created.append((what, name, new_id))

    def stopped(self, not_attempted: int):
        """The run stopped at a failure; `not_attempted` files after it were never tried."""
        self.add("failed")
        if not_attempted:
            self.add("not attempted", not_attempted)

    def count_line(self) -> str:
        words = DRY_RUN_WORDS if self.dry_run else {}
        parts = [f"{self.counts[status]} {words.get(status, status)}" for status in STATUSES if self.counts[status]]
        files = f"{self.total} file{'s' if self.total != 1 else ''}"
        tail = " (stopped at the failure)" if self.counts["not attempted"] else ""
        return f"{'dry run: ' if self.dry_run else ''}{files}: {', '.join(parts) or 'nothing to submit'}{tail}"

    def lines(self) -> list[str]:
        """The created ids (none in a dry run), then the count line, last."""
        lines = []
        if self.created and not self.dry_run:
            lines.append("created:")
            lines += [f"  {what} {name}: {new_id}" for what, name, new_id in self.created]
        lines.append(self.count_line())
        return lines
