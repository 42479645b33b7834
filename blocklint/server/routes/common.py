"""What every Press router shares: the registry as a dependency, registry calls off the event
loop, and routes that answer with and without their trailing slash."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool


async def _registry(request: Request):
    return request.app.state.registry


Registry = Annotated[Any, Depends(_registry)]


def call(function, *args, **kwargs):
    """Run a registry call (blocking: SQLite, files) in the thread pool."""
    return run_in_threadpool(function, *args, **kwargs)


def route(router: APIRouter, path: str, methods: list[str]):
    """Register a handler at `path`, and at `path` without its trailing slash."""
    def decorate(handler):
        router.add_api_route(path, handler, methods=methods)
        if path.endswith("/"):
            router.add_api_route(path.rstrip("/"), handler, methods=methods, include_in_schema=False)
        return handler
    return decorate
