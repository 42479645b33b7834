"""BL610: an app spec's blocks, and app deployments' per-block parameters against them."""

from __future__ import annotations

from dataclasses import dataclass

from blocklint.engine import Key, rule
from blocklint.findings import WARNING
from blocklint.fixtures import did_you_mean, fixture


def _release_version(entry):
    release = entry.get("release")
    version = release.get("version") if isinstance(release, dict) else None
    return version if isinstance(version, (str, int, float)) else None


def _load_spec_files(settings) -> list:
    """The documents given with `--spec`, loaded once per run."""
    cache = settings.extra.setdefault("blocklint.rules.services:spec-docs", {})
    files = tuple(getattr(settings, "spec_files", ()) or ())
    if files not in cache:
        from blocklint.load import LoadSettings, load_path

        docs = []
        for path in files:
            try:
                docs.append(load_path(path, settings.load or LoadSettings()))
            except OSError:
                continue
        cache[files] = docs
    return cache[files]


def _spec_name(data):
    body = data.get("body", data) if isinstance(data, dict) else None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


@dataclass(frozen=True)
class AppBlocks:
    """What is known of an app's blocks: `names` is None when they cannot all be known."""

    names: frozenset | None = None


@fixture
def app_blocks(r):
    """For app specs, releases, deployments and revisions: an `AppBlocks`.

    For a deployment or revision, the app spec comes from `--spec` files (an app spec or app
    spec release) or from `settings.spec_resolver(spec.id)`; block names from the block specs
    given with `--spec` and from `spec_resolver(block id)`.
    """
    if r.doc.kind in ("app-spec", "app-spec-release"):
        return AppBlocks()
    if r.doc.kind not in ("app-deployment", "app-deployment-revision"):
        return None
    return AppBlocks(_app_block_names(r))


def _app_block_names(r):
    deployment_body = r.get("body") or {}
    resolver = getattr(r.settings, "spec_resolver", None)
    docs = _load_spec_files(r.settings)
    app_configs = [doc.body.get("config") for doc in docs
                   if doc.kind in ("app-spec", "app-spec-release") and isinstance(doc.body, dict)]
    spec_ref = deployment_body.get("spec") if isinstance(deployment_body.get("spec"), dict) else {}
    if not app_configs and callable(resolver) and isinstance(spec_ref.get("id"), str):
        app = resolver(spec_ref["id"])
        app_body = app.get("body", app) if isinstance(app, dict) else None
        if isinstance(app_body, dict):
            app_configs.append(app_body.get("config"))
    app_configs = [config for config in app_configs if isinstance(config, list)]
    if not app_configs:
        return None
    names = {name for doc in docs if doc.kind == "block-spec" and (name := _spec_name(doc.data))}
    includes = spec_ref.get("includes") if isinstance(spec_ref.get("includes"), list) else []
    entries = [entry for config in app_configs for entry in config if isinstance(entry, dict)] + \
              [entry for entry in includes if isinstance(entry, dict)]
    unresolved = 0
    for entry in entries:
        resolved = resolver(entry.get("id")) if callable(resolver) and isinstance(entry.get("id"), str) else None
        name = _spec_name(resolved)
        if name:
            names.add(name)
        else:
            unresolved += 1
    if not names or (unresolved and not any(doc.kind == "block-spec" for doc in docs)):
        return None
    return frozenset(names)


@rule("BL610", "app-block-mismatch", severity=WARNING)
def app_block_mismatch(app_blocks, kind, body):
    """An app spec lists a block spec twice, or an app deployment sets parameters for a block the app lacks.

    In an app spec, each block spec (`id`) may appear once in `config`: twice with the same
    release is a copy-paste slip, and two releases of one block would share its name. An app
    deployment's (or revision's) per-block `parameters` are keyed by block name; they are
    checked when the app spec is known (`--spec app.yaml --spec block.yaml ...`).

    ## Why is this bad?
    A duplicate is a copy-paste slip at best; parameters for a block that is not in the app
    reach no block, so the block meant runs with its defaults.

    ## Example
    ```yaml
      config:
        - id: 0bddb4c6-40c5-45c3-b477-fceb2c051609
          release: {version: "1.0.0"}
        - id: 0bddb4c6-40c5-45c3-b477-fceb2c051609
          release: {version: "1.0.0"}
    ```
    Fixed: list each block spec once.

    ## Source
    Inference: the app references do not say a block may not appear twice, nor what happens to
    parameters for a block the app lacks (`<blockName>`: "each key represents the block name").
    Warning.
    """
    if kind in ("app-spec", "app-spec-release"):
        config = body.get("config")
        seen: dict = {}
        for entry in config if isinstance(config, list) else ():
            block_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(block_id, str):
                continue
            version = _release_version(entry)
            if block_id in seen:
                first = seen[block_id]
                what = (f"block spec {block_id} release {version} is listed twice" if version == first
                        else f"block spec {block_id} is listed twice (releases {first} and {version}); "
                             "an app holds one release of each block")
                yield (entry, "id"), what
            else:
                seen[block_id] = version
        return
    parameters = body.get("parameters")
    known = app_blocks.names
    if known is None or not isinstance(parameters, dict):
        return
    for name in parameters:
        if isinstance(name, str) and name not in known:
            yield (parameters, Key(name)), (f"parameters for block {name!r}, which the app does not contain"
                                            f"{did_you_mean(name, known)}")
