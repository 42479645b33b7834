"""Parameters marked `hideValue: true` are never answered in clear.

As on the platform (peak-sdk's describe docstrings: masked values are returned for such
parameters), every answer that carries such a parameter's value shows `MASK` instead: revision
and deployment descriptions, run parameters (GET and the PATCH answer), and the `defaultValue`
of the definition in spec and release descriptions. The values themselves stay stored: the
registry still checks and merges them.
"""

from __future__ import annotations

MASK = "*****"
GROUPS = ("build", "run")


def hidden_names(parameters) -> set:
    """The names of the parameter definitions (build and run) that set `hideValue`."""
    if not isinstance(parameters, dict):
        return set()
    return {definition.get("name") for group in GROUPS for definition in parameters.get(group) or []
            if isinstance(definition, dict) and definition.get("hideValue")}


def masked_values(values, hidden: set) -> dict:
    """`values` (name -> value) with the hidden ones replaced by `MASK`."""
    if not isinstance(values, dict):
        return values
    return {name: (MASK if name in hidden else value) for name, value in values.items()}


def masked_definitions(parameters):
    """Parameter definitions with each hidden one's `defaultValue` replaced by `MASK`."""
    if not isinstance(parameters, dict):
        return parameters
    shown = dict(parameters)
    for group in GROUPS:
        definitions = parameters.get(group)
        if isinstance(definitions, list):
            shown[group] = [{**definition, "defaultValue": MASK}
                            if isinstance(definition, dict) and definition.get("hideValue")
                            and "defaultValue" in definition else definition
                            for definition in definitions]
    return shown
