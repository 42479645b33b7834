"""A Press API client on httpx, sending what peak-sdk 1.29 sends.

- Block specs and releases go as multipart: text fields JSON-encoded (`featured` and
  `autoRunOnDeploy` as `"null"` when unset, `scope` plain and omitted when unset, `tenants` and
  `parameters` only when given), the zip as `artifact` / `artifact.zip` / `application/zip`.
  App specs go as JSON with JSON-string fields; app releases as `{**body, "parameters": ...}`.
- `Authorization: <token>`, raw, as peak-sdk sends it. The token lives in the client's headers
  only: it is never part of a message, a repr or an error.
- Errors: 400/401/403/404/409/413/422/5xx become `PressError`s carrying the server's message
  (and findings, from a blocklint registry).
- Retries with exponential backoff on 429, 5xx and connection errors. A create is never sent
  twice: before re-sending one, the client looks the name (version, revision) up, and if the
  first attempt did land, returns what it created. Requests that are neither idempotent nor
  creates (redeploy) are re-sent only when they certainly did not arrive (429, connect errors).
"""

from __future__ import annotations

import json
import random
import time

import httpx

from blocklint import __version__

STATUS_TEXT = {
    400: "bad request", 401: "unauthorized (check the token)", 403: "forbidden (the token may not do this)",
    404: "not found", 409: "conflict", 413: "payload too large", 422: "unprocessable entity",
    429: "too many requests",
}


