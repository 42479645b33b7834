"""Shared by the BL4xx rule modules: parameter types, definition lists, option values, inferred findings.

Not a rule module: the leading underscore keeps the engine from scanning it.
"""

from __future__ import annotations


PARAM_TYPES = ("boolean", "string", "string_array", "number", "number_array", "object", "object_array")
TYPE_WORDS = {"boolean": "a boolean", "string": "a string", "string_array": "a list of strings",
              "number": "a number", "number_array": "a list of numbers", "object": "a mapping",
              "object_array": "a list of mappings", "integer": "an integer"}


def definitions(parameters, group) -> list:
    items = parameters.get(group) if isinstance(parameters, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def names_of(definitions) -> set:
    return {d["name"] for d in definitions if isinstance(d.get("name"), str)}


def _number(item) -> bool:
    return isinstance(item, (int, float)) and not isinstance(item, bool)


def fits(param_type: str, value) -> bool:
    """Whether a value has the shape a parameter type promises (any value fits an unknown type)."""
    if param_type == "string":
        return isinstance(value, str)
    if param_type == "number":  # `_number`, inlined: asked of every option of every number parameter
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if param_type == "boolean":
        return isinstance(value, bool)
    if param_type == "object":
        return isinstance(value, dict)
    if param_type in _ITEM_TESTS:
        return isinstance(value, list) and all(_ITEM_TESTS[param_type](item) for item in value)
    return True


_ITEM_TESTS = {"string_array": lambda item: isinstance(item, str), "number_array": _number,
               "object_array": lambda item: isinstance(item, dict)}


def same_value(a, b) -> bool:
    """Equality that keeps `True` apart from `1`."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def option_values(definition) -> list | None:
    options = definition.get("options")
    if not isinstance(options, list):
        return None
    values = [option["value"] for option in options if isinstance(option, dict) and "value" in option]
    return values or None


def outside_options(definition, value) -> list:
    """The parts of `value` that are not among the definition's options."""
    allowed = option_values(definition)
    if allowed is None:
        return []
    parts = value if isinstance(value, list) and definition.get("type", "").endswith("_array") else [value]
    return [part for part in parts if not _among(part, allowed)]


def _among(value, allowed: list) -> bool:
    """Whether `same_value` finds `value` among `allowed`, without a call per option: no option
    equal to it (or the very object), none the same; else an equal one of its kind (a bool is
    the same only as a bool, anything else only as a non-bool)."""
    if value not in allowed:
        return False
    if value.__class__ is bool:
        return any(option.__class__ is bool and option == value for option in allowed)
    for option in allowed:
        if value == option and option.__class__ is not bool:
            return True
    return False


class Inferred(str):
    """A message for a check that rests on inference, reported by its own warning rule."""

    rule = ""

    def __new__(cls, rule_id: str, text: str):
        message = super().__new__(cls, text)
        message.rule = rule_id
        return message


def split_findings(findings, rule_id: str = ""):
    """The findings of one rule: "" keeps the stated ones, a rule id that rule's inferred ones."""
    for location, message in findings:
        if getattr(message, "rule", "") == rule_id:
            yield location, message


def shown(value) -> str:
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return text if len(text) <= 40 else text[:37] + "..."
