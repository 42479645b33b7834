"""Which parameter types may fill each field of a block's config, read from the packaged JSON Schema.

BL402 asks it what a `"@param:NAME"` fills; a leaf over `blocklint.schema`.
"""

from __future__ import annotations

from functools import lru_cache


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
