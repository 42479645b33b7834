"""BL4xx: parameter definitions, `@param:` references, and deployment values against their spec."""

from __future__ import annotations

import os
from functools import lru_cache

from blocklint import kinds
from blocklint.engine import Key, rule
from blocklint.fixtures import PARAM_PREFIX, did_you_mean, fixture, is_param_ref
from blocklint.findings import WARNING

PARAM_TYPES = ("boolean", "string", "string_array", "number", "number_array", "object", "object_array")
TYPE_WORDS = {"boolean": "a boolean", "string": "a string", "string_array": "a list of strings",
              "number": "a number", "number_array": "a list of numbers", "object": "a mapping",
              "object_array": "a list of mappings", "integer": "an integer"}
# A field type from the schema -> the parameter types that may fill it.
FITS = {"integer": {"number"}, "number": {"number"}, "boolean": {"boolean"}, "string": {"string"},
        "string_array": {"string_array"}, "number_array": {"number_array"}}


# --- `@param:` references ---------------------------------------------------------------


@fixture
def param_refs(r):
    """Every `"@param:NAME"` string in `body.config`: `(container, key, name, path)` in document order.

    `path` is relative to `config` (keys and list indexes); `(container, key)` is a location.
    """
    config = r.get("config")
    if config is None:
        return None
    found = []
    stack = [(config, ())]
    while stack:
        node, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        children = []
        for key, value in items:
            if is_param_ref(value):
                found.append((node, key, value.strip()[len(PARAM_PREFIX):].strip(), path + (key,)))
            elif isinstance(value, (dict, list)):
                children.append((value, path + (key,)))
        stack.extend(reversed(children))
    return found


