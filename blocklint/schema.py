"""The packaged JSON Schemas, and schema errors turned into located, readable issues.

`schemas/press.json` holds every definition under `$defs`; each kind has `<kind>-body` (the
body given to the SDK) and `<kind>-file` (the peak CLI file). Most documents are valid, so a
jsonschema-rs check answers first; python-jsonschema, slower to import and to run, only
explains the documents that fail.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

from blocklint.engine import Key
from blocklint.engine.api import MAX_FINDINGS_PER_FILE, MAX_FINDINGS_PER_RULE
from blocklint.words import closest, did_you_mean

# The README's top-level `"x-blocklint": {"disable": [...]}` (the loader removes it before linting).
DIRECTIVE_PROPERTY = "x-blocklint"
DIRECTIVE_SCHEMA = {"$ref": "#/$defs/blocklint-directive",
                    "description": "blocklint's in-file suppression (JSON files have no comments)."}
PARAM_REF_DEFS = {"#/$defs/integer-or-param": "integer", "#/$defs/number-or-param": "number",
                  "#/$defs/boolean-or-param": "boolean"}


# Read beside this module (blocklint is installed as files, never zipped): importlib.resources
# would import tempfile, shutil and zipfile on every start (~5 ms), which only a spec with an
# artifact needs (BL804 zips it).
PRESS_SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas", "press.json")


@lru_cache(maxsize=1)
def press_schema() -> dict:
    with open(PRESS_SCHEMA_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def schema_for(kind: str, *, cli: bool = True) -> dict:
    """A self-contained schema for one kind: a peak CLI file, or a bare SDK body."""
    from blocklint.kinds import KINDS_BY_NAME

    root = press_schema()
    file_entry, body_entry = KINDS_BY_NAME[kind].schema
    entry = file_entry if cli else body_entry
    definitions = root["$defs"]
    if not cli:
        # A bare body's top level is the body itself, so it may carry the directive. Only in
        # this body-rooted copy: in the packaged file, `body.x-blocklint` stays an unknown key.
        document = dict(definitions[entry])
        document["properties"] = {**document.get("properties", {}), DIRECTIVE_PROPERTY: DIRECTIVE_SCHEMA}
        definitions = {**definitions, entry: document}
    return {
        "$schema": root["$schema"],
        "$id": f"https://blocklint.dev/schemas/{entry}.json",
        "title": definitions[entry].get("title", entry),
        "$ref": f"#/$defs/{entry}",
        "$defs": definitions,
    }


@lru_cache(maxsize=None)
def _fast_validator(kind: str, cli: bool):
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(schema_for(kind, cli=cli))


@lru_cache(maxsize=None)
def _full_validator(kind: str, cli: bool):
    import jsonschema

    bounded = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"anyOf": _any_of})
    return bounded(schema_for(kind, cli=cli))


def _any_of(validator, alternatives, instance, schema):
    """jsonschema's `anyOf`, keeping only the first errors of each branch: the stock one keeps them
    all (`parents:` with 300,000 numbers: 1.1 GB, 6 s), yet one error decides that a branch fails
    and no more than a file's cap of them would be reported."""
    from jsonschema.exceptions import ValidationError

    context = []
    for index, subschema in enumerate(alternatives):
        errors = list(islice(validator.descend(instance, subschema, schema_path=index), MAX_FINDINGS_PER_FILE + 1))
        if not errors:
            return
        context.extend(errors)
    yield ValidationError(f"{instance!r} is not valid under any of the given schemas", context=context)


class Issue(NamedTuple):  # not a frozen dataclass: ~0.8 ms less at every start
    rule: str
    path: tuple
    message: str
    suggestion: str = ""  # the one close allowed key or value the message proposes


def validate(data, kind: str, *, cli: bool) -> list[Issue]:
    """Schema issues of one document; an empty list when it is valid."""
    try:
        if _fast_validator(kind, cli).is_valid(data):
            return []
    except (ValueError, TypeError, OverflowError):
        pass  # data jsonschema-rs cannot take (non-string keys, ...): let jsonschema judge
    issues: dict[Issue, None] = {}  # in order, each once: an error may be explained once per `anyOf` branch
    for error in _full_validator(kind, cli).iter_errors(data):
        issues.update(dict.fromkeys(_explain(error)))
        if len(issues) > MAX_FINDINGS_PER_FILE:  # no more would be reported: explain no more
            break
    return list(issues)


