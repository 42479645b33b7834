"""The HTTP client for the Press API (`blocklint.client.http`, on httpx; imported lazily)."""

from __future__ import annotations


def __getattr__(name):
    if name in ("PressClient", "PressError", "stage_base_url"):
        from blocklint.client import http

        return getattr(http, name)
    raise AttributeError(name)