@rule("BL401", "unresolved-param-ref")
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
    docs.peak.ai, "Using Press Build Parameters": `@param:NAME` in `body.config` is replaced by
    the value of build parameter NAME at deployment; a name no build parameter has refers to
    nothing. Error.
    """
    if not doc.cli:
        return
    run_names = _names(_definitions(doc.data.get("parameters"), "run"))
    for container, key, name, _ in param_refs:
        if name in build_params:
            continue
        if name in run_names:
            yield (container, key), (f"'{name}' is a run parameter: run parameters are read at run time "
                                     f"and are not substituted into config; declare it under parameters.build")
        elif not name:
            yield (container, key), "'@param:' names no parameter; write '@param:NAME'"
        else:
            hint = did_you_mean(name, build_params) or ("" if build_params else "; parameters.build declares none")
            yield (container, key), f"'@param:{name}' names no build parameter{hint}"


@lru_cache(maxsize=1)
def field_types() -> dict:
    """Which parameter types may fill each config field: `{path pattern: field type}`.

    Derived from the packaged JSON Schema: a field whose schema is `integer-or-param`,
    `number-or-param` or `boolean-or-param` takes that type; a `string` field a string; a list
    of strings (`parents`, `secrets`, ...) or of `integer-or-param` (`exitCodes`) a string or
    number array. Patterns are paths from `config`, with `*` for any mapping key and `[]` for
    any list index, so `imageDetails.id` is an integer while other `id`s are not.
    """
    from blocklint.schema import PARAM_REF_DEFS, press_schema

    definitions = press_schema()["$defs"]
    table: dict = {}

    def record(pattern, field_type):
        table.setdefault(pattern, set()).add(field_type)

    def walk(node, pattern, depth):
        if not isinstance(node, dict) or depth > 40:
            return
        ref = node.get("$ref")
        if ref in PARAM_REF_DEFS:
            record(pattern, PARAM_REF_DEFS[ref])
        elif ref and ref != "#/$defs/param-ref":
            walk(definitions.get(ref.rsplit("/", 1)[-1]), pattern, depth + 1)
        for keyword in ("anyOf", "oneOf", "allOf"):
            for option in node.get(keyword, ()):
                walk(option, pattern, depth + 1)
        for keyword in ("then", "else"):
            walk(node.get(keyword), pattern, depth + 1)
        kind = node.get("type")
        if kind in ("string", "integer", "number", "boolean"):
            record(pattern, kind)
        elif kind == "array":
            items = node.get("items", {})
            if items.get("type") == "string":
                record(pattern, "string_array")
            elif items.get("$ref") in ("#/$defs/integer-or-param", "#/$defs/number-or-param") \
                    or items.get("type") in ("integer", "number"):
                record(pattern, "number_array")
            walk(items, pattern + ("[]",), depth + 1)
        for key, value in node.get("properties", {}).items():
            walk(value, pattern + (key,), depth + 1)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], pattern + ("*",), depth + 1)

    walk(definitions["workflow-config"], (), 0)
    walk(definitions["service-config"], (), 0)
    return {pattern: frozenset(types) for pattern, types in table.items()}


@lru_cache(maxsize=1)
def _field_trie() -> dict:
    trie: dict = {}
    for pattern, types in field_types().items():
        node = trie
        for part in pattern:
            node = node.setdefault(part, {})
        node[None] = types
    return trie


def field_type_of(path: tuple) -> frozenset | None:
    """The field types a concrete config path takes (None when the schema does not say)."""
    node = _field_trie()
    for part in path:
        key = "[]" if isinstance(part, int) else part
        node = node.get(key) if key in node else node.get("*")
        if node is None:
            return None
    return node.get(None)


def _where(path) -> str:
    text = "config"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@rule("BL402", "param-type-mismatch", severity=WARNING)
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
        if not wanted or any(param_type in FITS.get(field, ()) for field in wanted):
            continue
        field = sorted(wanted)[0]
        yield (container, key), (f"build parameter '{name}' is of type {param_type}, but {_where(path)} takes "
                                 f"{TYPE_WORDS.get(field, field)}; make the parameter's type "
                                 f"{_param_type_for(field)}")


def _param_type_for(field_type: str) -> str:
    return {"integer": "number"}.get(field_type, field_type)


@rule("BL403", "unused-build-parameter", severity=WARNING)
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
    for definition in _definitions(parameters, "build"):
        name = definition.get("name")
        if isinstance(name, str) and name not in used:
            yield (definition, "name"), (f"build parameter '{name}' is not used: no '@param:{name}' in config; "
                                         "reference it or remove it")


# --- definitions -----------------------------------------------------------------------


def _definitions(parameters, group) -> list:
    items = parameters.get(group) if isinstance(parameters, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _names(definitions) -> set:
    return {d["name"] for d in definitions if isinstance(d.get("name"), str)}


def fits(param_type: str, value) -> bool:
    """Whether a value has the shape a parameter type promises."""
    def number(item):
        return isinstance(item, (int, float)) and not isinstance(item, bool)

    return {
        "boolean": lambda: isinstance(value, bool),
        "string": lambda: isinstance(value, str),
        "number": lambda: number(value),
        "string_array": lambda: isinstance(value, list) and all(isinstance(item, str) for item in value),
        "number_array": lambda: isinstance(value, list) and all(number(item) for item in value),
        "object": lambda: isinstance(value, dict),
        "object_array": lambda: isinstance(value, list) and all(isinstance(item, dict) for item in value),
    }.get(param_type, lambda: True)()


def _same(a, b) -> bool:
    """Equality that keeps `True` apart from `1`."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def _option_values(definition) -> list | None:
    options = definition.get("options")
    if not isinstance(options, list):
        return None
    values = [option["value"] for option in options if isinstance(option, dict) and "value" in option]
    return values or None


def _outside_options(definition, value) -> list:
    """The parts of `value` that are not among the definition's options."""
    allowed = _option_values(definition)
    if allowed is None:
        return []
    parts = value if isinstance(value, list) and definition.get("type", "").endswith("_array") else [value]
    return [part for part in parts if not any(_same(part, option) for option in allowed)]


class Inferred(str):
    """A message for a check that rests on inference, reported by its own warning rule."""

    rule = ""

    def __new__(cls, rule_id: str, text: str):
        message = super().__new__(cls, text)
        message.rule = rule_id
        return message


