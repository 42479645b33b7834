"""BL404/BL405/BL407-BL410/BL412/BL413/BL615: parameter definitions and their conditions."""

from __future__ import annotations

from blocklint import DOCUMENTED, INFERRED, Key, Suggestion, closest, did_you_mean, fixture, rule
from blocklint.rules._params import (PARAM_TYPES, TYPE_WORDS, Inferred, definitions, fits, option_values,
                                     outside_options, shown)


ELEMENT_TYPES = {"string_array": "string", "number_array": "number"}


def _check_definition(definition, label, found: list) -> None:
    """Append to `found` what in `definition` (and its nested `properties`) contradicts its own
    `type`, named `label` in the messages: appended, not yielded, so a check costs no generator
    per definition (the findings before an error stay in `found`)."""
    param_type = definition.get("type")
    if param_type not in PARAM_TYPES:
        return
    options = definition.get("options")
    options = options if isinstance(options, list) else None  # without a list, no default is outside them
    default = definition.get("defaultValue")
    if default is not None:
        if not fits(param_type, default):
            found.append(((definition, "defaultValue"), (f"defaultValue of {label} should be {TYPE_WORDS[param_type]} "
                                                         f"(its type is {param_type})")))
        elif options is not None:
            for part in outside_options(definition, default):
                found.append(((definition, "defaultValue"), Inferred("BL410", (
                    f"defaultValue {shown(part)} of {label} is not one of its "
                    f"options ({', '.join(map(shown, option_values(definition)))})"))))
    element_type = ELEMENT_TYPES.get(param_type, param_type)
    for option in options or ():
        if isinstance(option, dict) and "value" in option:
            if not fits(element_type, option["value"]) and not fits(param_type, option["value"]):
                found.append(((option, "value"), (f"option value {shown(option['value'])} of {label} should be "
                                                  f"{TYPE_WORDS[element_type]} (its type is {param_type})")))
    if definition.get("hideValue") is True and param_type != "string":
        found.append(((definition, Key("hideValue")), Inferred("BL412", (
            f"hideValue only applies to string parameters; {label} is {param_type}: remove it"))))
    properties = definition.get("properties")
    if param_type in ("object", "object_array") and not (isinstance(properties, list) and properties):
        found.append(((definition, Key("type")), Inferred("BL409", (
            f"{label} is of type {param_type} but declares no 'properties'; list its fields under 'properties'"))))
    for nested in properties if isinstance(properties, list) else ():
        if isinstance(nested, dict):
            _check_definition(nested, f"property '{nested.get('name')}' of {label}", found)


@fixture
def definition_checks(r):
    """What `_check_definition` found in each parameter definition of the document, filled in as
    the rules ask (`_share`): BL404, BL409, BL410 and BL412 each report their share of one
    check, so each definition is checked once rather than once per rule."""
    return {}


def _share(definition_checks: dict, definition: dict, group: str, rule_id: str = ""):
    """One rule's findings of a definition (`split_findings`: "" keeps the stated ones, a rule id
    that rule's inferred ones), of one check for all four rules: keyed by group too, since an
    alias may list a definition in both. An error that stopped the check is raised again, after
    the findings before it, for every rule that shares it."""
    key = (id(definition), group)
    known = definition_checks.get(key)
    if known is None:
        findings: list = []
        error = None
        try:
            _check_definition(definition, f"{group} parameter '{definition.get('name')}'", findings)
        except Exception as raised:  # noqa: BLE001 - each sharing rule reports it as its own crash
            error = raised
        shares: dict = {}  # as `split_findings` tells them apart, in one pass
        for finding in findings:
            shares.setdefault(getattr(finding[1], "rule", ""), []).append(finding)
        known = definition_checks[key] = (shares, error)
    shares, error = known
    share = shares.get(rule_id, ())
    return share if error is None else _then_raise(share, error)


def _then_raise(findings: list, error: Exception):
    yield from findings
    raise error


@rule("BL404", "invalid-parameter-definition", evidence=INFERRED)
def invalid_parameter_definition(param, param_group, definition_checks):
    """A parameter definition that contradicts its own `type`.

    Checked: `defaultValue` and every `options[].value` fit `type` (`number_array` holds
    numbers, `object` is a mapping, ...). Nested `properties` are checked the same way. A
    default outside the options (BL410), `hideValue` on a non-string (BL412) and an `object`
    without `properties` (BL409) are warnings of their own.

    ## Why is this bad?
    The deployment form offers a default (or an option) of another type than the parameter
    takes, and the block receives a value of a type it does not expect.

    ## Example
    ```yaml
        - name: retries
          type: number
          required: false
          defaultValue: "3"
    ```
    Fixed: `defaultValue: 3`.

    ## Source
    Inference (a warning): the peak CLI types `defaultValue` loosely, `defaultValue (string |
    required: false)` for every parameter type, and `options (list(str))`, though it says each
    option has a "title" and a "value"; only the SDK samples (`peak/sample_yaml/press/**`) type
    every `defaultValue` and option `value` like the parameter's `type`, and
    `peak/press/wrappers/deploy/utils/parameters_utils.py` hands the default to the block as
    its value. No source says the platform refuses another type.
    """
    return _share(definition_checks, param, param_group)


