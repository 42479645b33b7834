"""BL7xx: secrets and transport security. No message ever repeats a secret: see `mask`."""

from __future__ import annotations

import math
import re
from collections import Counter

from blocklint import WARNING, Key, image_definitions, is_param_ref, rule

# The detect-secrets pragma: a line a team has already reviewed and allowlisted.
ALLOWLIST_PRAGMA = re.compile(r"pragma:\s*allowlist[ -]secret", re.I)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
PLACEHOLDER_PASSWORD = re.compile(r"^(?:\{\{.*\}\}|\$\{.*\}|\$[A-Z_][A-Z0-9_]*|<[^>]*>|%[sd]|\*+|x+|\.\.\.|@param:.*)$", re.I)

# (what it is, pattern, the group holding the public prefix shown in the message)
TOKEN_SHAPES = (
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9_])(gh[pousr]_)[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])")),
    ("GitHub fine-grained token", re.compile(r"(?<![A-Za-z0-9_])(github_pat_)[A-Za-z0-9_]{22,255}")),
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])((?:AKIA|ASIA|ABIA|ACCA))[A-Z0-9]{16}(?![A-Z0-9])")),
    ("Slack token", re.compile(r"(?<![A-Za-z0-9])(xox[abposr]-)[A-Za-z0-9-]{10,}")),
    ("Slack webhook URL", re.compile(r"(https://hooks\.slack\.com/services/)T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+")),
    ("JSON Web Token", re.compile(r"(?<![A-Za-z0-9_-])(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("Stripe live key", re.compile(r"(?<![A-Za-z0-9])((?:sk|rk)_live_)[0-9A-Za-z]{20,}")),
    ("Google API key", re.compile(r"(?<![A-Za-z0-9_-])(AIza)[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")),
)
# The whole block, to its END line (or the end of the text), so its body is not reported again.
PRIVATE_KEY = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
                         r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)", re.S)
URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]*://)([^/\s:@]+):([^/\s@]+)@([^/\s?#]+)", re.I)
AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
HIGH_ENTROPY = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
HEX = re.compile(r"^[0-9a-fA-F]+$")
# Name parts that make a key look like it holds a secret; `key` alone does not (`key1`, `sort_key`).
SECRET_WORDS = frozenset({"token", "tokens", "password", "passwords", "passwd", "pwd", "secret", "secrets",
                          "credential", "credentials", "passphrase", "apikey", "privatekey", "accesskey"})
KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "signing", "encryption", "ssh", "auth", "master",
                            "client"})


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def mask(prefix: str, secret: str) -> str:
    """A masked form for messages: the public prefix only, and the length."""
    return f"{prefix}…({len(secret)} chars)"


def _mixed(text: str) -> bool:
    return any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text)


def name_words(name: str) -> list[str]:
    """`npmToken`, `NPM_TOKEN`, `npm-token` -> ['npm', 'token']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


def looks_secret(name) -> bool:
    """Whether a key names a secret: token, password, secret, credential, api key, ..."""
    if not isinstance(name, str):
        return False
    words = name_words(name)
    if any(word in SECRET_WORDS for word in words):
        return True
    return any(word == "key" and index and words[index - 1] in KEY_QUALIFIERS for index, word in enumerate(words))


def find_credentials(text: str, *, secret_key: bool = False) -> list[str]:
    """Descriptions (with the value masked) of the credentials in `text`."""
    found: list[str] = []
    taken: list[tuple[int, int]] = []

    def add(match, description):
        taken.append(match.span())
        found.append(description)

    for what, pattern in TOKEN_SHAPES:
        article = "an" if what[0] in "AEIOU" else "a"
        for match in pattern.finditer(text):
            add(match, f"{article} {what} ({mask(match.group(1), match.group(0))})")
    for match in PRIVATE_KEY.finditer(text):
        add(match, f"a PEM private key block (-----BEGIN {match.group(1)}PRIVATE KEY-----…)")
    for match in URL_PASSWORD.finditer(text):
        password = match.group(3)
        if not PLACEHOLDER_PASSWORD.match(password):
            add(match, f"a password in a URL ({match.group(1)}{match.group(2)}:…@{match.group(4)})")

    def free(match):
        start, end = match.span()
        return not any(start < other_end and other_start < end for other_start, other_end in taken)

    for match in AWS_SECRET.finditer(text):
        candidate = match.group(0)
        if free(match) and _mixed(candidate) and entropy(candidate) >= 4.2:
            add(match, f"an AWS-style secret access key ({mask('', candidate)})")
    for match in HIGH_ENTROPY.finditer(text):
        candidate = match.group(0).strip("-_=")
        if not free(match) or UUID.match(candidate) or len(candidate) < 32:
            continue
        if HEX.match(candidate):
            suspicious = secret_key and entropy(candidate) >= 3.0
        else:
            suspicious = _mixed(candidate) and entropy(candidate) >= 4.3
        if suspicious:
            add(match, f"a high-entropy string that looks like a key or token ({mask('', candidate)})")
    return found


# Every credential shape above needs one of these; most strings in a spec have none.
CANDIDATE = re.compile(r"[A-Za-z0-9+/=_-]{16}|-----BEGIN|://[^\s/]*@")


def _walk(node):
    """(container, key-or-index, is_key, name, text) for every string value and key, iteratively.

    A mapping or list reached twice (a YAML alias repeats the anchored object) is walked once:
    an alias bomb costs what its distinct nodes cost."""
    stack = [(node, None)]
    seen: set = set()
    while stack:
        current, name = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, dict):
            for key, value in current.items():
                if isinstance(key, str):
                    yield current, key, True, None, key
                if isinstance(value, str):
                    yield current, key, False, key, value
                elif isinstance(value, (dict, list)):
                    stack.append((value, key))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, str):
                    yield current, index, False, name, value
                elif isinstance(value, (dict, list)):
                    stack.append((value, name))


def _allowlisted(doc, path) -> bool:
    lines = doc.source_lines
    span = doc.span_of(tuple(path), key=bool(path) and isinstance(path[-1], Key))
    return any(0 <= line < len(lines) and ALLOWLIST_PRAGMA.search(lines[line])
               for line in range(span.line, span.end_line + 1))


@rule("BL701", "literal-credential")
def literal_credential(data, doc):
    """A credential written into the file: a token, key, private key or password.

    Every string value and key in the file is scanned for token shapes (GitHub `ghp_`/
    `github_pat_`, AWS `AKIA…` and secret keys, Slack `xox…` and webhook URLs, JSON Web Tokens,
    PEM private key blocks, Stripe `sk_live_`, Google `AIza…`), passwords in URLs
    (`https://user:pass@host`) and long high-entropy strings. Messages show only a masked form
    (`ghp_…(40 chars)`), and the text report masks the value in the quoted source line. A line
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
    `peak blocks specs create` input file schema: the credential fields of an http step's `auth`
    hold "the name of a secret", and steps take `secrets (list(str))` names; a literal token in
    the file is stored in the spec for anyone who can describe it. Error: a security finding;
    the platform accepts the file, the harm is certain.
    """
    scanned: dict = {}  # (text, secret_key) -> descriptions: each distinct scalar is scanned once
    reported: set = set()  # ids of strings already reported: an alias repeats the anchored object
    for container, key, is_key, name, text in _walk(data):
        if len(text) < 16 or not CANDIDATE.search(text) or is_param_ref(text):
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


@rule("BL702", "secret-like-key-with-literal-value", severity=WARNING)
def secret_like_key_with_literal_value(config, doc):
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
    for label, image in image_definitions(config):
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


@rule("BL703", "plain-http-url", severity=WARNING)
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