class PressError(Exception):
    """A request the Press API refused or that could not be made; `status` is None for the latter."""

    def __init__(self, status: int | None, message: str, findings=()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.findings = list(findings)


def stage_base_url(stage: str) -> str:
    """Press's base URL for a Peak stage, as peak-sdk's `get_base_domain(stage, "press")`."""
    stage = "" if stage == "prod" else "dev" if stage == "latest" else stage
    return f"https://press.{stage}.peak.ai".replace("..", ".")


def _server_message(response: httpx.Response) -> tuple[str, list]:
    try:
        payload = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase, []
    if isinstance(payload, dict):
        findings = payload.get("findings") if isinstance(payload.get("findings"), list) else []
        for key in ("detail", "message", "error", "errors"):
            if payload.get(key):
                value = payload[key]
                return (value if isinstance(value, str) else json.dumps(value)), findings
        return json.dumps(payload)[:500], findings
    return json.dumps(payload)[:500], []


class PressClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 60.0, retries: int = 4,
                 backoff: float = 0.5, max_backoff: float = 10.0, sleep=time.sleep, transport=None):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._secret = token or None
        headers = {"User-Agent": f"blocklint/{__version__}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = token
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport,
                                  follow_redirects=False)

    def __repr__(self) -> str:
        return f"PressClient({self.base_url!r}, token={'***' if self._secret else None})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- transport ------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and response.status_code == 429:
            retry_after = response.headers.get("retry-after", "")
            if retry_after.replace(".", "", 1).isdigit():
                return min(float(retry_after), self.max_backoff)
        return min(self.backoff * 2 ** attempt, self.max_backoff) * (0.5 + random.random() / 2)

    def request(self, method: str, path: str, *, params=None, json_body=None, files=None,
                idempotent: bool | None = None, lookup=None, expect=()):
        """Send one request with retries; the parsed JSON answer (`{}` for an empty body).

        `lookup` (for creates) returns what the create made, or None; it runs before any re-send.
        `expect` names keys the answer must have: an answer without them is an error that says so,
        not a KeyError further on.
        """
        if idempotent is None:
            idempotent = method in ("GET", "PUT", "PATCH", "DELETE")
        params = {key: value for key, value in (params or {}).items() if value is not None}
        attempt = 0
        while True:
            response = None
            try:
                response = self._http.request(method, path, params=params, json=json_body, files=files)
            except httpx.TransportError as error:
                never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
                failure = PressError(None, self._scrub(
                    f"cannot reach {self.base_url} ({type(error).__name__}: {error or 'no detail'})"))
                retryable = never_sent or idempotent or lookup is not None
            else:
                if response.status_code < 300:
                    return self._answer(method, path, response, expect)
                if response.status_code == 404 and method == "DELETE" and attempt > 0:
                    return {}  # an earlier attempt deleted it
                message, findings = _server_message(response)
                status = response.status_code
                label = STATUS_TEXT.get(status, "server error" if status >= 500 else "error")
                failure = PressError(status, self._scrub(f"{method} {path}: {status} {label}: {message}"), findings)
                retryable = status == 429 or (status >= 500 and (idempotent or lookup is not None))
            if not retryable or attempt >= self.retries:
                raise failure
            self._sleep(self._delay(attempt, response))
            attempt += 1
            if lookup is not None:
                found = lookup()
                if found is not None:
                    return found

    def _answer(self, method: str, path: str, response: httpx.Response, expect) -> dict:
        """The JSON object of a 2xx answer; one that is not Press-shaped is a failure of the
        target (status None), not a refusal of the document."""
        status = response.status_code
        if not response.content.strip():
            answer = {}
        else:
            try:
                answer = response.json()
            except ValueError:
                snippet = response.text[:80].replace("\n", " ")
                raise PressError(None, self._scrub(
                    f"{method} {path}: {status}, but the answer is not JSON ({snippet!r}); is this a Press API?"))
        if not isinstance(answer, dict):
            raise PressError(None, f"{method} {path}: {status}, but the answer is {type(answer).__name__}, "
                                     "not a JSON object; is this a Press API?")
        missing = [key for key in expect if key not in answer]
        if missing:
            raise PressError(None, f"{method} {path}: {status}, but the answer has no "
                                     f"{', '.join(repr(key) for key in missing)}; is this a Press API?")
        return answer

    def _pages(self, path: str, key: str, params=None, fallback_key: str | None = None):
        number, count = 1, 1
        while number <= count:
            page = self.request("GET", path, params={**(params or {}), "pageNumber": number}, expect=("pageCount",))
            items = page.get(key) or (page.get(fallback_key) if fallback_key else None) or []
            if isinstance(page["pageCount"], bool) or not isinstance(page["pageCount"], int) \
                    or not isinstance(items, list):
                raise PressError(None, f"GET {path}: the answer is not a page of {key} (pageCount "
                                      f"{page['pageCount']!r}); is this a Press API?")
            count = page["pageCount"]
            yield from (item for item in items if isinstance(item, dict))
            number += 1

    # --- specs ----------------------------------------------------------------------------

    def list_specs(self, family: str, **filters):
        return list(self._pages(f"/v1/{family}/specs/", "specs", _filters(filters)))

    def find_spec(self, family: str, name: str) -> dict | None:
        for spec in self._pages(f"/v1/{family}/specs/", "specs", {"name": name}):
            if (spec.get("metadata") or {}).get("name") == name:
                return self.describe_spec(family, spec["id"])
        return None

    def describe_spec(self, family: str, spec_id: str) -> dict:
        return self.request("GET", f"/v1/{family}/specs/{spec_id}")

    def create_spec(self, family: str, body: dict, *, featured=None, scope=None, tenants=None, parameters=None,
                    auto_run=None, artifact: bytes | None = None, validate_only: bool = False) -> dict:
        params = {"validate": "true"} if validate_only else None
        name = (body.get("metadata") or {}).get("name")

        def lookup():
            found = self.find_spec(family, name) if name and not validate_only else None
            return {"id": found["id"]} if found else None

        if family == "apps":
            fields = {"spec": json.dumps(body), "featured": json.dumps(featured), "scope": scope,
                      "parameters": json.dumps(parameters)}
            if tenants:
                fields["tenants"] = json.dumps(tenants)
            return self.request("POST", f"/v1/{family}/specs/", params=params, json_body=fields, lookup=lookup,
                                expect=() if validate_only else ("id",))
        fields = {"spec": json.dumps(body), "featured": json.dumps(featured), "scope": scope,
                  "autoRunOnDeploy": json.dumps(auto_run)}
        if tenants:
            fields["tenants"] = json.dumps(tenants)
        if parameters:
            fields["parameters"] = json.dumps(parameters)
        return self.request("POST", f"/v1/{family}/specs/", params=params,
                            files=_multipart(fields, artifact), lookup=lookup, expect=() if validate_only else ("id",))

    def update_spec_metadata(self, family: str, spec_id: str, body: dict) -> dict:
        return self.request("PATCH", f"/v1/{family}/specs/{spec_id}", json_body=body)

    def delete_spec(self, family: str, spec_id: str) -> dict:
        return self.request("DELETE", f"/v1/{family}/specs/{spec_id}", json_body={})

    # --- releases -------------------------------------------------------------------------

    def create_release(self, family: str, spec_id: str, body: dict, *, parameters=None, auto_run=None,
                       artifact: bytes | None = None, validate_only: bool = False) -> dict:
        params = {"validate": "true"} if validate_only else None
        version = str((body.get("release") or {}).get("version"))

        def lookup():
            if validate_only or self.find_release(family, spec_id, version) is None:
                return None
            return {"id": spec_id, "release": {"version": version}}

        path = f"/v1/{family}/specs/{spec_id}/releases"
        if family == "apps":
            return self.request("POST", path, params=params, json_body={**body, "parameters": parameters},
                                lookup=lookup)
        fields = {"spec": json.dumps(body), "autoRunOnDeploy": json.dumps(auto_run)}
        if parameters:
            fields["parameters"] = json.dumps(parameters)
        return self.request("POST", path, params=params, files=_multipart(fields, artifact), lookup=lookup)

    def describe_release(self, family: str, spec_id: str, version: str) -> dict:
        return self.request("GET", f"/v1/{family}/specs/{spec_id}/releases/{version}")

    def find_release(self, family: str, spec_id: str, version: str) -> dict | None:
        try:
            return self.describe_release(family, spec_id, version)
        except PressError as error:
            if error.status == 404:
                return None
            raise

    def list_releases(self, family: str, spec_id: str):
        return list(self._pages(f"/v1/{family}/specs/{spec_id}/releases", "releases"))

    # --- deployments ----------------------------------------------------------------------

    def find_deployment(self, family: str, name: str) -> dict | None:
        for deployment in self._pages(f"/v1/{family}/deployments/", "deployments", {"name": name}):
            if (deployment.get("metadata") or {}).get("name") == name and not deployment.get("parent"):
                return self.describe_deployment(family, deployment["id"])
        return None

    def create_deployment(self, family: str, body: dict) -> dict:
        name = (body.get("metadata") or {}).get("name")

        def lookup():
            found = self.find_deployment(family, name) if name else None
            return {"id": found["id"]} if found else None

        return self.request("POST", f"/v1/{family}/deployments/", json_body=body, lookup=lookup, expect=("id",))

    def describe_deployment(self, family: str, deployment_id: str) -> dict:
        return self.request("GET", f"/v1/{family}/deployments/{deployment_id}")

    def update_deployment_metadata(self, family: str, deployment_id: str, body: dict) -> dict:
        return self.request("PATCH", f"/v1/{family}/deployments/{deployment_id}", json_body=body)

    def delete_deployment(self, family: str, deployment_id: str) -> dict:
        return self.request("DELETE", f"/v1/{family}/deployments/{deployment_id}", json_body={})

    def redeploy(self, family: str, deployment_id: str) -> dict:
        return self.request("POST", f"/v1/{family}/deployments/{deployment_id}/redeploy", json_body={},
                            idempotent=False)

    def create_revision(self, family: str, deployment_id: str, body: dict) -> dict:
        before = (self.describe_deployment(family, deployment_id).get("latestRevision") or {}).get("revision") or 0

        def lookup():
            latest = self.describe_deployment(family, deployment_id).get("latestRevision") or {}
            if (latest.get("revision") or 0) > before:
                return {"id": latest.get("id"), "revision": latest.get("revision")}
            return None

        return self.request("POST", f"/v1/{family}/deployments/{deployment_id}/revisions", json_body=body,
                            lookup=lookup)

    def list_revisions(self, family: str, deployment_id: str):
        return list(self._pages(f"/v1/{family}/deployments/{deployment_id}/revisions", "deployments",
                                fallback_key="revisions"))

    def describe_revision(self, family: str, deployment_id: str, revision) -> dict:
        return self.request("GET", f"/v1/{family}/deployments/{deployment_id}/revisions/{revision}")

    # --- run parameters -------------------------------------------------------------------

    def get_parameters(self, deployment_id: str) -> dict:
        return self.request("GET", f"/v1/deployments/{deployment_id}/parameters/run")

    def patch_parameters(self, deployment_id: str, body: dict, *, v2: bool = False) -> dict:
        version = "v2" if v2 else "v1"
        return self.request("PATCH", f"/{version}/deployments/{deployment_id}/parameters/run", json_body=body)


def _filters(filters: dict) -> dict:
    return {key: value for key, value in filters.items() if value is not None}


def _multipart(fields: dict, artifact: bytes | None) -> list:
    """peak-sdk's part order: the artifact first, then the text fields; None fields dropped."""
    parts = []
    if artifact is not None:
        parts.append(("artifact", ("artifact.zip", artifact, "application/zip")))
    parts += [(key, (None, value)) for key, value in fields.items() if value is not None]
    return parts