def _split(findings, rule_id: str = ""):
    """The findings of one rule: "" keeps the stated ones, a rule id that rule's inferred ones."""
    for location, message in findings:
        if getattr(message, "rule", "") == rule_id:
            yield location, message


def _shown(value) -> str:
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return text if len(text) <= 40 else text[:37] + "..."


def _check_definition(definition, label):
    param_type = definition.get("type")
    if param_type not in PARAM_TYPES:
        return
    if "defaultValue" in definition and definition["defaultValue"] is not None:
        default = definition["defaultValue"]
        if not fits(param_type, default):
            yield (definition, "defaultValue"), (f"defaultValue of {label} must be {TYPE_WORDS[param_type]} "
                                                 f"(its type is {param_type})")
        else:
            for part in _outside_options(definition, default):
                yield (definition, "defaultValue"), Inferred("BL410", (
                    f"defaultValue {_shown(part)} of {label} is not one of its "
                    f"options ({', '.join(map(_shown, _option_values(definition)))})"))
    options = definition.get("options")
    for index, option in enumerate(options if isinstance(options, list) else ()):
        if isinstance(option, dict) and "value" in option:
            element_type = {"string_array": "string", "number_array": "number"}.get(param_type, param_type)
            if not fits(element_type, option["value"]) and not fits(param_type, option["value"]):
                yield (option, "value"), (f"option value {_shown(option['value'])} of {label} must be "
                                          f"{TYPE_WORDS[element_type]} (its type is {param_type})")
    if definition.get("hideValue") is True and param_type != "string":
        yield (definition, Key("hideValue")), Inferred("BL412", (
            f"hideValue only applies to string parameters; {label} is {param_type}: remove it"))
    properties = definition.get("properties")
    if param_type in ("object", "object_array") and not (isinstance(properties, list) and properties):
        yield (definition, Key("type")), Inferred("BL409", (
            f"{label} is of type {param_type} but declares no 'properties'; list its fields under 'properties'"))
    for nested in properties if isinstance(properties, list) else ():
        if isinstance(nested, dict):
            yield from _check_definition(nested, f"property '{nested.get('name')}' of {label}")


@rule("BL404", "invalid-parameter-definition")
def invalid_parameter_definition(param, param_group):
    """A parameter definition that contradicts its own `type`.

    Checked: `defaultValue` and every `options[].value` fit `type` (`number_array` holds
    numbers, `object` is a mapping, ...). Nested `properties` are checked the same way. A
    default outside the options (BL410), `hideValue` on a non-string (BL412) and an `object`
    without `properties` (BL409) are warnings of their own.

    ## Why is this bad?
    The platform rejects the spec, or the deployment form offers a default it then refuses.

    ## Example
    ```yaml
        - name: retries
          type: number
          required: false
          defaultValue: "3"
    ```
    Fixed: `defaultValue: 3`.

    ## Source
    `peak blocks specs create` input file schema, parameters: `type` "Should be one of ..."; the
    SDK samples (`peak/sample_yaml/press/**`) type every `defaultValue` and option `value` like
    the parameter's `type`, and `peak/press/wrappers/deploy/utils/parameters_utils.py` hands the
    default to the block as its value. Error for a default or option value that contradicts the
    declared type. The inferred checks live in BL409, BL410 and BL412 (warnings).
    """
    name = param.get("name")
    yield from _split(_check_definition(param, f"{param_group} parameter '{name}'"))


@rule("BL409", "object-parameter-without-properties", severity=WARNING)
def object_parameter_without_properties(param, param_group):
    """An `object` or `object_array` parameter that declares no `properties`.

    ## Why is this bad?
    The deployment form has no fields to offer for it, and nothing says what the block's code
    expects inside the mapping.

    ## Example
    ```yaml
        - {name: limits, type: object, required: false, defaultValue: {rows: 10}}
    ```
    Fixed: add `properties: [{name: rows, type: number, required: false}]`.

    ## Source
    Inference: `peak blocks specs create` does not list `properties` for parameters at all;
    the SDK reads `param["properties"]` recursively when it builds default values
    (`peak/press/wrappers/deploy/utils/parameters_utils.py`), so an `object` parameter without
    them still deploys, with no fields to fill in. Warning.
    """
    yield from _split(_check_definition(param, f"{param_group} parameter '{param.get('name')}'"), "BL409")


