"""BL401-BL403: `"@param:NAME"` references in `body.config` and the build parameters they name."""

from __future__ import annotations

from blocklint import (DOCUMENTED, INFERRED, PARAM_PREFIX, Suggestion, closest, did_you_mean, fixture, is_param_ref,
                       rule)
from blocklint.fixtures import strings_are_source_pieces
from blocklint.load import native
from blocklint.paramschema import field_type_of
from blocklint.rules._params import PARAM_TYPES, TYPE_WORDS, definitions, names_of

FITS = {"integer": {"number"}, "number": {"number"}, "boolean": {"boolean"}, "string": {"string"},
        "string_array": {"string_array"}, "number_array": {"number_array"}}
# FITS turned around: the field types a parameter type fills (one set test per reference)
FILLS = {param_type: frozenset(field for field, types in FITS.items() if param_type in types)
         for param_type in {param_type for types in FITS.values() for param_type in types}}


@fixture
def param_refs(r):
    """Every `"@param:NAME"` string in `body.config`: `(container, key, name, path)` in document order.

    `path` is relative to `config` (keys and list indexes); `(container, key)` is a location.
    """
    config = r.get("config")
    if config is None:
        return None
    if strings_are_source_pieces(r.doc) and PARAM_PREFIX not in r.doc.source:
        return []
    found = []
    for node, key, value, path in native.strings_holding(config, PARAM_PREFIX):
        if is_param_ref(value):
            found.append((node, key, value.strip()[len(PARAM_PREFIX):].strip(), path))
    return found


@rule("BL401", "unresolved-param-ref", evidence=DOCUMENTED)
def unresolved_param_ref(config, param_refs, build_params, doc):
    """An `"@param:NAME"` in `body.config` names no build parameter of the same file.

    Only peak CLI files are checked: a bare body (SDK use) gets its parameters elsewhere.

    ## Why is this bad?
    The server substitutes `@param:NAME` with the value of build parameter NAME when the
    block is deployed; with no such parameter the literal string `@param:NAME` is left in
    place (or the deployment fails). Run parameters are read by the running code
    (`get_parameters`) and are never substituted.

    ## Example
    ```yaml
    body:
      config:
        steps:
          load:
            resources: {instanceTypeId: "@param:instance_typ"}
    parameters:
      build:
        - {name: instance_type, type: number, required: false, defaultValue: 21}
    ```
    Fixed: `"@param:instance_type"`.

    ## Source
    Documented platform rejection: docs.peak.ai, "Using Press Build Parameters": `@param:NAME` in
    `body.config` is replaced by the value of build parameter NAME at deployment; a name no build
    parameter has refers to nothing. Error.
    """
    if not doc.cli:
        return
    run_names = None  # worked out at the first name that is no build parameter (most files have none)
    for container, key, name, _ in param_refs:
        if name in build_params:
            continue
        if run_names is None:
            run_names = names_of(definitions(doc.data.get("parameters"), "run"))
        if name in run_names:
            yield (container, key), (f"'{name}' is a run parameter: run parameters are read at run time "
                                     f"and are not substituted into config; declare it under parameters.build")
        elif not name:
            yield (container, key), "'@param:' names no parameter; write '@param:NAME'"
        else:
            hint = did_you_mean(name, build_params) or ("" if build_params else "; parameters.build declares none")
            yield (container, key), f"'@param:{name}' names no build parameter{hint}", \
                Suggestion(closest(name, build_params))


def _where(path) -> str:
    text = "config"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@rule("BL402", "param-type-mismatch", evidence=INFERRED)
def param_type_mismatch(config, param_refs, build_params):
    """An `"@param:NAME"` fills a field whose type the build parameter's `type` does not match.

    The field types come from the schema (`blocklint schema block-spec`): `instanceTypeId`,
    `stepTimeout`, `minInstances`, `runtimeExceeded`, `imageDetails.id` are numbers;
    `storage`, `command`, `user`, `healthCheckURL` strings; `useCache`, `clearImageCache`,
    `sessionStickiness` booleans; `parents` and `secrets` lists of strings.

    ## Why is this bad?
    The server substitutes the value as it is: a string parameter in `instanceTypeId` gives
    `instanceTypeId: "21"`, which fails at deployment, long after the spec was accepted.

    ## Example
    ```yaml
          resources: {instanceTypeId: "@param:instance_type"}
    parameters:
      build:
        - {name: instance_type, type: string, required: true}
    ```
    Fixed: `type: number`.

    ## Source
    Inference: the docs say the value is substituted as it is; that a string parameter in a
    number field fails at deployment is inferred from the field types in the reference, not
    observed. Warning.
    """
    for container, key, name, path in param_refs:
        definition = build_params.get(name)
        param_type = definition.get("type") if definition else None
        if param_type not in PARAM_TYPES:
            continue
        wanted = field_type_of(path)
        if not wanted or not wanted.isdisjoint(FILLS.get(param_type, ())):
            continue
        field = sorted(wanted)[0]
        yield (container, key), (f"build parameter '{name}' is of type {param_type}, but {_where(path)} takes "
                                 f"{TYPE_WORDS.get(field, field)}; make the parameter's type "
                                 f"{_param_type_for(field)}")


def _param_type_for(field_type: str) -> str:
    return {"integer": "number"}.get(field_type, field_type)


@rule("BL403", "unused-build-parameter", evidence=INFERRED)
def unused_build_parameter(config, param_refs, parameters):
    """A build parameter that no `"@param:NAME"` in `body.config` uses.

    ## Why is this bad?
    Build parameters only act through `@param:` substitution: one that is never referenced
    asks the deployer for a value that changes nothing (often the reference has a typo).

    ## Example
    ```yaml
    parameters:
      build:
        - {name: instance_type, type: number, required: false, defaultValue: 21}
    ```
    with no `"@param:instance_type"` in the config. Fixed: use it, or remove it.

    ## Source
    Inference: a build parameter acts only through `@param:` substitution (docs.peak.ai, "Using
    Press Build Parameters"); an unused one changes nothing. Warning.
    """
    used = {name for _, _, name, _ in param_refs}
    for definition in definitions(parameters, "build"):
        name = definition.get("name")
        if isinstance(name, str) and name not in used:
            yield (definition, "name"), (f"build parameter '{name}' is not used: no '@param:{name}' in config; "
                                         "reference it or remove it")
