"""The fixtures a rule may ask for by argument name: the rule author's API.

Document fixtures are computed once per document, on first use. A fixture that does not
apply to a document is None, and a rule that asks for it does not run there: a rule that
takes `steps` runs only on workflows that have a `steps` mapping. Fixtures hand out only
values of the type their name promises (a `steps` that is a list in the file is None here;
the schema rules report it), so rules can trust the outer type of what they receive.

Per-node fixtures fan out: a rule taking `step` runs once per step, and may also take that
node's companions (`step_name` with `step`, `image_name` with `image`, `param_group` with
`param`).

| fixture | value |
|---|---|
| doc | the `Document` (path, kind, data, spans) |
| problems | the loader's problems (for the BL0xx rules) |
| kind | the document kind name, e.g. `block-spec` |
| data | the whole file's data |
| body | the body: `body:` of a peak CLI file, or the file itself |
| spec | the body of a spec or spec-release document |
| block_kind | `workflow` or `service` for block specs and releases |
| config | a block spec's (or release's) `config` mapping |
| workflow | `config` of a workflow |
| service | `config` of a service |
| steps | `config.steps` of a workflow |
| images | `config.images` of a workflow |
| triggers / watchers | `config.triggers` / `config.watchers` lists |
| parameters | the parameter definitions (`parameters:` of a peak CLI spec file) |
| build_params / run_params | `{name: definition}` of the build / run parameters |
| deployment | the body of a deployment, revision or parameter document |
| settings | the run's `Settings` (severities, rule options, related specs: `settings.specs`) |
| schema_issues | the schema issues of the document (shared by the BL1xx rules) |
| options | this rule's options from the configuration |
| unused_suppressions | `(span, code)` of suppressions that suppressed nothing (rules taking it run last) |
| step (+ step_name) | each step mapping |
| image_builds | `image_definitions(config)`: `(label, mapping)` of every image build definition, listed once per document |
| image (+ image_name) | each image build definition (`image_definitions`): `config.images` entries, a step's inline `image`, a service's `image` |
| trigger | each trigger mapping |
| watcher | each watcher mapping |
| param (+ param_group) | each parameter definition in `parameters.build` / `parameters.run` |
"""

from __future__ import annotations

from blocklint import kinds
from blocklint.engine.api import fanout, fixture
from blocklint.words import did_you_mean

__all__ = ["PARAM_PREFIX", "did_you_mean", "fanout", "fixture", "image_definitions", "is_param_ref",
           "strings_are_source_pieces"]

WORKFLOW_KEYS = frozenset({"steps", "triggers", "watchers", "images"})
SERVICE_KEYS = frozenset({"serviceType", "image", "imageDetails", "entrypoint", "healthCheckURL",
                          "minInstances", "sessionStickiness", "scaleToZero"})


PARAM_PREFIX = "@param:"


def is_param_ref(value) -> bool:
    """An `"@param:NAME"` build-parameter reference, filled in by the platform at deploy time."""
    return isinstance(value, str) and value.strip().startswith(PARAM_PREFIX)


def strings_are_source_pieces(doc) -> bool:
    """Whether every string of `doc` is pieces of its source joined by whitespace, as YAML folds
    lines: so when it was not rendered from a template and holds no backslash (no escape or line
    continuation spells out a character). A text without whitespace that a string holds is then
    in the source: a file without `@param:` holds no reference. (A quote doubled in a
    single-quoted scalar is one quote in its string: look for no text with a quote.)"""
    return not doc.rendered and "\\" not in doc.source


def _dict(value):
    return value if isinstance(value, dict) else None


def _list(value):
    return value if isinstance(value, list) else None


@fixture
def doc(r):
    return r.doc


@fixture
def problems(r):
    return r.doc.problems


@fixture
def kind(r):
    return r.doc.kind


@fixture
def data(r):
    return r.doc.data


@fixture
def body(r):
    return _dict(r.doc.body) if r.doc.kind else None


@fixture
def spec(r):
    return r.get("body") if r.doc.kind in kinds.SPEC_KINDS else None


