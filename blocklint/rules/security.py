"""BL7xx: secrets and transport security. No message ever repeats a secret: the detector
(`blocklint.secrets`) masks what it finds, and the output boundary masks it again."""

from __future__ import annotations

import re

from blocklint import CERTAIN_HARM, INFERRED, Key, is_param_ref, rule
from blocklint.fixtures import strings_are_source_pieces
from blocklint.load import native
from blocklint.secrets import CANDIDATE, find_credentials, looks_secret, may_hold_credentials

# The detect-secrets pragma: a line a team has already reviewed and allowlisted.
ALLOWLIST_PRAGMA = re.compile(r"pragma:\s*allowlist[ -]secret", re.I)


def _candidates(node) -> list:
    """(container, key-or-index, is_key, name, text) for every string value and key that may
    hold a credential (16 characters or more, of a shape `CANDIDATE` finds), iteratively.

    One list, not a generator: a spec holds hundreds of strings and few are candidates. A
    mapping or list reached twice (a YAML alias repeats the anchored object) is walked once: an
    alias bomb costs what its distinct nodes cost."""
    found = []
    search = CANDIDATE.search
    stack = [(node, None)]
    seen: set = set()
    while stack:
        current, name = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, dict):
            for key, value in current.items():
                if isinstance(key, str) and len(key) >= 16 and search(key):
                    found.append((current, key, True, None, key))
                if isinstance(value, str):
                    if len(value) >= 16 and search(value):
                        found.append((current, key, False, key, value))
                elif isinstance(value, (dict, list)):
                    stack.append((value, key))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, str):
                    if len(value) >= 16 and search(value):
                        found.append((current, index, False, name, value))
                elif isinstance(value, (dict, list)):
                    stack.append((value, name))
    return found


def _allowlisted(doc, path) -> bool:
    lines = doc.source_lines
    span = doc.span_of(tuple(path), key=bool(path) and isinstance(path[-1], Key))
    return any(0 <= line < len(lines) and ALLOWLIST_PRAGMA.search(lines[line])
               for line in range(span.line, span.end_line + 1))


@rule("BL701", "literal-credential", evidence=CERTAIN_HARM)
def literal_credential(data, doc):
    """A credential written into the file: a token, key, private key or password.

    Every string value and key in the file is scanned for token shapes (GitHub `ghp_`/
    `github_pat_`, AWS `AKIA…` and secret keys, Slack `xox…` and webhook URLs, JSON Web Tokens,
    PEM private key blocks (a GCP service account JSON's `private_key`) and its `private_key_id`,
    Stripe `sk_live_`, Google `AIza…`, Azure storage `AccountKey=` and SAS `sig=`, Databricks
    `dapi…`, OpenAI `sk-…`, Hugging Face `hf_…`, Snowflake OAuth `ver:1-hint:…`), passwords in
    URLs (`https://user:pass@host`) and connection strings (`password=`), and long high-entropy
    strings. Messages show only a masked form
    (`ghp_…, 40 chars`), and the text report masks the value in the quoted source line. A line
    carrying detect-secrets' `# pragma: allowlist secret` is skipped, as that tool does.

    Not credentials: secret *names* (`secrets: [GITHUB_TOKEN]`, `clientSecret: client-secret`),
    UUIDs, versions, `@param:` references and `{{ }}` placeholders.

    ## Why is this bad?
    Spec files live in git and are uploaded to the platform, where any user of the tenant can
    read the spec: the credential leaks to everyone with access to either, for good.

    ## Example
    ```yaml
        images:
          app:
            buildArguments:
              GITHUB_TOKEN: ghp_…
    ```
    Fixed: create a tenant secret and name it: `secrets: [GITHUB_TOKEN]` (then revoke the
    leaked token).

    ## Source
    Certain harm (an error, though the platform accepts the file, so `blocklint serve` does not
    refuse it): `peak blocks specs create` input file schema: the credential fields of an http
    step's `auth` hold "the name of a secret", and steps take `secrets (list(str))` names; a
    literal token in the file is stored in the spec for anyone who can describe it.
    """
    if strings_are_source_pieces(doc) and not may_hold_credentials(doc.source, native):
        return  # one pass over the source instead of a walk of every string
    scanned: dict = {}  # (text, secret_key) -> descriptions: each distinct scalar is scanned once
    reported: set = set()  # ids of strings already reported: an alias repeats the anchored object
    for container, key, is_key, name, text in _candidates(data):
        if is_param_ref(text):
            continue
        secret_key = looks_secret(name)
        if (text, secret_key) not in scanned:
            scanned[(text, secret_key)] = find_credentials(text, secret_key=secret_key)
        found = scanned[(text, secret_key)]
        if not found or id(text) in reported:
            continue
        location = (container, Key(key)) if is_key else (container, key)
        if not _allowlisted(doc, (*(doc.path_of(container) or ()), location[1])):
            reported.add(id(text))
            for description in dict.fromkeys(found):
                yield location, f"{'key' if is_key else 'value'} holds {description}; use a platform secret instead"


