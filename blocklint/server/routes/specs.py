"""`/v1/{blocks,apps}/specs/...`: specs and their releases."""

from __future__ import annotations

from fastapi import APIRouter, Request

from blocklint.server.bodies import decoded, family_of, json_body, page_args, spec_fields, text_field, validate_only
from blocklint.server.routes.common import Registry, call, route

router = APIRouter()


async def _fields(family: str, request: Request) -> tuple[dict, bytes | None]:
    """A spec or release body's fields and artifact: multipart for blocks, JSON for apps."""
    if family == "blocks":
        return await spec_fields(request)
    return await json_body(request), None


@route(router, "/v1/{family}/specs/", ["GET"])
async def list_specs(family: str, request: Request, registry: Registry):
    args = page_args(request, "status", "featured", "name", "title", "sort", "scope")
    return await call(registry.list_specs, family_of(family), **args)


@route(router, "/v1/{family}/specs/", ["POST"])
async def create_spec(family: str, request: Request, registry: Registry):
    family = family_of(family)
    fields, artifact = await _fields(family, request)
    spec = decoded(fields.get("spec"), "spec")
    return await call(registry.create_spec, family, spec,
                      featured=decoded(fields.get("featured"), "featured"),
                      scope=text_field(fields.get("scope")),
                      tenants=decoded(fields.get("tenants"), "tenants"),
                      parameters=decoded(fields.get("parameters"), "parameters"),
                      auto_run=decoded(fields.get("autoRunOnDeploy"), "autoRunOnDeploy"),
                      artifact=artifact, validate_only=validate_only(request))


@route(router, "/v1/{family}/specs/{spec_id}", ["GET"])
async def describe_spec(family: str, spec_id: str, registry: Registry):
    return await call(registry.describe_spec, family_of(family), spec_id)


@route(router, "/v1/{family}/specs/{spec_id}", ["PATCH"])
async def update_spec(family: str, spec_id: str, request: Request, registry: Registry):
    return await call(registry.update_spec_metadata, family_of(family), spec_id, await json_body(request))


@route(router, "/v1/{family}/specs/{spec_id}", ["DELETE"])
async def delete_spec(family: str, spec_id: str, registry: Registry):
    return await call(registry.delete_spec, family_of(family), spec_id)


@route(router, "/v1/{family}/specs/{spec_id}/releases", ["POST"])
async def create_release(family: str, spec_id: str, request: Request, registry: Registry):
    family = family_of(family)
    fields, artifact = await _fields(family, request)
    if family == "blocks":
        body = decoded(fields.get("spec"), "spec")
        auto_run = decoded(fields.get("autoRunOnDeploy"), "autoRunOnDeploy")
    else:
        body = {key: value for key, value in fields.items() if key != "parameters"}
        auto_run = None
    return await call(registry.create_release, family, spec_id, body,
                      parameters=decoded(fields.get("parameters"), "parameters"), auto_run=auto_run,
                      artifact=artifact, validate_only=validate_only(request))


@route(router, "/v1/{family}/specs/{spec_id}/releases", ["GET"])
async def list_releases(family: str, spec_id: str, request: Request, registry: Registry):
    args = page_args(request, "sort")
    return await call(registry.list_releases, family_of(family), spec_id, **args)


@route(router, "/v1/{family}/specs/{spec_id}/releases/{version}", ["GET"])
async def describe_release(family: str, spec_id: str, version: str, registry: Registry):
    return await call(registry.describe_release, family_of(family), spec_id, version)
