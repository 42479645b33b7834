"""The Press API over HTTP, as peak-sdk 1.29 calls it, served from the registry.

Routes are mounted at `/v1/...` (for `blocklint submit --target http://HOST:PORT`) and at
`/press/v1/...` (for peak-sdk with `get_base_domain` pointed at `http://HOST:PORT/{subdomain}`),
plus the two service calls a peak-sdk `Session` makes by itself: tenant metadata and telemetry.

Bodies are read the way peak-sdk writes them: block specs and releases are multipart (each text
field JSON-encoded, `"null"` meaning absent, the zip in the `artifact` part); app specs are
JSON whose fields are JSON strings; app releases are plain JSON with `parameters` beside the
body. Errors are `{"detail": message, "message": message, "findings": [...]}` with the status
the registry chose; 413 always carries `detail`, which peak-sdk requires.

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
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from blocklint.registry.errors import Invalid, NotFound, RegistryError
from blocklint.registry.values import parse_json
from blocklint.server.guard import Guard, Policy

log = logging.getLogger("blocklint.server")
FAMILIES = ("blocks", "apps")
MAX_FIELD_BYTES = 2**20  # one form field (the spec, its parameters): far above any real spec
MAX_FORM_FIELDS = 32
MAX_FORM_FILES = 2


def _error(status: int, message: str, findings=()) -> JSONResponse:
    content = {"detail": message, "message": message}
    if findings:
        content["findings"] = list(findings)
    return JSONResponse(content, status_code=status)


def _family(value: str) -> str:
    if value not in FAMILIES:
        raise NotFound(f"no such resource: v1/{value}")
    return value


def _decoded(value, what: str):
    """A JSON-encoded form or body field ("null" and a missing field are None)."""
    if value is None or not isinstance(value, str):
        return value
    return parse_json(value, f"field {what!r}")


def _text(value):
    """A plain-text form field; peak-sdk writes an absent one as "null"."""
    return None if value in (None, "", "null") else value


def _page_args(request: Request, *names: str, lists=("status", "scope", "sort", "kind")) -> dict:
    query = request.query_params
    args = {"page_size": query.get("pageSize"), "page_number": query.get("pageNumber")}
    for name in names:
        if name in lists:
            values = query.getlist(name) or query.getlist(f"{name}[]")
            args[name] = values or None
        else:
            args[name] = query.get(name)
    return args


async def _json_body(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise Invalid("the request body must be a JSON object")
    return value


async def _spec_fields(request: Request) -> tuple[dict, bytes | None]:
    """The fields of a block spec create or release, multipart as peak-sdk sends it (or JSON)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/"):
        return await _json_body(request), None
    try:
        form = await request.form(max_part_size=MAX_FIELD_BYTES, max_fields=MAX_FORM_FIELDS,
                                  max_files=MAX_FORM_FILES)
    except (KeyError, ValueError, AssertionError, UnicodeDecodeError, LookupError) as error:
        # python-multipart's own errors are 400s already; these are a missing boundary and the like
        raise Invalid(f"the multipart body is malformed ({type(error).__name__})") from None
    try:
        fields, artifact = {}, None
        for key, value in form.multi_items():
            if hasattr(value, "read"):
                if key == "artifact":
                    artifact = await value.read()  # at most the upload limit; the registry caps it at 10 MiB
                continue
            fields[key] = value
    finally:
        await form.close()  # the spooled upload's temporary file goes now, whatever happens next
    return fields, artifact


