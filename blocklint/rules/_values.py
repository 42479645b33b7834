"""Shared by the BL6xx rule modules: numbers and URLs as the platform reads them.

Not a rule module: the leading underscore keeps the engine from scanning it.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def http_url_problem(url: str) -> str | None:
    """Why `url` is not an absolute http(s) URL, or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an absolute http(s) URL" if parts.scheme else "is not an absolute http(s) URL (no scheme)"
    if not parts.netloc or parts.netloc.startswith("@"):
        return "has no host"
    if any(char.isspace() for char in url.strip()):
        return "contains spaces"
    return None