@rule("BL409", "object-parameter-without-properties", evidence=INFERRED)
def object_parameter_without_properties(param, param_group, definition_checks):
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
    return _share(definition_checks, param, param_group, "BL409")


@rule("BL410", "default-not-an-option", evidence=INFERRED)
def default_not_an_option(param, param_group, definition_checks):
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
    return _share(definition_checks, param, param_group, "BL410")


@rule("BL412", "hide-value-on-non-string", evidence=INFERRED)
def hide_value_on_non_string(param, param_group, definition_checks):
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
    return _share(definition_checks, param, param_group, "BL412")


@rule("BL615", "conditions-without-condition-type", evidence=DOCUMENTED)
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
    Documented platform rejection: `peak blocks specs create` (and the app commands) input file
    schema, parameter `conditions`: "Conditions on two or more parameters should be used with
    conditionType \"AND\" or \"OR\"". Error: the source states it.
    """
    conditions = param.get("conditions")
    if not isinstance(conditions, list):
        return None  # most parameters have no conditions: answered without a generator
    basic = [item for item in conditions if isinstance(item, dict) and "conditionType" not in item
             and "conditions" not in item and isinstance(item.get("dependsOn"), str)]
    names = list(dict.fromkeys(item["dependsOn"] for item in basic))
    if len(names) < 2:
        return None
    second = next(item for item in basic if item["dependsOn"] == names[1])
    listed = ", ".join(repr(name) for name in names)
    return [((second, "dependsOn"), (f"conditions on {len(names)} parameters ({listed}) need a conditionType: "
                                     "put them in one `{conditionType: AND, conditions: [...]}` (or OR)"))]


@rule("BL405", "duplicate-parameter-name", evidence=INFERRED)
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
        for index, definition in enumerate(definitions(parameters, group)):
            name = definition.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                yield (definition, "name"), (f"{group} parameter '{name}' is declared twice "
                                             f"(first at parameters.{group}[{seen[name]}]); rename or remove one")
            else:
                seen[name] = index


@rule("BL408", "parameter-in-build-and-run", evidence=INFERRED)
def parameter_in_build_and_run(parameters, build_params):
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
    for definition in definitions(parameters, "run"):  # `build_params`: the build names, listed once per document
        name = definition.get("name")
        if isinstance(name, str) and name in build_params:
            yield (definition, "name"), (f"'{name}' is both a build and a run parameter; give one of them "
                                         "another name")


def _conditions(conditions: list) -> list:
    """Every basic condition, composite ones flattened."""
    found = []
    stack = list(reversed(conditions))
    while stack:
        condition = stack.pop()
        if not isinstance(condition, dict):
            continue
        if isinstance(condition.get("conditions"), list):
            stack.extend(reversed(condition["conditions"]))
        if "dependsOn" in condition:
            found.append(condition)
    return found


@rule("BL407", "condition-on-unknown-parameter", evidence=DOCUMENTED)
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
    Documented platform rejection: `peak blocks specs create` input file schema, parameter
    `conditions[].dependsOn`: "Name of the parameter that this parameter depends on". Error. A
    parameter of the other group is BL413 (inferred, a warning).
    """
    conditions = param.get("conditions")
    if not isinstance(conditions, list):
        return None  # most parameters have no conditions: answered without a generator
    same, other = (build_params, run_params) if param_group == "build" else (run_params, build_params)
    found = []
    for condition in _conditions(conditions):
        name = condition["dependsOn"]
        if not isinstance(name, str):
            continue
        if name == param.get("name"):
            found.append(((condition, "dependsOn"), f"parameter '{name}' cannot depend on itself"))
        elif name not in same and name not in other:
            found.append(((condition, "dependsOn"), (f"dependsOn '{name}' names no parameter of the spec"
                                                     f"{did_you_mean(name, [*same, *other])}"),
                          Suggestion(closest(name, [*same, *other]))))
    return found


@rule("BL413", "condition-on-other-group-parameter", evidence=INFERRED)
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
    conditions = param.get("conditions")
    if not isinstance(conditions, list):
        return None  # most parameters have no conditions: answered without a generator
    same, other = (build_params, run_params) if param_group == "build" else (run_params, build_params)
    other_group = "run" if param_group == "build" else "build"
    return [((condition, "dependsOn"), (f"dependsOn '{name}' is a {other_group} parameter, and this is a "
                                        f"{param_group} parameter; conditions across the groups may not be "
                                        "evaluated"))
            for condition in _conditions(conditions)
            if isinstance(name := condition["dependsOn"], str) and name != param.get("name") and name not in same
            and name in other]