@rule("BL410", "default-not-an-option", severity=WARNING)
def default_not_an_option(param, param_group):
    """A parameter's `defaultValue` that is not one of its `options`.

    ## Why is this bad?
    The deployment form offers a choice list that does not contain the value it starts with.

    ## Example
    ```yaml
        - name: level
          type: number
          required: false
          defaultValue: 5
          options: [{title: Low, value: 1}, {title: High, value: 9}]
    ```
    Fixed: `defaultValue: 1`, or add an option with value 5.

    ## Source
    Inference: `peak blocks specs create` says only "List of options for the parameter"; that
    the default must be one of them is what a choice list means, but no source says the
    platform refuses it. Warning.
    """
    yield from _split(_check_definition(param, f"{param_group} parameter '{param.get('name')}'"), "BL410")


@rule("BL412", "hide-value-on-non-string", severity=WARNING)
def hide_value_on_non_string(param, param_group):
    """`hideValue: true` on a parameter whose `type` is not `string`.

    ## Why is this bad?
    Only string values are documented as masked: a number or boolean marked hidden may be
    shown anyway, while the spec reads as if it were secret.

    ## Example
    ```yaml
        - {name: debug, type: boolean, required: false, hideValue: true}
    ```
    Fixed: remove `hideValue`, or make the parameter a string.

    ## Source
    `peak blocks specs create` input file schema: `hideValue` "Can be optionally provided to
    parameters of type \"string\""; that it is refused or ignored on other types is inference.
    Warning.
    """
    yield from _split(_check_definition(param, f"{param_group} parameter '{param.get('name')}'"), "BL412")


@rule("BL615", "conditions-without-condition-type")
def conditions_without_condition_type(param):
    """A parameter's `conditions` on two or more parameters, listed without a `conditionType`.

    Two or more top-level entries of `conditions` whose `dependsOn` name different parameters
    belong in one composite condition: `{conditionType: AND, conditions: [...]}` (or `OR`).

    ## Why is this bad?
    Whether the parameter shows when all of them hold or when any one does is left unsaid;
    the reference requires the author to say it.

    ## Example
    ```yaml
          conditions:
            - {dependsOn: max_retries, operator: equals, value: 3}
            - {dependsOn: agg_type, operator: equals, value: AVG}
    ```
    Fixed:
    ```yaml
          conditions:
            - conditionType: AND
              conditions:
                - {dependsOn: max_retries, operator: equals, value: 3}
                - {dependsOn: agg_type, operator: equals, value: AVG}
    ```

    ## Source
    `peak blocks specs create` (and the app commands) input file schema, parameter
    `conditions`: "Conditions on two or more parameters should be used with conditionType
    \"AND\" or \"OR\"". Error: the source states it.
    """
    conditions = param.get("conditions")
    if not isinstance(conditions, list):
        return
    basic = [item for item in conditions if isinstance(item, dict) and "conditionType" not in item
             and "conditions" not in item and isinstance(item.get("dependsOn"), str)]
    names = list(dict.fromkeys(item["dependsOn"] for item in basic))
    if len(names) < 2:
        return
    second = next(item for item in basic if item["dependsOn"] == names[1])
    listed = ", ".join(repr(name) for name in names)
    yield (second, "dependsOn"), (f"conditions on {len(names)} parameters ({listed}) need a conditionType: "
                                  "put them in one `{conditionType: AND, conditions: [...]}` (or OR)")