@fixture
def block_kind(r):
    if r.doc.kind not in ("block-spec", "block-spec-release"):
        return None
    body_ = r.get("body") or {}
    if body_.get("kind") in ("workflow", "service"):
        return body_["kind"]
    config_ = body_.get("config")
    if isinstance(config_, dict):
        if WORKFLOW_KEYS & set(config_):
            return "workflow"
        if SERVICE_KEYS & set(config_):
            return "service"
    return None


@fixture
def config(r):
    if r.doc.kind not in ("block-spec", "block-spec-release"):
        return None
    return _dict((r.get("body") or {}).get("config"))


@fixture
def workflow(r):
    return r.get("config") if r.get("block_kind") == "workflow" else None


@fixture
def service(r):
    return r.get("config") if r.get("block_kind") == "service" else None


@fixture
def steps(r):
    return _dict((r.get("workflow") or {}).get("steps"))


@fixture
def images(r):
    return _dict((r.get("workflow") or {}).get("images"))


@fixture
def triggers(r):
    return _list((r.get("workflow") or {}).get("triggers"))


@fixture
def watchers(r):
    return _list((r.get("workflow") or {}).get("watchers"))


@fixture
def parameters(r):
    if r.doc.kind not in kinds.SPEC_KINDS or not r.doc.cli:
        return None
    return _dict(r.doc.data.get("parameters"))


def _params_of(r, group: str):
    definitions = _list((r.get("parameters") or {}).get(group))
    if definitions is None:
        return {} if r.get("parameters") is not None or r.get("spec") is not None else None
    return {item["name"]: item for item in definitions
            if isinstance(item, dict) and isinstance(item.get("name"), str)}


@fixture
def build_params(r):
    return _params_of(r, "build")


@fixture
def run_params(r):
    return _params_of(r, "run")


@fixture
def deployment(r):
    return r.get("body") if r.doc.kind in kinds.DEPLOYMENT_KINDS else None


@fanout("step_name")
def step(r):
    steps_ = r.get("steps") or {}
    base = r.doc.path_of(steps_)
    for name, value in steps_.items():
        if isinstance(value, dict):
            yield base + (name,), value, {"step_name": name}


def image_definitions(config) -> list[tuple[str, dict]]:
    """Every image build definition of a block spec's (or release's) config, as `(label, mapping)`:
    `config.images` entries, steps' inline `image`, a service's `image`."""
    if not isinstance(config, dict):
        return []
    found = []
    images_ = config.get("images")
    if isinstance(images_, dict):
        found += [(f"image {name!r}", value) for name, value in images_.items() if isinstance(value, dict)]
    steps_ = config.get("steps")
    if isinstance(steps_, dict):
        found += [(f"step {name!r}", value["image"]) for name, value in steps_.items()
                  if isinstance(value, dict) and isinstance(value.get("image"), dict)]
    if isinstance(config.get("image"), dict):
        found.append(("the service image", config["image"]))
    return found


@fixture
def image_builds(r):
    """`image_definitions` of the block spec's (or release's) `config`, [] without one: worked
    out once per document for the `image` fan-out and the rules that read them all."""
    return image_definitions(r.get("config"))


@fanout("image_name")
def image(r):
    for label, node in r.get("image_builds"):
        yield r.doc.path_of(node), node, {"image_name": label}


def _items(r, name: str):
    items = r.get(name) or []
    base = r.doc.path_of(items)
    for index, value in enumerate(items):
        if isinstance(value, dict):
            yield base + (index,), value, {}


@fanout()
def trigger(r):
    yield from _items(r, "triggers")


@fanout()
def watcher(r):
    yield from _items(r, "watchers")


@fanout("param_group")
def param(r):
    parameters_ = r.get("parameters") or {}
    for group in ("build", "run"):
        definitions = parameters_.get(group)
        if not isinstance(definitions, list):
            continue
        base = r.doc.path_of(definitions)
        for index, value in enumerate(definitions):
            if isinstance(value, dict):
                yield base + (index,), value, {"param_group": group}


@fixture
def schema_issues(r):
    """The document's schema issues, computed once and shared by the BL1xx rules."""
    if r.doc.kind is None or r.doc.data is None:
        return None
    from blocklint import schema

    return schema.validate(r.doc.data, r.doc.kind, cli=r.doc.cli)
