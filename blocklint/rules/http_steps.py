"""BL609, BL617: http steps: url, auth, JSON payload and its placeholders."""

from __future__ import annotations

import re

from blocklint import AS_WRITTEN, DOCUMENTED, INFERRED, did_you_mean, is_param_ref, rule
from blocklint.rules._values import http_url_problem

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
AUTH_FIELDS = {
    "oauth": ("clientId", "clientSecret", "authUrl"),
    "basic": ("username", "password"),
    "api-key": ("apiKey",),
    "bearer-token": ("bearerToken",),
}


def json_problem(payload: str) -> str | None:
    """Why a literal payload is not JSON, or None. `{{name}}` placeholders, filled in by the
    platform, are read as a value (`0`), so both `"{{id}}"` and `{"n": {{count}}}` parse."""
    import json

    try:
        json.loads(PLACEHOLDER.sub("0", payload))
    except json.JSONDecodeError as error:
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    except RecursionError:
        return "nested too deeply"
    return None


@rule("BL609", "http-step-invalid", evidence=DOCUMENTED, also=(AS_WRITTEN,))
def http_step_invalid(step):
    """An http step with a bad `url`, missing `auth` fields, or a payload that is not JSON.

    - `url` must be an absolute http(s) URL (an error).
    - `auth` needs the fields of its `type`: `oauth` clientId, clientSecret, authUrl; `basic`
      username, password; `api-key` apiKey; `bearer-token` bearerToken (an error).
    - A literal `payload` should be JSON ("Stringified JSON payload"), reading each `{{name}}`
      placeholder as a value. A warning: Press accepts the step and the request goes out as
      written (the SDK's own notebook has a payload with a trailing comma).

    A placeholder that names no input is BL617 (a warning).

    ## Why is this bad?
    The platform rejects a step without a usable url or credentials. A payload that is not
    JSON is sent as it is, and its receiver may not parse it.

    ## Example
    ```yaml
          notify:
            type: http
            method: post
            url: /hooks/run-finished
            payload: '{"run": "{{run_id}}",}'
    ```
    Fixed: `url: https://example.com/hooks/run-finished` and `payload: '{"run": "{{run_id}}"}'`.

    ## Source
    Documented platform rejection (an error): `peak blocks specs create` input file schema, http
    step: `method` and `url` "The URL to make the HTTP API call to" are required; auth fields
    "Required when type is oauth" (basic, api-key, bearer-token likewise). Sent as written (a
    warning): `payload` is "Stringified JSON payload", but no source says Press refuses other
    text, and Press accepts the SDK notebook's workflow, whose payload has a trailing comma
    among its `{{ }}` placeholders (its `create_spec` call).
    """
    if step.get("type") != "http":
        return
    url = step.get("url")
    if isinstance(url, str) and not is_param_ref(url) and (problem := http_url_problem(url)):
        yield ("url",), f"http step url {url!r} {problem}"
    auth = step.get("auth")
    auth_type = auth.get("type") if isinstance(auth, dict) else None
    if isinstance(auth_type, str):
        missing = [field for field in AUTH_FIELDS.get(auth_type, ()) if auth.get(field) in (None, "")]
        if missing:
            yield (auth,), f"auth type {auth_type!r} needs {', '.join(missing)}"
    payload = step.get("payload")
    if isinstance(payload, str) and not is_param_ref(payload) and (problem := json_problem(payload)):
        yield ("payload",), (f"payload is not valid JSON ({problem}); the request goes out as written, so its "
                             "receiver may not parse it: the reference documents it as stringified JSON"), AS_WRITTEN


@rule("BL617", "http-payload-unknown-placeholder", evidence=INFERRED)
def http_payload_unknown_placeholder(step):
    """A `{{name}}` in an http step's `payload` that names no `parameters.inherit` key and no `parameters.secrets` entry.

    ## Why is this bad?
    The step's only inputs are its inherited output parameters and its secrets; a placeholder
    that names neither is probably a typo, and the call may go out with a literal `{{name}}`
    (or an empty value) in its body.

    ## Example
    ```yaml
          notify:
            type: http
            method: post
            url: https://example.com/hook
            payload: '{"run": "{{run_id}}"}'
    ```
    Fixed: `parameters: {inherit: {run_id: RUN_ID}}` (or list `run_id` under `parameters.secrets`).

    ## Source
    Inference: `peak blocks specs create` documents `parameters.inherit` ("key is the name of
    the env and value is the name of the output parameter") and `secrets` for http steps, but
    not how payload placeholders are filled. Warning.
    """
    if step.get("type") != "http":
        return
    payload = step.get("payload")
    if isinstance(payload, str) and "{{" in payload:
        parameters = step.get("parameters") if isinstance(step.get("parameters"), dict) else {}
        inherit = parameters.get("inherit")
        secrets = parameters.get("secrets")
        known = set(inherit if isinstance(inherit, dict) else ()) | {
            item for item in (secrets if isinstance(secrets, list) else ()) if isinstance(item, str)}
        for name in dict.fromkeys(PLACEHOLDER.findall(payload)):
            if name not in known:
                yield ("payload",), (f"payload placeholder {{{{{name}}}}} names no `parameters.inherit` key "
                                     f"and no `parameters.secrets` entry{did_you_mean(name, known)}")