@rule("BL405", "duplicate-parameter-name", severity=WARNING)
def duplicate_parameter_name(parameters):
    """Two parameters with the same name in `parameters.build` (or in `parameters.run`).

    ## Why is this bad?
    Values are given by name, so only one of the two can ever receive a value; which one the
    platform keeps is not defined.

    ## Example
    ```yaml
      run:
        - {name: agg_type, type: string, required: false}
        - {name: agg_type, type: number, required: false}
    ```
    Fixed: rename or remove one.

    ## Source
    Inference: the reference does not say parameter names are unique, but values are given by
    name (`parameters.run: {name: value}`), so only one of two same-named parameters can receive
    one. Warning.
    """
    for group in ("build", "run"):
        seen: dict = {}
        for index, definition in enumerate(_definitions(parameters, group)):
            name = definition.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                yield (definition, "name"), (f"{group} parameter '{name}' is declared twice "
                                             f"(first at parameters.{group}[{seen[name]}]); rename or remove one")
            else:
                seen[name] = index


@rule("BL408", "parameter-in-build-and-run", severity=WARNING)
def parameter_in_build_and_run(parameters):
    """A name declared both as a build and as a run parameter.

    ## Why is this bad?
    Deployments give build and run values separately, so it works, but `@param:NAME` only
    ever sees the build value while the code reads the run value: two values under one name
    are easily confused.

    ## Example
    ```yaml
      build: [{name: mode, type: string, required: false}]
      run: [{name: mode, type: string, required: false}]
    ```
    Fixed: give them different names.

    ## Source
    Inference: nothing forbids it; the two values under one name are easily confused. Warning.
    """
    build = _names(_definitions(parameters, "build"))
    for definition in _definitions(parameters, "run"):
        name = definition.get("name")
        if isinstance(name, str) and name in build:
            yield (definition, "name"), (f"'{name}' is both a build and a run parameter; give one of them "
                                         "another name")


def _conditions(conditions):
    """Every basic condition, composite ones flattened."""
    stack = list(reversed(conditions)) if isinstance(conditions, list) else []
    while stack:
        condition = stack.pop()
        if not isinstance(condition, dict):
            continue
        if isinstance(condition.get("conditions"), list):
            stack.extend(reversed(condition["conditions"]))
        if "dependsOn" in condition:
            yield condition


@rule("BL407", "condition-on-unknown-parameter")
def condition_on_unknown_parameter(param, param_group, build_params, run_params):
    """`conditions[].dependsOn` names no parameter of the spec, or the parameter itself.

    ## Why is this bad?
    The condition can never be evaluated, so the parameter is always (or never) shown and
    required.

    ## Example
    ```yaml
      run:
        - {name: max_retries, type: number, required: false, defaultValue: 3}
        - name: method
          type: string
          required: true
          conditions:
            - {dependsOn: max_retry, operator: equals, value: 3}
    ```
    Fixed: `dependsOn: max_retries`.

    ## Source
    `peak blocks specs create` input file schema, parameter `conditions[].dependsOn`: "Name of
    the parameter that this parameter depends on". Error. A parameter of the other group is
    BL413 (inferred, a warning).
    """
    same, other = (build_params, run_params) if param_group == "build" else (run_params, build_params)
    for condition in _conditions(param.get("conditions")):
        name = condition["dependsOn"]
        if not isinstance(name, str):
            continue
        if name == param.get("name"):
            yield (condition, "dependsOn"), f"parameter '{name}' cannot depend on itself"
        elif name not in same and name not in other:
            yield (condition, "dependsOn"), (f"dependsOn '{name}' names no parameter of the spec"
                                             f"{did_you_mean(name, [*same, *other])}")


