"""Request bodies and queries read the way peak-sdk writes them.

Block specs and releases are multipart (each text field JSON-encoded, `"null"` meaning absent,
the zip in the `artifact` part); app specs are JSON whose fields are JSON strings; app releases
are plain JSON with `parameters` beside the body. Every value is parsed by
`registry.values.parse_json` (finite numbers, 64-bit integers, bounded nesting)."""

from __future__ import annotations

from fastapi import Request

from blocklint.registry.errors import Invalid, NotFound
from blocklint.registry.values import parse_json

FAMILIES = ("blocks", "apps")
MAX_FIELD_BYTES = 2**20  # one form field (the spec, its parameters): far above any real spec
MAX_FORM_FIELDS = 32
MAX_FORM_FILES = 2


def family_of(value: str) -> str:
    if value not in FAMILIES:
        raise NotFound(f"no such resource: v1/{value}")
    return value


def decoded(value, what: str):
    """A JSON-encoded form or body field ("null" and a missing field are None)."""
    if value is None or not isinstance(value, str):
        return value
    return parse_json(value, f"field {what!r}")


def text_field(value):
    """A plain-text form field; peak-sdk writes an absent one as "null"."""
    return None if value in (None, "", "null") else value


def validate_only(request: Request) -> bool:
    return request.query_params.get("validate", "").lower() == "true"


def page_args(request: Request, *names: str, lists=("status", "scope", "sort", "kind")) -> dict:
    query = request.query_params
    args = {"page_size": query.get("pageSize"), "page_number": query.get("pageNumber")}
    for name in names:
        if name in lists:
            values = query.getlist(name) or query.getlist(f"{name}[]")
            args[name] = values or None
        else:
            args[name] = query.get(name)
    return args


async def json_body(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise Invalid("the request body must be a JSON object")
    return value


async def spec_fields(request: Request) -> tuple[dict, bytes | None]:
    """The fields of a block spec create or release, multipart as peak-sdk sends it (or JSON)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/"):
        return await json_body(request), None
    try:
        form = await request.form(max_part_size=MAX_FIELD_BYTES, max_fields=MAX_FORM_FIELDS,
                                  max_files=MAX_FORM_FILES)
    except (KeyError, ValueError, AssertionError, UnicodeDecodeError, LookupError) as error:
        # python-multipart's own errors are 400s already; these are a missing boundary and the like
        raise Invalid(f"the multipart body is malformed ({type(error).__name__})") from None
    try:
        fields, artifact = {}, None
        for key, value in form.multi_items():
            if hasattr(value, "read"):
                if key == "artifact":
                    artifact = await value.read()  # at most the upload limit; the registry caps it at 10 MiB
                continue
            fields[key] = value
    finally:
        await form.close()  # the spooled upload's temporary file goes now, whatever happens next
    return fields, artifact