def _literal(value) -> bool:
    if value is None or isinstance(value, (dict, list)):
        return False
    if isinstance(value, str):
        stripped = value.strip()
        return bool(stripped) and not is_param_ref(stripped) and "{{" not in stripped
    return True


def _env_mappings(config):
    """(label, `parameters.env` mapping) of the service and of every step."""
    holders = [("service", config)]
    steps = config.get("steps")
    if isinstance(steps, dict):
        holders += [(f"step {name!r}", step) for name, step in steps.items() if isinstance(step, dict)]
    for label, holder in holders:
        parameters = holder.get("parameters")
        env = parameters.get("env") if isinstance(parameters, dict) else None
        if isinstance(env, dict):
            yield label, env


@rule("BL702", "secret-like-key-with-literal-value", evidence=INFERRED)
def secret_like_key_with_literal_value(config, doc, image_builds):
    """A build argument or environment variable named like a secret holds a literal value.

    Keys of `buildArguments` (images) and `parameters.env` (steps and services) whose name
    says token, password, secret, credential or api/access/private key.

    ## Why is this bad?
    Whatever the value, it is stored in the spec in clear text for everyone who can read the
    spec; build arguments also end up in the image's history. Secrets are what the platform
    keeps encrypted and injects at run or build time.

    ## Example
    ```yaml
        images:
          app:
            buildArguments:
              npm_token: random_token
    ```
    Fixed: create a tenant secret `NPM_TOKEN` and list it: `secrets: [NPM_TOKEN]` (for env
    variables, `parameters.secrets: [NPM_TOKEN]`).

    ## Source
    Inference: a name like `API_KEY` suggests a secret, but the value may be harmless. Warning.
    """
    for label, image in image_builds:
        arguments = image.get("buildArguments")
        for name, value in arguments.items() if isinstance(arguments, dict) else ():
            if looks_secret(name) and _literal(value) and not _allowlisted(doc, doc.path_of(arguments) + (name,)):
                yield (arguments, Key(name)), (f"build argument {name!r} of {label} looks like a secret but holds a "
                                               "literal value; list a platform secret under the image's `secrets` instead")
    for label, env in _env_mappings(config):
        for name, value in env.items():
            if looks_secret(name) and _literal(value) and not _allowlisted(doc, doc.path_of(env) + (name,)):
                yield (env, Key(name)), (f"environment variable {name!r} of {label} looks like a secret but holds a "
                                         "literal value; list a platform secret under `parameters.secrets` instead")


def _plain_http(value) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("http://")


@rule("BL703", "plain-http-url", evidence=INFERRED)
def plain_http_url(workflow):
    """An `http://` URL (not https) for a webhook watcher, an http step or an OAuth `authUrl`.

    ## Why is this bad?
    Payloads, tokens and the OAuth client secret travel in clear text and can be read or
    altered on the way.

    ## Example
    ```yaml
          - webhook:
              name: ops
              url: http://hooks.example.com/run-finished
    ```
    Fixed: `url: https://hooks.example.com/run-finished`.

    ## Source
    Inference: plain http sends payloads and credentials unencrypted; the platform accepts it.
    Warning.
    """
    watchers = workflow.get("watchers")
    for watcher in watchers if isinstance(watchers, list) else ():
        webhook = watcher.get("webhook") if isinstance(watcher, dict) else None
        if isinstance(webhook, dict) and _plain_http(webhook.get("url")):
            yield (webhook, "url"), "webhook url uses http://; use https:// so the payload is encrypted"
    steps = workflow.get("steps")
    for step in steps.values() if isinstance(steps, dict) else ():
        if not isinstance(step, dict) or step.get("type") != "http":
            continue
        if _plain_http(step.get("url")):
            yield (step, "url"), "http step url uses http://; use https:// so the request is encrypted"
        auth = step.get("auth")
        if isinstance(auth, dict) and _plain_http(auth.get("authUrl")):
            yield (auth, "authUrl"), "authUrl uses http://; the client secret would travel in clear text: use https://"
