"""Glob patterns of the configuration (`exclude`, `per-file-ignores`, `kinds`), compiled once.

`fnmatch.fnmatch` keeps compiled patterns in a cache of 32,768: a configuration with more globs
recompiled every one of them for every file (100,000 `per-file-ignores` globs: ~30 s a file).
Here the globs of a list become one regular expression when the configuration is read, and a
name is matched against all of them at once. The configuration bounds how many there are.
"""

from __future__ import annotations

import fnmatch
import os
import re


class Globs:
    """fnmatch patterns, matched as `fnmatch.fnmatch` matches them, compiled once."""

    __slots__ = ("patterns", "_match")

    def __init__(self, patterns=()):
        self.patterns = tuple(patterns)
        # each pattern a named group, in order: the alternation tries them left to right, so the
        # group that matched is the first pattern that matches the whole name
        joined = "|".join(f"(?P<p{index}>{fnmatch.translate(os.path.normcase(pattern))})"
                          for index, pattern in enumerate(self.patterns))
        self._match = re.compile(joined).match if self.patterns else None

    def __iter__(self):
        return iter(self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)

    def __eq__(self, other) -> bool:
        return isinstance(other, Globs) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.patterns)

    def __repr__(self) -> str:
        return f"Globs({list(self.patterns)!r})"

    def __reduce__(self):  # compiled again where it is unpickled (a worker process)
        return Globs, (self.patterns,)

    def first(self, *names: str) -> int | None:
        """The index of the first pattern that matches one of `names`, or None."""
        if self._match is None:
            return None
        found = [int(match.lastgroup[1:]) for name in names if (match := self._match(os.path.normcase(name)))]
        return min(found, default=None)

    def matches(self, *names: str) -> bool:
        """Whether a pattern matches one of `names`."""
        return self.first(*names) is not None
