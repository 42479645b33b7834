"""Keys, enum values and descriptions from the packaged JSON Schema, at a node path.

The walk collects every subschema that may apply at a path (through `$ref`, `allOf`/`anyOf`/
`oneOf`, `if`/`then`/`else`, `properties`, `additionalProperties`, `patternProperties` and
`items`), so a step offers the keys of every step type and `method` its enum although the
schema hides it behind an `@param:` condition.
"""

from __future__ import annotations

import re
from functools import lru_cache

from blocklint.schema import press_schema, schema_for

_COMBINATORS = ("allOf", "anyOf", "oneOf")
_CONDITIONALS = ("then", "else")


def _resolve(schema, seen=None) -> list[dict]:
    """The schema and everything it is made of (refs and combinators followed)."""
    found: list[dict] = []
    stack = [schema]
    seen = set() if seen is None else seen
    defs = press_schema()["$defs"]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        if "$ref" in node:
            stack.append(defs.get(node["$ref"].rsplit("/", 1)[-1]))
        for key in _COMBINATORS:
            stack.extend(node.get(key, ()))
        for key in _CONDITIONALS:
            if key in node:
                stack.append(node[key])
    return found


def _children(schemas: list[dict], part) -> list[dict]:
    children = []
    for node in schemas:
        if isinstance(part, int) or part == "*":
            if isinstance(node.get("items"), dict):
                children.append(node["items"])
            continue
        properties = node.get("properties", {})
        if part in properties:
            children.append(properties[part])
            continue
        for pattern, child in node.get("patternProperties", {}).items():
            if re.search(pattern, str(part)):
                children.append(child)
        if isinstance(node.get("additionalProperties"), dict):
            children.append(node["additionalProperties"])
    return children


@lru_cache(maxsize=512)
def _at(kind: str, cli: bool, path: tuple) -> tuple:
    try:
        schemas = _resolve(schema_for(kind, cli=cli))
    except KeyError:
        return ()
    for part in path:
        children = _children(schemas, part)
        schemas = []
        seen: set = set()
        for child in children:
            schemas.extend(_resolve(child, seen))
        if not schemas:
            return ()
    return tuple(schemas)


def subschemas_at(kind: str | None, cli: bool, path) -> tuple:
    if kind is None:
        return ()
    return _at(kind, cli, tuple("*" if isinstance(part, int) else str(part) for part in path))


def keys_at(kind, cli, path) -> dict:
    """`{key: description}` of the keys a mapping at `path` may have."""
    keys: dict = {}
    for node in subschemas_at(kind, cli, path):
        for key, child in node.get("properties", {}).items():
            if not keys.get(key):
                keys[key] = _description(child)
    return keys


def enum_at(kind, cli, path) -> list:
    """The values a scalar at `path` may take (empty when the field is free)."""
    values: list = []
    for node in subschemas_at(kind, cli, path):
        for value in node.get("enum", [node["const"]] if "const" in node else []):
            if value not in values:
                values.append(value)
    return values


def description_at(kind, cli, path) -> str:
    for node in subschemas_at(kind, cli, path):
        if node.get("description"):
            return node["description"]
    return ""


def _description(schema) -> str:
    for node in _resolve(schema):
        if node.get("description"):
            return node["description"]
    return ""