@rule("BL413", "condition-on-other-group-parameter", severity=WARNING)
def condition_on_other_group_parameter(param, param_group, build_params, run_params):
    """`conditions[].dependsOn` names a parameter of the other group: a run parameter depending on a build parameter, or the reverse.

    ## Why is this bad?
    Build and run values are given separately (`parameters.build`, `parameters.run`) and at
    different times (a patch changes run values only), so a condition across the two groups
    may be decided on a value the form does not have.

    ## Example
    ```yaml
      build:
        - {name: instance_type, type: number, required: false, defaultValue: 21}
      run:
        - name: method
          type: string
          required: false
          conditions:
            - {dependsOn: instance_type, operator: equals, value: 21}
    ```
    Fixed: depend on a run parameter, or make `method` a build parameter.

    ## Source
    Inference: `peak blocks specs create` says only "Name of the parameter that this parameter
    depends on"; that it must be of the same group is inferred from the two groups being
    given separately. Warning.
    """
    same, other = (build_params, run_params) if param_group == "build" else (run_params, build_params)
    other_group = "run" if param_group == "build" else "build"
    for condition in _conditions(param.get("conditions")):
        name = condition["dependsOn"]
        if isinstance(name, str) and name != param.get("name") and name not in same and name in other:
            yield (condition, "dependsOn"), (f"dependsOn '{name}' is a {other_group} parameter, and this is a "
                                             f"{param_group} parameter; conditions across the groups may not be "
                                             "evaluated")


# --- deployment values against the spec ------------------------------------------------


class DeployedSpec:
    """The spec(s) a deployment document deploys: the app spec, the block spec, block specs by name."""

    def __init__(self, block=None, app=None, blocks=None):
        self.block = block
        self.app = app
        self.blocks = blocks or {}


def _spec_name(data) -> str | None:
    body = data.get("body") if isinstance(data, dict) else None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


def _spec_files(settings) -> list[tuple[str, dict]]:
    """The `--spec` files as (kind, peak CLI data), loaded once per run."""
    cache = settings.extra.setdefault("blocklint.params.spec_files", {})
    key = tuple(settings.spec_files)
    if key not in cache:
        from blocklint.load import LoadSettings, load_path

        loaded = []
        for path in settings.spec_files:
            try:
                spec_doc = load_path(os.fspath(path), settings.load or LoadSettings())
            except OSError:
                continue
            if spec_doc.kind in kinds.SPEC_KINDS and spec_doc.cli and isinstance(spec_doc.data, dict):
                loaded.append((spec_doc.kind, spec_doc.data))
        cache[key] = loaded
    return cache[key]


def _resolve(settings, spec_id):
    if settings.spec_resolver is None or not isinstance(spec_id, str):
        return None
    try:
        data = settings.spec_resolver(spec_id)
    except Exception:  # a registry that cannot answer is no reason to fail the lint
        return None
    return data if isinstance(data, dict) else None


@fixture
def deployed_spec(r):
    """The spec a deployment, revision, parameter patch or fallback file deploys, when known.

    From `--spec FILE` (one block spec; or an app spec and the block specs of its blocks, by
    `metadata.name`), or from `settings.spec_resolver` by the deployment's `spec.id` (and,
    for apps, the ids in the app spec's `config`). None when no spec is known.
    """
    if r.doc.kind not in kinds.DEPLOYMENT_KINDS or not isinstance(r.get("deployment"), dict):
        return None
    settings = r.settings
    files = _spec_files(settings) if settings.spec_files else []
    block_files = [data for kind, data in files if kind in ("block-spec", "block-spec-release")]
    app_files = [data for kind, data in files if kind in ("app-spec", "app-spec-release")]
    spec_ref = r.get("deployment").get("spec")
    spec_id = spec_ref.get("id") if isinstance(spec_ref, dict) else None
    found = DeployedSpec()
    if r.doc.kind.startswith("app-") or (r.doc.kind == "parameters-patch" and "appParameters" in r.get("deployment")):
        found.app = _resolve(settings, spec_id) or (app_files[0] if len(app_files) == 1 else None)
        for data in block_files:
            if _spec_name(data):
                found.blocks[_spec_name(data)] = data
        app_body = found.app.get("body") if found.app else None
        for item in app_body.get("config", ()) if isinstance(app_body, dict) and isinstance(
                app_body.get("config"), list) else ():
            block = _resolve(settings, item.get("id")) if isinstance(item, dict) else None
            if block and _spec_name(block):
                found.blocks.setdefault(_spec_name(block), block)
        return found if found.app or found.blocks else None
    found.block = _resolve(settings, spec_id) or (block_files[0] if len(block_files) == 1 else None)
    return found if found.block else None


