"""The calls across both families: a deployment's run parameters and execution, and the
listings of every spec, every deployment and a spec's releases' deployments."""

from __future__ import annotations

from fastapi import APIRouter, Request

from blocklint.server.bodies import json_body, page_args
from blocklint.server.routes.common import Registry, call, route

router = APIRouter()


@route(router, "/v1/deployments/{deployment_id}/parameters/run", ["GET"])
async def get_parameters(deployment_id: str, registry: Registry):
    return await call(registry.get_parameters, deployment_id)


@route(router, "/v1/deployments/{deployment_id}/parameters/run", ["PATCH"])
async def patch_parameters(deployment_id: str, request: Request, registry: Registry):
    return await call(registry.patch_parameters, deployment_id, await json_body(request))


@route(router, "/v2/deployments/{deployment_id}/parameters/run", ["PATCH"])
async def patch_parameters_v2(deployment_id: str, request: Request, registry: Registry):
    return await call(registry.patch_parameters, deployment_id, await json_body(request), v2=True)


@route(router, "/v1/deployments/{deployment_id}/execute", ["POST"])
async def execute(deployment_id: str, registry: Registry):
    return await call(registry.execute_resources, deployment_id)


@route(router, "/v1/specs/", ["GET"])
async def list_all_specs(request: Request, registry: Registry):
    args = page_args(request, "status", "featured", "kind", "term", "sort", "scope")
    return await call(registry.list_specs, None, **args)


@route(router, "/v1/deployments/", ["GET"])
async def list_all_deployments(request: Request, registry: Registry):
    args = page_args(request, "status", "kind", "term", "sort")
    return await call(registry.list_deployments, None, **args)


@route(router, "/v1/specs/{spec_id}/releases/deployments", ["GET"])
async def list_release_deployments(spec_id: str, request: Request, registry: Registry):
    args = page_args(request, "status", "name", "title", "sort", "version")
    return await call(registry.list_release_deployments, spec_id, **args)
