"""The Press API over HTTP, as peak-sdk 1.29 calls it, served from the registry.

Routes are mounted at `/v1/...` (for `blocklint submit --target http://HOST:PORT`) and at
`/press/v1/...` (for peak-sdk with `get_base_domain` pointed at `http://HOST:PORT/{subdomain}`),
plus the two service calls a peak-sdk `Session` makes by itself: tenant metadata and telemetry.

Bodies are read the way peak-sdk writes them (`bodies`); the routes are one router per resource
(`routes/`), each reaching the registry through `app.state.registry`. Errors are
`{"detail": message, "message": message, "findings": [...]}` with the status the registry chose;
413 always carries `detail`, which peak-sdk requires.

Hostile requests: `guard.Guard` checks host, origin, token, content type and size before any
handler runs; bodies are parsed by `registry.values.parse_json` (finite numbers, 64-bit
integers, bounded nesting); every error a request can cause is a 4xx with a Press-shaped body,
so the connection stays open for the next request. A 5xx means a bug, and is logged.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from blocklint.registry.errors import RegistryError
from blocklint.server.guard import Guard, Policy
from blocklint.server.routes import across, deployments, specs, tenant

log = logging.getLogger("blocklint.server")


def _error(status: int, message: str, findings=()) -> JSONResponse:
    content = {"detail": message, "message": message}
    if findings:
        content["findings"] = list(findings)
    return JSONResponse(content, status_code=status)


async def _registry_error(request: Request, error: RegistryError):
    return _error(error.status, error.message, error.findings)


async def _http_error(request: Request, error: HTTPException):
    return _error(error.status_code, str(error.detail))


async def _request_error(request: Request, error: RequestValidationError):
    return _error(400, "the request is malformed")


async def _unexpected(request: Request, error: Exception):
    log.exception("internal error on %s %s", request.method, request.url.path)
    return _error(500, f"internal error: {type(error).__name__}")


async def _unknown(rest: str, request: Request):
    return _error(404, f"no such endpoint: {request.method} /{rest}")


def create_app(registry, *, token: str | None = None, policy: Policy | None = None) -> FastAPI:
    """The Press API over `registry`; `policy` sets hosts, origins, token and body limits
    (`token` alone is the policy with that token and the defaults)."""
    app = FastAPI(title="blocklint Press registry", docs_url=None, redoc_url=None, openapi_url=None,
                  redirect_slashes=False)
    app.state.registry = registry
    app.add_middleware(Guard, policy=policy or Policy(token=token))
    for error, handler in ((RegistryError, _registry_error), (HTTPException, _http_error),
                           (RequestValidationError, _request_error), (Exception, _unexpected)):
        app.add_exception_handler(error, handler)
    press = APIRouter()
    for resource in (specs, deployments, across):
        press.include_router(resource.router)
    app.include_router(press)  # for `blocklint submit --target`
    app.include_router(press, prefix="/press")  # for peak-sdk's base domain
    app.include_router(tenant.router)
    app.add_api_route("/{rest:path}", _unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                      include_in_schema=False)
    return app