def _spec_params(data, group) -> list:
    return _definitions(data.get("parameters") if isinstance(data, dict) else None, group)


def _check_values(values, definitions, label, other=None, other_label="", parent=None):
    """Unknown names, wrong types, values outside options, nested properties.

    `label` names what the values are ("run parameter"); `parent`, for nested properties,
    names the parameter they belong to.
    """
    by_name = {d["name"]: d for d in definitions if isinstance(d.get("name"), str)}
    for name, value in values.items():
        definition = by_name.get(name)
        if definition is None:
            hint = did_you_mean(name, by_name)
            if other and name in other:
                yield (values, Key(name)), f"'{name}' is {_a(other_label)}, not {_a(label)}; move it there"
            elif parent:
                yield (values, Key(name)), f"'{name}' is not a property of {parent}{hint}"
            else:
                yield (values, Key(name)), f"'{name}' is not {_a(label)} of the spec{hint}"
            continue
        described = f"property '{name}' of {parent}" if parent else f"{label} '{name}'"
        yield from _check_value(values, name, value, definition, described)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _check_value(container, key, value, definition, label):
    param_type = definition.get("type")
    if value is None or param_type not in PARAM_TYPES:
        return
    if not fits(param_type, value):
        yield (container, key), f"{label} must be {TYPE_WORDS[param_type]} (its type is {param_type})"
        return
    outside = _outside_options(definition, value)
    if outside:
        allowed = ", ".join(map(_shown, _option_values(definition)))
        yield (container, key), Inferred("BL411", f"{_shown(outside[0])} is not an option of {label} "
                                                  f"(options: {allowed})")
    properties = [p for p in definition.get("properties") or () if isinstance(p, dict)] \
        if isinstance(definition.get("properties"), list) else []
    if not properties:
        return
    items = [value] if param_type == "object" else value if param_type == "object_array" else []
    for item in items:
        if isinstance(item, dict):
            yield from _check_values(item, properties, "property", parent=label)


def _missing_required(values, definitions, label, location):
    for definition in definitions:
        name = definition.get("name")
        if (definition.get("required") is True and isinstance(name, str) and name not in values
                and definition.get("defaultValue") is None and not definition.get("conditions")
                and not definition.get("properties")):
            yield location, f"required {label} '{name}' has no value here and no default in the spec; give it a value"


def _group_values(container, group):
    values = container.get(group) if isinstance(container, dict) else None
    return values if isinstance(values, dict) else None


def _check_groups(container, spec_data, prefix, *, required, location):
    """A `{build: {...}, run: {...}}` mapping against one spec's parameter definitions."""
    for group, other_group in (("build", "run"), ("run", "build")):
        values = _group_values(container, group)
        definitions = _spec_params(spec_data, group)
        other = _names(_spec_params(spec_data, other_group))
        if values is not None:
            yield from _check_values(values, definitions, f"{prefix}{group} parameter",
                                     other, f"{prefix}{other_group} parameter")
        if required:
            where = (container, Key(group)) if values is not None else location
            yield from _missing_required(values or {}, definitions, f"{prefix}{group} parameter", where)


@rule("BL406", "invalid-deployment-value")
def invalid_deployment_value(deployment, deployed_spec, kind):
    """A deployment, revision, parameter patch or fallback file gives values its spec does not take.

    Checked against the spec it deploys: names the spec does not declare, values of the
    wrong type, nested `object`/`object_array` properties, and (for new deployments) required
    parameters with no value and no default. Values outside `options` are BL411 (a warning). The spec comes from
    `--spec FILE` (a peak CLI spec file; for an app, the app spec and its blocks' specs) or
    from the registry by `spec.id`. Without a known spec this rule does nothing.

    ## Why is this bad?
    The platform rejects the deployment, or the block runs with a value its code never
    expected: a typo in a name silently leaves the parameter at its default.

    ## Example
    With `--spec spec.yaml` declaring the run parameter `agg_type`:
    ```yaml
    body:
      parameters:
        run:
          agg_typ: SUM
    ```
    Fixed: `agg_type: SUM`.

    ## Source
    `peak blocks deployments create` / `create-revision` and the app commands' input file
    schemas: `parameters.build`/`run` "Keys are parameter names" (of the spec), values typed as
    the spec declares. Checked against `--spec` or the registry. Error for unknown names, wrong
    types and missing required values; values outside `options` are BL411 (inferred, warning).
    """
    yield from _split(_deployment_findings(deployment, deployed_spec, kind))


