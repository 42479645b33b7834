"""BL406/BL411: deployment, revision, parameter-patch and fallback values against the spec they deploy."""

from __future__ import annotations

import os

from blocklint import kinds
from blocklint import DOCUMENTED, INFERRED, Key, did_you_mean, fixture, rule
from blocklint.rules._params import (PARAM_TYPES, TYPE_WORDS, Inferred, definitions, fits, names_of, option_values,
                                     outside_options, shown, split_findings)


@fixture
def deployed_spec(r):
    """The spec a deployment, revision, parameter patch or fallback file deploys, when known
    (`blocklint.specs.RelatedSpecs.deployed_spec`: `--spec` files, the run's own specs, the local
    registry by the deployment's `spec.id`)."""
    if r.doc.kind not in kinds.DEPLOYMENT_KINDS or not isinstance(r.get("deployment"), dict):
        return None
    specs = r.settings.specs
    if specs is None:
        return None
    return specs.deployed_spec(r.doc.kind, r.get("deployment"), base=os.path.dirname(r.doc.path) or ".",
                               source=r.doc.source)


def _spec_params(data, group) -> list:
    return definitions(data.get("parameters") if isinstance(data, dict) else None, group)


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
    outside = outside_options(definition, value)
    if outside:
        allowed = ", ".join(map(shown, option_values(definition)))
        yield (container, key), Inferred("BL411", f"{shown(outside[0])} is not an option of {label} "
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
        other = names_of(_spec_params(spec_data, other_group))
        if values is not None:
            yield from _check_values(values, definitions, f"{prefix}{group} parameter",
                                     other, f"{prefix}{other_group} parameter")
        if required:
            where = (container, Key(group)) if values is not None else location
            yield from _missing_required(values or {}, definitions, f"{prefix}{group} parameter", where)


@rule("BL406", "invalid-deployment-value", evidence=DOCUMENTED)
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
    Documented platform rejection: `peak blocks deployments create` / `create-revision` and the app
    commands' input file schemas: `parameters.build`/`run` "Keys are parameter names" (of the spec),
    values typed as the spec declares. Checked against `--spec` or the registry. Error for unknown
    names, wrong types and missing required values; values outside `options` are BL411 (inferred,
    warning).
    """
    yield from split_findings(_deployment_findings(deployment, deployed_spec, kind))


@rule("BL411", "deployment-value-not-an-option", evidence=INFERRED)
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
    yield from split_findings(_deployment_findings(deployment, deployed_spec, kind), "BL411")


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
                                 names_of(_spec_params(deployed_spec.block, "build")),
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
    names = names_of(run_definitions)
    values = body
    if set(body) == {"parameters"} and isinstance(body["parameters"], dict) and "parameters" not in names:
        values = body["parameters"]
    yield from _check_values(values, run_definitions, "run parameter",
                             names_of(_spec_params(deployed_spec.block, "build")), "build parameter")
