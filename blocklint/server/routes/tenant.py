"""What a peak-sdk `Session` calls by itself, beside the Press API: tenant metadata and
telemetry, at the root and under `/service`."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter()


async def tenant_metadata():
    return {}


async def telemetry(request: Request):
    await request.body()
    return {}


for _prefix in ("", "/service"):
    router.add_api_route(f"{_prefix}/tenant-management/api/v1/external/tenants/tenant-metadata", tenant_metadata,
                         methods=["GET"])
    router.add_api_route(f"{_prefix}/resource-usage/api/v1/telemetry", telemetry, methods=["POST"])