@rule("BL411", "deployment-value-not-an-option", severity=WARNING)
def deployment_value_not_an_option(deployment, deployed_spec, kind):
    """A deployment, revision, parameter patch or fallback file gives a value that is not one of the parameter's `options`.

    Checked like BL406, against the spec from `--spec FILE` or the registry.

    ## Why is this bad?
    A parameter with options is a choice list: a value outside it is one the deployment form
    could not have produced, and the block's code may not handle it.

    ## Example
    With `--spec spec.yaml` declaring `instance_type` (a number with options 20, 21):
    ```yaml
    body:
      parameters:
        build:
          instance_type: 23
    ```
    Fixed: `instance_type: 21`.

    ## Source
    Inference: the deployment commands' references say values are the parameter's values;
    that a value must be one of the spec's `options` is what an option list means, not a
    stated or observed platform rule. Warning.
    """
    yield from _split(_deployment_findings(deployment, deployed_spec, kind), "BL411")


def _deployment_findings(deployment, deployed_spec, kind):
    """BL406's and BL411's findings together (the latter marked `Inferred`)."""
    required = kind in ("block-deployment", "app-deployment")
    if kind in ("block-deployment", "block-deployment-revision"):
        parameters = deployment.get("parameters")
        yield from _check_groups(parameters, deployed_spec.block, "", required=required,
                                 location=(deployment, Key("parameters")) if isinstance(parameters, dict) else (deployment,))
    elif kind in ("app-deployment", "app-deployment-revision"):
        if deployed_spec.app is not None:
            parameters = deployment.get("appParameters")
            yield from _check_groups(parameters, deployed_spec.app, "app ", required=required,
                                     location=(deployment, Key("parameters")) if isinstance(parameters, dict) else (deployment,))
        yield from _check_blocks(deployment.get("parameters"), deployed_spec, groups=True)
    elif kind == "fallback-parameters" and deployed_spec.block is not None:
        yield from _check_values(deployment, _spec_params(deployed_spec.block, "run"), "run parameter",
                                 _names(_spec_params(deployed_spec.block, "build")),
                                 "build parameter")
    elif kind == "parameters-patch":
        yield from _check_patch(deployment, deployed_spec)


def _check_blocks(per_block, deployed_spec, *, groups):
    if not isinstance(per_block, dict):
        return
    for block_name, values in per_block.items():
        spec_data = deployed_spec.blocks.get(block_name)
        if spec_data is None or not isinstance(values, dict):
            continue
        if groups:
            yield from _check_groups(values, spec_data, f"block '{block_name}' ", required=False, location=(values,))
        else:
            yield from _check_values(values, _spec_params(spec_data, "run"), f"block '{block_name}' run parameter")


def _check_patch(body, deployed_spec):
    """v1 `{name: value}`, v2 block `{parameters: {...}}`, v2 app `{appParameters, parameters: {block: {...}}}`."""
    if "appParameters" in body:
        values = body.get("appParameters")
        if deployed_spec.app is not None and isinstance(values, dict):
            yield from _check_values(values, _spec_params(deployed_spec.app, "run"), "app run parameter")
        yield from _check_blocks(body.get("parameters"), deployed_spec, groups=False)
        return
    if deployed_spec.block is None:
        return
    run_definitions = _spec_params(deployed_spec.block, "run")
    names = _names(run_definitions)
    values = body
    if set(body) == {"parameters"} and isinstance(body["parameters"], dict) and "parameters" not in names:
        values = body["parameters"]
    yield from _check_values(values, run_definitions, "run parameter",
                             _names(_spec_params(deployed_spec.block, "build")), "build parameter")