def create_app(registry, *, token: str | None = None, policy: Policy | None = None) -> FastAPI:
    """The Press API over `registry`; `policy` sets hosts, origins, token and body limits
    (`token` alone is the policy with that token and the defaults)."""
    policy = policy or Policy(token=token)
    app = FastAPI(title="blocklint Press registry", docs_url=None, redoc_url=None, openapi_url=None,
                  redirect_slashes=False)
    app.add_middleware(Guard, policy=policy)

    @app.exception_handler(RegistryError)
    async def registry_error(request: Request, error: RegistryError):
        return _error(error.status, error.message, error.findings)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, error: RequestValidationError):
        return _error(400, "the request is malformed")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(500, f"internal error: {type(error).__name__}")

    def call(function, *args, **kwargs):
        return run_in_threadpool(function, *args, **kwargs)

    press = APIRouter()

    def route(path: str, methods: list[str]):
        """Register a handler at `path`, and at `path` without its trailing slash."""
        def decorate(handler):
            press.add_api_route(path, handler, methods=methods)
            if path.endswith("/"):
                press.add_api_route(path.rstrip("/"), handler, methods=methods, include_in_schema=False)
            return handler
        return decorate

    # --- specs ---------------------------------------------------------------------------

    @route("/v1/{family}/specs/", ["GET"])
    async def list_specs(family: str, request: Request):
        args = _page_args(request, "status", "featured", "name", "title", "sort", "scope")
        return await call(registry.list_specs, _family(family), **args)

    @route("/v1/{family}/specs/", ["POST"])
    async def create_spec(family: str, request: Request):
        family = _family(family)
        validate_only = request.query_params.get("validate", "").lower() == "true"
        if family == "blocks":
            fields, artifact = await _spec_fields(request)
        else:
            fields, artifact = await _json_body(request), None
        spec = _decoded(fields.get("spec"), "spec")
        return await call(registry.create_spec, family, spec,
                          featured=_decoded(fields.get("featured"), "featured"),
                          scope=_text(fields.get("scope")),
                          tenants=_decoded(fields.get("tenants"), "tenants"),
                          parameters=_decoded(fields.get("parameters"), "parameters"),
                          auto_run=_decoded(fields.get("autoRunOnDeploy"), "autoRunOnDeploy"),
                          artifact=artifact, validate_only=validate_only)

    @route("/v1/{family}/specs/{spec_id}", ["GET"])
    async def describe_spec(family: str, spec_id: str):
        return await call(registry.describe_spec, _family(family), spec_id)

    @route("/v1/{family}/specs/{spec_id}", ["PATCH"])
    async def update_spec(family: str, spec_id: str, request: Request):
        return await call(registry.update_spec_metadata, _family(family), spec_id, await _json_body(request))

    @route("/v1/{family}/specs/{spec_id}", ["DELETE"])
    async def delete_spec(family: str, spec_id: str):
        return await call(registry.delete_spec, _family(family), spec_id)

    @route("/v1/{family}/specs/{spec_id}/releases", ["POST"])
    async def create_release(family: str, spec_id: str, request: Request):
        family = _family(family)
        validate_only = request.query_params.get("validate", "").lower() == "true"
        if family == "blocks":
            fields, artifact = await _spec_fields(request)
            body = _decoded(fields.get("spec"), "spec")
            auto_run = _decoded(fields.get("autoRunOnDeploy"), "autoRunOnDeploy")
        else:
            fields, artifact = await _json_body(request), None
            body = {key: value for key, value in fields.items() if key != "parameters"}
            auto_run = None
        return await call(registry.create_release, family, spec_id, body,
                          parameters=_decoded(fields.get("parameters"), "parameters"), auto_run=auto_run,
                          artifact=artifact, validate_only=validate_only)

    @route("/v1/{family}/specs/{spec_id}/releases", ["GET"])
    async def list_releases(family: str, spec_id: str, request: Request):
        args = _page_args(request, "sort")
        return await call(registry.list_releases, _family(family), spec_id, **args)

    @route("/v1/{family}/specs/{spec_id}/releases/{version}", ["GET"])
    async def describe_release(family: str, spec_id: str, version: str):
        return await call(registry.describe_release, _family(family), spec_id, version)

    # --- deployments ---------------------------------------------------------------------

    @route("/v1/{family}/deployments/", ["GET"])
    async def list_deployments(family: str, request: Request):
        args = _page_args(request, "status", "name", "title", "sort")
        return await call(registry.list_deployments, _family(family), **args)

    @route("/v1/{family}/deployments/", ["POST"])
    async def create_deployment(family: str, request: Request):
        return await call(registry.create_deployment, _family(family), await _json_body(request))

    @route("/v1/{family}/deployments/{deployment_id}", ["GET"])
    async def describe_deployment(family: str, deployment_id: str):
        return await call(registry.describe_deployment, _family(family), deployment_id)

    @route("/v1/{family}/deployments/{deployment_id}", ["PATCH"])
    async def update_deployment(family: str, deployment_id: str, request: Request):
        return await call(registry.update_deployment_metadata, _family(family), deployment_id,
                          await _json_body(request))

    @route("/v1/{family}/deployments/{deployment_id}", ["DELETE"])
    async def delete_deployment(family: str, deployment_id: str):
        return await call(registry.delete_deployment, _family(family), deployment_id)

    @route("/v1/{family}/deployments/{deployment_id}/redeploy", ["POST"])
    async def redeploy(family: str, deployment_id: str):
        return await call(registry.redeploy, _family(family), deployment_id)

    @route("/v1/{family}/deployments/{deployment_id}/revisions", ["POST"])
    async def create_revision(family: str, deployment_id: str, request: Request):
        return await call(registry.create_revision, _family(family), deployment_id, await _json_body(request))

    @route("/v1/{family}/deployments/{deployment_id}/revisions", ["GET"])
    async def list_revisions(family: str, deployment_id: str, request: Request):
        args = _page_args(request, "sort", "status")
        return await call(registry.list_revisions, _family(family), deployment_id, **args)

    @route("/v1/{family}/deployments/{deployment_id}/revisions/{revision}", ["GET"])
    async def describe_revision(family: str, deployment_id: str, revision: str):
        return await call(registry.describe_revision, _family(family), deployment_id, revision)

    # --- cross-kind ----------------------------------------------------------------------

    @route("/v1/deployments/{deployment_id}/parameters/run", ["GET"])
    async def get_parameters(deployment_id: str):
        return await call(registry.get_parameters, deployment_id)

    @route("/v1/deployments/{deployment_id}/parameters/run", ["PATCH"])
    async def patch_parameters(deployment_id: str, request: Request):
        return await call(registry.patch_parameters, deployment_id, await _json_body(request))

    @route("/v2/deployments/{deployment_id}/parameters/run", ["PATCH"])
    async def patch_parameters_v2(deployment_id: str, request: Request):
        return await call(registry.patch_parameters, deployment_id, await _json_body(request), v2=True)

    @route("/v1/deployments/{deployment_id}/execute", ["POST"])
    async def execute(deployment_id: str):
        return await call(registry.execute_resources, deployment_id)

    @route("/v1/specs/", ["GET"])
    async def list_all_specs(request: Request):
        args = _page_args(request, "status", "featured", "kind", "term", "sort", "scope")
        return await call(registry.list_specs, None, **args)

    @route("/v1/deployments/", ["GET"])
    async def list_all_deployments(request: Request):
        args = _page_args(request, "status", "kind", "term", "sort")
        return await call(registry.list_deployments, None, **args)

    @route("/v1/specs/{spec_id}/releases/deployments", ["GET"])
    async def list_release_deployments(spec_id: str, request: Request):
        args = _page_args(request, "status", "name", "title", "sort", "version")
        return await call(registry.list_release_deployments, spec_id, **args)

    app.include_router(press)
    app.include_router(press, prefix="/press")

    # --- what a peak-sdk Session calls by itself -----------------------------------------

    async def tenant_metadata():
        return {}

    async def telemetry(request: Request):
        await request.body()
        return {}

    for prefix in ("", "/service"):
        app.add_api_route(f"{prefix}/tenant-management/api/v1/external/tenants/tenant-metadata", tenant_metadata,
                          methods=["GET"])
        app.add_api_route(f"{prefix}/resource-usage/api/v1/telemetry", telemetry, methods=["POST"])

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown(rest: str, request: Request):
        return _error(404, f"no such endpoint: {request.method} /{rest}")

    return app