def where(path) -> str:
    """A readable name for a node: `config.steps.load`, `parameters.run[0].options`; `body` for the
    body of a peak CLI file (its keys are named without the `body.` in front)."""
    if tuple(path) == ("body",):
        return "body"
    if path and path[0] == "body":
        path = path[1:]
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file's top level"


def _quote(value) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "a boolean (true or false)", "null": "null"}


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return f"the string {_quote(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else type(value).__name__


def _expected(types) -> str:
    types = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_NAMES.get(name, name) for name in types)


def _explain(error) -> list[Issue]:  # noqa: C901 - one branch per JSON Schema keyword
    path = tuple(error.absolute_path)
    validator = error.validator
    name = where(path)
    if validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(error.schema.get("properties", {}))
        extras = [key for key in error.instance if key not in error.schema.get("properties", {})]
        listed = f" (allowed: {', '.join(allowed)})" if 0 < len(allowed) <= 12 else ""
        return [Issue("BL101", path + (Key(key),),
                      f"unknown key '{key}' in {name}{did_you_mean(key, allowed) or listed}", closest(key, allowed))
                for key in extras[:MAX_FINDINGS_PER_RULE + 1]]  # past it, the rest is not reported
    if validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        known = error.schema.get("properties", {})
        unknown = [key for key in error.instance if isinstance(key, str) and key not in known]
        # One root mistake, one finding: a required key "missing" because it was misspelt is the
        # unknown key BL101 reports with "did you mean"; that finding is the one to fix.
        # The path names the missing key; the finding points at the mapping that lacks it.
        return [Issue("BL102", path + (key,), f"missing required key '{key}' in {name}") for key in missing
                if not any(did_you_mean(typo, [key]) for typo in unknown)]
    if validator == "type":
        return [Issue("BL103", path, f"{name} must be {_expected(error.validator_value)}, "
                                     f"not {_json_type(error.instance)}")]
    if validator in ("enum", "const"):
        allowed = error.validator_value if validator == "enum" else [error.validator_value]
        close = closest(error.instance, [a for a in allowed if isinstance(a, str)]) \
            if isinstance(error.instance, str) else ""
        hint = f"; did you mean '{close}'?" if close else ""
        shown = ", ".join(_quote(value) for value in allowed)
        return [Issue("BL104", path, f"{name} is {_quote(error.instance)}; expected {shown}{hint}", close)]
    if validator in ("anyOf", "oneOf") and error.context:
        return _explain_alternatives(error, path, name)
    return [Issue("BL105", path, f"{name}: {error.message}")]


def _branch_that_fits(error):
    """The errors of the one `anyOf`/`oneOf` branch whose shape the value has, or None.

    `status: [failed]` fails both `{type: array, items: {enum: [success, failure]}}` (inside,
    at `[0]`) and `@param:` (at the value itself, for its type): the first branch is the one
    the author meant, so its error, the item's enum, is the diagnosis."""
    branches: dict = {}
    for sub in error.context:
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(branch, []).append(sub)
    fitting = [subs for subs in branches.values() if all(sub.relative_path for sub in subs)]
    return fitting[0] if len(fitting) == 1 else None


def _explain_alternatives(error, path, name) -> list[Issue]:
    fitting = _branch_that_fits(error)
    if fitting is not None:
        return [issue for sub in fitting for issue in _explain(sub)]
    scalar_checks = {"type", "pattern", "const", "enum"}
    if all(sub.validator in scalar_checks and not sub.relative_path for sub in error.context):
        expected = []
        for option in error.validator_value:
            resolved = option
            if "$ref" in option:
                ref = option["$ref"]
                if ref == "#/$defs/param-ref":
                    expected.append('an "@param:NAME" reference')
                    continue
                resolved = press_schema()["$defs"].get(ref.rsplit("/", 1)[-1], {})
            if "type" in resolved:
                expected.append(_expected(resolved["type"]))
            elif "const" in resolved or "enum" in resolved:
                expected.append(" or ".join(_quote(v) for v in resolved.get("enum", [resolved.get("const")])))
        expected = list(dict.fromkeys(expected)) or ["a different value"]
        return [Issue("BL103", path, f"{name} must be {' or '.join(expected)}, not {_json_type(error.instance)}")]
    from jsonschema.exceptions import best_match

    return _explain(best_match(error.context))
