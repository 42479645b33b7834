"""Whether to colour the output, by the conventions terminals and CI systems agree on.

In order, the first that applies decides:

1. the `color` choice (`--color`): `always` or `never`;
2. `NO_COLOR` set to anything non-empty: no colour (https://no-color.org);
3. `FORCE_COLOR` set to anything non-empty (https://force-color.org), or `CLICOLOR_FORCE` set
   and not `0` (https://bixense.com/clicolors): colour, even into a pipe or a CI log;
4. `CLICOLOR=0` or `TERM=dumb`: no colour;
5. colour when the stream is a terminal.

`NO_COLOR` beats `FORCE_COLOR` when both are set: the first is a person's standing choice, the
second is usually set by a CI template.
"""

from __future__ import annotations

import os

CHOICES = ("auto", "always", "never")


def use_color(stream, choice: str | None = "auto", environ=os.environ) -> bool:
    """Whether output written to `stream` should carry ANSI colours."""
    choice = choice or "auto"
    if choice not in CHOICES:
        raise ValueError(f"color must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR") or environ.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    if environ.get("CLICOLOR") == "0" or environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False
