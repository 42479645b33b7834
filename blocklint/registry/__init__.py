"""The embedded Press registry: specs, releases, artifacts, deployments, revisions and run
parameters in one SQLite file, every incoming document checked by the rule engine.

This module stays light (no sqlite3 import) so that `blocklint check` can ask for a spec
resolver without paying for the registry unless a deployment actually names a spec:

- `registry_path()` is `$BLOCKLINT_REGISTRY`, else `.blocklint/registry.sqlite3` in the
  project root (the nearest parent directory with `.git` or `pyproject.toml`, else the
  working directory);
- `spec_resolver()` returns `Settings.spec_resolver` for the engine, or None when there is no
  registry file yet.

The store itself is `blocklint.registry.store.Registry`.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "BLOCKLINT_REGISTRY"
DEFAULT_RELATIVE = Path(".blocklint") / "registry.sqlite3"
ROOT_MARKERS = (".git", "pyproject.toml")


def _registry_home(start: str | os.PathLike | None = None) -> Path:
    """The nearest directory at or above `start` with a `.git` or `pyproject.toml`, else `start`:
    where the local registry's state lives (not `blocklint.project_root`, which bounds reads)."""
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return here


def registry_path(start: str | os.PathLike | None = None) -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return _registry_home(start) / DEFAULT_RELATIVE


def open_registry(path: str | os.PathLike | None = None):
    """The registry at `path` (default: `registry_path()`), created if missing."""
    from blocklint.registry.store import Registry

    return Registry(path or registry_path())


class SpecResolver:
    """The local registry's spec lookup, handed to a run's plan by the front door: maps a spec
    reference (an id, or a block or app spec's `metadata.name`) to the spec as a peak CLI file's
    data, `{"body": ..., "parameters": ...}`, of its latest release (or of `version` when given),
    or None. The registry is opened on the first lookup that finds its file; `path` is where it
    is (or would be), so a result cache can watch it."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._registry = None

    def __call__(self, spec_id, version=None):
        if not isinstance(spec_id, str) or not spec_id:
            return None
        if self._registry is None:
            if not self.path.is_file():
                return None
            try:
                self._registry = open_registry(self.path)
            except Exception:  # an unreadable registry must not break `check`
                self._registry = False
        if self._registry is False:
            return None
        try:
            return self._registry.spec_as_cli_file(spec_id, version)
        except Exception:
            return None


def spec_resolver(path: str | os.PathLike | None = None) -> SpecResolver | None:
    """A `SpecResolver` for the registry at `path` (default: `registry_path()`), or None when
    it does not exist."""
    target = Path(path) if path else registry_path()
    return SpecResolver(target) if target.is_file() else None


def with_spec_lookup(overrides):
    """A front door's plan overrides with the local registry's spec lookup, when the run may
    look specs up there (`Overrides.registry`); the registry need not exist yet."""
    if not overrides.registry or overrides.spec_lookup is not None:
        return overrides
    return overrides._replace(spec_lookup=SpecResolver(registry_path()))
