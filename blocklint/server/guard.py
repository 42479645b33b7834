"""What a request must be before any handler sees it: addressed to us, not from a foreign page,
authorised, of a content type the endpoint reads, and not larger than the limits.

The checks run in this order, each answered with a Press-shaped error (`{"detail", "message"}`):

1. **Host** (400): the `Host` header names loopback (`localhost`, `127.0.0.0/8`, `::1`) or a
   name in `Policy.allowed_hosts`. A page on `evil.example` whose name is re-pointed at 127.0.0.1
   (DNS rebinding) sends `Host: evil.example` and is refused.
2. **Origin** (403): a browser's `Origin` must be the server's own (`http://<Host>`) or in
   `Policy.allowed_origins`; `Origin: null` and `Sec-Fetch-Site: cross-site` without an allowed
   origin are refused. Programs (peak-sdk, `blocklint submit`, curl) send no `Origin`.
3. **Token** (401): with `Policy.token`, `Authorization` must equal it.
4. **Content type** (415): a body sent to a JSON endpoint must be `application/json` (or
   `application/*+json`); block spec creates and releases also take `multipart/form-data`, as
   peak-sdk sends them. `text/plain` and form posts, which a page can send without a preflight,
   never reach a handler.
5. **Size** (413): a `Content-Length` over the limit is refused before the body is read; a body
   without one is counted as it arrives and refused the moment it passes the limit
   (`BodyTooLarge`, raised inside the handler's read).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from dataclasses import dataclass, field

from blocklint.registry.errors import TooLarge

MIB = 2**20
DEFAULT_MAX_JSON_BYTES = 4 * MIB  # a large real spec is a few dozen KiB
DEFAULT_MAX_UPLOAD_BYTES = 16 * MIB  # a multipart spec: the 10 MiB artifact zip and its fields
LOOPBACK_NAMES = ("localhost",)
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# the two endpoints that read multipart bodies (peak-sdk's block spec create and release)
MULTIPART_PATH = re.compile(r"^(?:/press)?/v1/blocks/specs(?:/[^/]+/releases)?/?$")
JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


class BodyTooLarge(TooLarge):
    """The body grew past the limit while it was read."""


@dataclass(frozen=True)
class Policy:
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    _hosts: frozenset = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_hosts", frozenset(host_name(name) for name in self.allowed_hosts))

    def host_allowed(self, name: str) -> bool:
        return is_loopback(name) or name in self._hosts or "*" in self._hosts


def host_name(value: str) -> str:
    """The name in a `Host` header or an origin's authority, without port, brackets or final dot."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def is_loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _refusal(status: int, message: str, headers=()):
    body = json.dumps({"detail": message, "message": message}).encode()
    return {"type": "http.response.start", "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        *headers]}, {"type": "http.response.body", "body": body}


class Guard:
    """ASGI middleware applying `Policy` to every HTTP request."""

    def __init__(self, app, policy: Policy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        refusal, limit = self._check(scope, headers)
        if refusal is not None:
            start, body = _refusal(*refusal)
            await send(start)
            await send(body)
            return
        await self.app(scope, self._counted(receive, limit), send)

    def _check(self, scope, headers: dict):
        """(status, message) of the first check the request fails, or None; and its body limit."""
        policy = self.policy
        host = headers.get("host")
        if not host:
            return (400, "the request has no Host header"), 0
        if not policy.host_allowed(host_name(host)):
            return (400, f"Host {host_name(host)!r} is not served here; start `blocklint serve` with "
                         f"--allow-host {host_name(host)} to allow it"), 0
        origin = headers.get("origin")
        if origin is not None and origin not in policy.allowed_origins:
            own = {f"http://{host.lower()}", f"https://{host.lower()}"}
            if origin.lower() not in own:
                return (403, f"requests from the web page at {origin!r} are refused; start `blocklint serve` "
                             f"with --allow-origin {origin} to allow it"), 0
        elif origin is None and headers.get("sec-fetch-site") == "cross-site":
            return (403, "cross-site requests from web pages are refused"), 0
        if policy.token is not None:
            given = headers.get("authorization") or ""
            if not hmac.compare_digest(given.encode(), policy.token.encode()):
                return (401, "Unauthorized: missing or wrong Authorization header"), 0
        multipart_allowed = MULTIPART_PATH.match(scope["path"]) is not None
        limit = policy.max_upload_bytes if multipart_allowed else policy.max_json_bytes
        length = headers.get("content-length")
        has_body = "transfer-encoding" in headers or (length is not None and length.strip() != "0")
        if scope["method"] in BODY_METHODS and (has_body or "content-type" in headers):
            media_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
            accepted = JSON_TYPE.match(media_type) or (multipart_allowed and media_type == "multipart/form-data")
            if not accepted:
                wanted = "application/json or multipart/form-data" if multipart_allowed else "application/json"
                return (415, f"the body's Content-Type must be {wanted}, not {media_type or 'missing'!r}"), 0
        if length is not None:
            if not length.strip().isdigit():
                return (400, "the Content-Length header is not a number"), 0
            if int(length) > limit:
                return (413, f"the request body is {int(length) / MIB:.1f} MiB; the limit for this endpoint is "
                             f"{limit / MIB:.0f} MiB"), 0
        return None, limit

    @staticmethod
    def _counted(receive, limit: int):
        """`receive`, raising `BodyTooLarge` once the body passes `limit` bytes."""
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(f"the request body is larger than the limit for this endpoint, "
                                       f"{limit / MIB:.0f} MiB")
            return message
        return counted
