"""Where `submit` sends files: the embedded registry (no HTTP), a Press-compatible URL (such as a
`blocklint serve`), or the Peak platform. Every target answers the same methods as
`blocklint.client.http.PressClient`, and names the errors it raises in `.errors`.

For `peak` and URLs the token comes from `$PEAK_AUTH_TOKEN` or `$API_KEY` and is sent as
peak-sdk sends it; it never appears in output (`token_values` lists what to mask).
"""

from __future__ import annotations

import os
import re

from blocklint.submit.errors import Refused, Unreachable

STAGES = ("dev", "latest", "test", "beta", "prod", "parvati")
TOKEN_VARS = ("PEAK_AUTH_TOKEN", "API_KEY")
_URL = re.compile(r"^https?://[^/\s]+")


class LocalTarget:
    """The embedded registry, called directly; the same methods as `PressClient`."""

    label = "local registry"

    def __init__(self, registry):
        from blocklint.registry.errors import NotFound, RegistryError

        self.registry = registry
        self._not_found = NotFound
        self.errors = (RegistryError,)

    def __getattr__(self, name):
        return getattr(self.registry, name)

    def find_release(self, family, spec_id, version):
        try:
            return self.registry.describe_release(family, spec_id, version)
        except self._not_found:
            return None

    def list_revisions(self, family, deployment_id):
        return self.registry.list_revisions(family, deployment_id, page_size=10_000)["deployments"]


class EmptyTarget:
    """A local registry that does not exist yet, for --dry-run (which must not create it)."""

    label = "local registry (empty)"
    errors = ()

    def find_spec(self, family, name):
        return None

    def find_deployment(self, family, name):
        return None

    def find_release(self, family, spec_id, version):
        return None

    def describe_deployment(self, family, deployment_id):
        return None

    def describe_spec(self, family, spec_id):
        raise Refused(f"spec {spec_id} not found (the local registry is empty)")

    def list_revisions(self, family, deployment_id):
        return []

    def get_parameters(self, deployment_id):
        return {}


class HttpTarget:
    """A Press-compatible endpoint through `PressClient`."""

    def __init__(self, client, label):
        from blocklint.client.http import PressError

        self.client = client
        self.label = label
        self.errors = (PressError,)

    def __getattr__(self, name):
        return getattr(self.client, name)


def token() -> str | None:
    """The token peak-sdk would send: `$PEAK_AUTH_TOKEN`, else `$API_KEY`."""
    for name in TOKEN_VARS:
        if os.environ.get(name):
            return os.environ[name]
    return None


def token_values() -> frozenset:
    """Every token value in the environment, the one sent or not: none may be printed."""
    return frozenset(os.environ[name] for name in TOKEN_VARS if os.environ.get(name))


def open_target(target: str, stage: str | None, *, dry_run: bool, timeout: float = 60.0, retries: int = 4):
    """(target, description) for `--target` and `--stage`; raises Unreachable."""
    if target == "local":
        from blocklint.registry import open_registry, registry_path

        path = registry_path()
        if dry_run and not path.exists():
            return EmptyTarget(), f"local registry {path} (does not exist yet)"
        return LocalTarget(open_registry(path)), f"local registry {path}"
    if target == "peak":
        stage = stage or os.environ.get("PEAK__STAGE") or os.environ.get("STAGE") or "prod"
        if stage not in STAGES:
            raise Unreachable(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
        sent = token()
        if not sent:
            raise Unreachable("--target peak needs a token: set PEAK_AUTH_TOKEN or API_KEY")
        from blocklint.client.http import PressClient, stage_base_url

        url = stage_base_url(stage)
        client = PressClient(url, sent, timeout=timeout, retries=retries)
        return HttpTarget(client, url), f"Peak Press at {url} (stage {stage})"
    if _URL.match(target):
        from blocklint.client.http import PressClient

        return HttpTarget(PressClient(target, token(), timeout=timeout, retries=retries), target), target
    raise Unreachable(f"--target {target!r}: expected local, peak or an http(s):// URL")
