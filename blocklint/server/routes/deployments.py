"""`/v1/{blocks,apps}/deployments/...`: deployments and their revisions."""

from __future__ import annotations

from fastapi import APIRouter, Request

from blocklint.server.bodies import family_of, json_body, page_args
from blocklint.server.routes.common import Registry, call, route

router = APIRouter()


@route(router, "/v1/{family}/deployments/", ["GET"])
async def list_deployments(family: str, request: Request, registry: Registry):
    args = page_args(request, "status", "name", "title", "sort")
    return await call(registry.list_deployments, family_of(family), **args)


@route(router, "/v1/{family}/deployments/", ["POST"])
async def create_deployment(family: str, request: Request, registry: Registry):
    return await call(registry.create_deployment, family_of(family), await json_body(request))


@route(router, "/v1/{family}/deployments/{deployment_id}", ["GET"])
async def describe_deployment(family: str, deployment_id: str, registry: Registry):
    return await call(registry.describe_deployment, family_of(family), deployment_id)


@route(router, "/v1/{family}/deployments/{deployment_id}", ["PATCH"])
async def update_deployment(family: str, deployment_id: str, request: Request, registry: Registry):
    return await call(registry.update_deployment_metadata, family_of(family), deployment_id,
                      await json_body(request))


@route(router, "/v1/{family}/deployments/{deployment_id}", ["DELETE"])
async def delete_deployment(family: str, deployment_id: str, registry: Registry):
    return await call(registry.delete_deployment, family_of(family), deployment_id)


@route(router, "/v1/{family}/deployments/{deployment_id}/redeploy", ["POST"])
async def redeploy(family: str, deployment_id: str, registry: Registry):
    return await call(registry.redeploy, family_of(family), deployment_id)


@route(router, "/v1/{family}/deployments/{deployment_id}/revisions", ["POST"])
async def create_revision(family: str, deployment_id: str, request: Request, registry: Registry):
    return await call(registry.create_revision, family_of(family), deployment_id, await json_body(request))


@route(router, "/v1/{family}/deployments/{deployment_id}/revisions", ["GET"])
async def list_revisions(family: str, deployment_id: str, request: Request, registry: Registry):
    args = page_args(request, "sort", "status")
    return await call(registry.list_revisions, family_of(family), deployment_id, **args)


@route(router, "/v1/{family}/deployments/{deployment_id}/revisions/{revision}", ["GET"])
async def describe_revision(family: str, deployment_id: str, revision: str, registry: Registry):
    return await call(registry.describe_revision, family_of(family), deployment_id, revision)
