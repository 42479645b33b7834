"""BL6xx: services, watchers, scope, releases, http steps, app specs and metadata names.

Every rule here reads values of any type: what is not of the expected type is skipped
quietly (the BL1xx schema rules report types). `"@param:NAME"` values are filled in by the
platform at deployment time, so they are never judged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from blocklint import kinds
from blocklint.engine import Key, rule
from blocklint.findings import WARNING
from blocklint.fixtures import did_you_mean, fixture, image_definitions, is_param_ref
from blocklint.semver import is_semver, semver_key

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
# Digits and a size unit; any case (the seeds write `10GB` and `10Mb`), `i` for binary units.
STORAGE = re.compile(r"^\d+(?:\.\d+)?(?:[kmgt]i?b?)$", re.I)
METADATA_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
AUTH_FIELDS = {
    "oauth": ("clientId", "clientSecret", "authUrl"),
    "basic": ("username", "password"),
    "api-key": ("apiKey",),
    "bearer-token": ("bearerToken",),
}
RELEASE_KINDS = ("block-spec-release", "app-spec-release")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def http_url_problem(url: str) -> str | None:
    """Why `url` is not an absolute http(s) URL, or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an absolute http(s) URL" if parts.scheme else "is not an absolute http(s) URL (no scheme)"
    if not parts.netloc or parts.netloc.startswith("@"):
        return "has no host"
    if any(char.isspace() for char in url.strip()):
        return "contains spaces"
    return None


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


# --- BL601-BL604: services and ranges ---------------------------------------------------


@rule("BL601", "web-app-option-on-api-service")
def web_app_option_on_api_service(service):
    """`sessionStickiness` or `scaleToZero` on a service that is not a `web-app`.

    `serviceType` defaults to `web-app`; these two options exist only for web apps.

    ## Why is this bad?
    Both options only make sense for a browser-facing web app; on an `api` service the platform
    rejects or ignores them, and the reader is misled about how the service scales.

    ## Example
    ```yaml
      config:
        serviceType: api
        scaleToZero: true
    ```
    Fixed: remove `scaleToZero`, or make the service `serviceType: web-app`.

    ## Source
    `peak blocks specs create` input file schema: `sessionStickiness` "To be used only in case
    of service block of type web-app"; `scaleToZero` "Only applicable for web-app type
    services". Error.
    """
    service_type = service.get("serviceType", "web-app")
    if not isinstance(service_type, str) or service_type == "web-app":
        return
    for option in ("sessionStickiness", "scaleToZero"):
        if option in service:
            yield (Key(option),), f"`{option}` applies only to web-app services, and this one is {service_type!r}"


@rule("BL602", "scale-to-zero-with-session-stickiness")
def scale_to_zero_with_session_stickiness(service):
    """`scaleToZero: true` together with `sessionStickiness: true`.

    ## Why is this bad?
    Peak's documentation says scale-to-zero "does not work if sessionStickiness is set to true":
    the service either never scales down or drops its sticky sessions.

    ## Example
    ```yaml
      config:
        sessionStickiness: true
        scaleToZero: true
    ```
    Fixed: keep one of the two (`scaleToZero: false`).

    ## Source
    docs.peak.ai CLI snippets for blocks (`scaleToZero`): "does not work if sessionStickiness is
    set to true". Error.
    """
    if service.get("scaleToZero") is True and service.get("sessionStickiness") is True:
        yield ("scaleToZero",), "`scaleToZero: true` does not work with `sessionStickiness: true`; keep one"


def _out_of_range(node, key, low, high, unit=""):
    """Above a stated maximum (BL603) or below a minimum no source states (BL614)."""
    value = node.get(key)
    if not is_number(value):
        return None
    if high is not None and value > high:
        return "BL603", ((node, key), f"`{key}: {value}` is above the documented maximum of {high}{unit}")
    if value < low:
        default = " (or leave it out for the default)" if key in DEFAULTS else ""
        return "BL614", ((node, key), f"`{key}: {value}`{unit} is below {low}; use at least {low}{default}")
    return None


DEFAULTS = ("minInstances", "duration", "numberOfRetries")


def _range_findings(config):
    found = [_out_of_range(config, "minInstances", 1, 2)]
    steps = config.get("steps")
    for step in steps.values() if isinstance(steps, dict) else ():
        if not isinstance(step, dict):
            continue
        found.append(_out_of_range(step, "stepTimeout", 1, None))
        run_configuration = step.get("runConfiguration")
        retry = run_configuration.get("retryOptions") if isinstance(run_configuration, dict) else None
        if isinstance(retry, dict):
            found.append(_out_of_range(retry, "duration", 0, 120, " (seconds)"))
            found.append(_out_of_range(retry, "numberOfRetries", 0, 5))
    watchers = config.get("watchers")
    for watcher in watchers if isinstance(watchers, list) else ():
        events = watcher.get("events") if isinstance(watcher, dict) else None
        if isinstance(events, dict):
            found.append(_out_of_range(events, "runtimeExceeded", 1, None, " (minutes)"))
    return [item for item in found if item]


@rule("BL603", "value-out-of-range")
def value_out_of_range(config):
    """A number above its documented maximum.

    `minInstances` at most 2; step retry `duration` at most 120 (seconds) and
    `numberOfRetries` at most 5. Values below a sensible minimum are BL614 (a warning).

    ## Why is this bad?
    The platform rejects the spec, or clamps the value so the block does not behave as written.

    ## Example
    ```yaml
        steps:
          load:
            runConfiguration:
              retryOptions:
                numberOfRetries: 10
    ```
    Fixed: `numberOfRetries: 5` (the maximum).

    ## Source
    `peak blocks specs create` input file schema: `minInstances` "maximum value allowed is 2";
    retry `duration` "maximum is 120 seconds"; `numberOfRetries` "maximum is 5". Error for the
    stated maxima; the unstated minima are BL614 (warning).
    """
    yield from (finding for rule_id, finding in _range_findings(config) if rule_id == "BL603")


@rule("BL614", "value-below-minimum", severity=WARNING)
def value_below_minimum(config):
    """A number below what makes sense: `minInstances` or `stepTimeout` under 1, `runtimeExceeded` under 1, a negative retry `duration` or `numberOfRetries`.

    ## Why is this bad?
    `minInstances: 0` asks for a service with no instance (scale to zero is `scaleToZero`);
    a zero timeout or runtime limit fires at once; a negative retry count or delay means
    nothing. The platform may reject the value or replace it with its default.

    ## Example
    ```yaml
      config:
        minInstances: 0
    ```
    Fixed: `minInstances: 1` (the default), with `scaleToZero: true` if the service may sleep.

    ## Source
    Inference: `peak blocks specs create` states only maxima and defaults (`minInstances`
    "Default value is 1", retry `duration` "Default is 5 seconds", `numberOfRetries` "Default
    is 3"); zero or negative values for them, or for `stepTimeout` and `runtimeExceeded`, are
    not stated to be refused. Warning.
    """
    yield from (finding for rule_id, finding in _range_findings(config) if rule_id == "BL614")


@rule("BL604", "health-check-url-not-a-path", severity=WARNING)
def health_check_url_not_a_path(service):
    """`healthCheckURL` that is not a path starting with `/`.

    ## Why is this bad?
    The platform probes the path on the service's own host; a full URL or a relative path
    fails the health check and the service never becomes ready.

    ## Example
    ```yaml
      config:
        healthCheckURL: https://my-app.example.com/health
    ```
    Fixed: `healthCheckURL: /health`.

    ## Source
    Inference: `peak blocks specs create` says only "URL to check the health of the service";
    every SDK sample gives a path (`/health`). Warning.
    """
    url = service.get("healthCheckURL")
    if not isinstance(url, str) or is_param_ref(url):
        return
    if not url.startswith("/") or url.startswith("//") or any(char.isspace() for char in url):
        yield ("healthCheckURL",), f"healthCheckURL {url!r} must be a path starting with '/', such as '/health'"


# --- BL605 / BL612: scope and tenants ---------------------------------------------------


def _scope_holder(doc):
    """The mapping that carries `scope`/`tenants`: the peak CLI file's top level for a spec
    (keyword arguments of the SDK call), the body of a spec-metadata PATCH."""
    if doc.kind == "spec-metadata":
        return doc.body if isinstance(doc.body, dict) else None
    if doc.kind in ("block-spec", "app-spec") and doc.cli and isinstance(doc.data, dict):
        return doc.data
    return None


@fixture
def scope_settings(r):
    """The mapping holding a spec's `scope` and `tenants` (see `_scope_holder`)."""
    return _scope_holder(r.doc)


@rule("BL605", "tenants-without-shared-scope")
def tenants_without_shared_scope(scope_settings):
    """`tenants` listed while `scope` is not `shared`.

    `scope` and `tenants` are read from the top level of a peak CLI spec file (they are
    keyword arguments of `create_spec`, not body fields) and from the body of a spec-metadata
    update. `scope` defaults to `private`.

    ## Why is this bad?
    Tenants only take effect for a shared spec: the platform rejects the combination, or the
    spec stays private and the tenants never see it.

    ## Example
    ```yaml
    scope: private
    tenants:
      - tenant1
    ```
    Fixed: `scope: shared`, or remove `tenants`.

    ## Source
    `peak blocks specs create` input file schema: `tenants`: "Given a shared scope, specify what
    other tenants can discover and deploy this spec". Error.
    """
    tenants = scope_settings.get("tenants")
    scope = scope_settings.get("scope", "private")
    if isinstance(tenants, list) and tenants and isinstance(scope, str) and scope != "shared":
        yield (Key("tenants"),), f"`tenants` is set but scope is {scope!r}; tenants apply only with `scope: shared`"


@rule("BL612", "shared-scope-without-tenants", severity=WARNING)
def shared_scope_without_tenants(scope_settings):
    """`scope: shared` with no `tenants` to share with.

    Read from the same places as BL605.

    ## Why is this bad?
    A shared spec is shared with the tenants listed; with none, no other tenant sees it.

    ## Example
    ```yaml
    scope: shared
    ```
    Fixed: add `tenants: [tenant1, tenant2]`, or use `scope: private`.

    ## Source
    Inference from `peak blocks specs create`: `tenants` "Given a shared scope, specify what
    other tenants can discover and deploy this spec"; without tenants, sharing shares with no
    one. Warning.
    """
    if scope_settings.get("scope") != "shared":
        return
    tenants = scope_settings.get("tenants")
    if tenants is None or (isinstance(tenants, list) and not tenants):
        yield ("scope",), "`scope: shared` but no `tenants` are listed; no other tenant will see the spec"


# --- BL606: versions ------------------------------------------------------------------------


def previous_release_version(settings) -> str | None:
    """The spec's latest known release: `--previous-version` for now.

    Hook for the registry: a release file does not carry its spec id, so once the submit path
    knows which spec a release belongs to it can put that spec's latest version in
    `settings.previous_version` (or look it up with `settings.spec_resolver`) before linting.
    """
    previous = getattr(settings, "previous_version", None)
    return previous if isinstance(previous, str) and previous.strip() else None


def _unchecked(version) -> bool:
    """Values filled in later: `@param:NAME`, or a Jinja expression left unrendered (SDK bodies)."""
    return is_param_ref(version) or (isinstance(version, str) and ("{{" in version or "{%" in version))


def _referring_versions(body, kind):
    """`(container, key, what)` of every version that names a release of another spec."""
    def entries(holder, key):
        items = holder.get(key) if isinstance(holder, dict) else None
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    if kind in ("block-deployment", "app-deployment"):
        spec = body.get("spec")
        release = spec.get("release") if isinstance(spec, dict) else None
        if isinstance(release, dict):
            yield release, "version", "spec.release.version"
        for key in ("includes", "excludes"):
            for item in entries(spec, key):
                yield item, "releaseVersion", f"spec.{key}[].releaseVersion"
    elif kind in ("block-deployment-revision", "app-deployment-revision"):
        release = body.get("release")
        if isinstance(release, dict):
            yield release, "version", "release.version"
        for key in ("includes", "excludes"):
            for item in entries(body.get("blocksConfig"), key):
                yield item, "releaseVersion", f"blocksConfig.{key}[].releaseVersion"
    elif kind in ("app-spec", "app-spec-release"):
        for item in entries(body, "config"):
            release = item.get("release")
            if isinstance(release, dict):
                yield release, "version", "config[].release.version"


@rule("BL606", "version-not-semver")
def version_not_semver(body, kind, settings):
    """A version that is not semantic versioning: a spec's `release.version`, an image `version`, or a version that names a release.

    Checked: a spec's (or spec release's) own `release.version`, which in a release file
    (`create-release`) must also be greater than the spec's latest release given with
    `--previous-version`; image `version`s; and the versions that refer to a release: a
    deployment's `spec.release.version` and `spec.includes`/`excludes[].releaseVersion`, a
    revision's `release.version` and `blocksConfig` entries, an app spec's
    `config[].release.version`. `"@param:NAME"` and unrendered `{{ }}` values are skipped.

    ## Why is this bad?
    The platform requires "a valid semantic release version" that is "greater than previous
    release version", and rejects anything else on upload. A deployment or app spec that names
    `latest`, `1.3` or `v1.3.0` names no release: releases are only ever semantic versions.

    ## Example
    ```yaml
      release:
        version: "1.0"
    ```
    Fixed: `version: "1.0.0"`; with `--previous-version 1.2.0`, a release needs at least `1.2.1`.
    To deploy the latest release, leave `spec.release` out instead of writing `latest`.

    ## Source
    `peak blocks specs create` and `create-release` input file schemas: `release.version` "A
    valid semantic release version of the spec. Must be greater than previous release
    version"; image `version` "A valid semantic image version"; the deployment commands'
    `spec.release.version` and the revision commands' `release.version` "A valid semantic
    release version of the block spec" (app: "of the app spec"); `peak apps specs create`
    `config[].release.version` "A valid semantic release version of the block spec". The
    app commands' `releaseVersion` ("Release version of the block") names a block release,
    whose version the block commands require to be semantic. Error.
    """
    if kind in kinds.SPEC_KINDS:
        release = body.get("release")
        version = release.get("version") if isinstance(release, dict) else None
        if isinstance(version, str) and not _unchecked(version):
            if not is_semver(version):
                yield (release, "version"), (f"release version {version!r} is not semantic versioning "
                                             "(MAJOR.MINOR.PATCH, e.g. '1.0.0')")
            elif kind in RELEASE_KINDS and (previous := previous_release_version(settings)):
                if not is_semver(previous):
                    yield (release, "version"), (f"cannot compare with --previous-version {previous!r}: "
                                                 "not semantic versioning")
                elif semver_key(version) <= semver_key(previous):
                    yield (release, "version"), (f"release version {version} is not greater than the spec's "
                                                 f"latest release {previous}; the platform rejects it")
        for label, image in image_definitions(body.get("config")):
            image_version = image.get("version")
            if isinstance(image_version, str) and not _unchecked(image_version) and not is_semver(image_version):
                yield (image, "version"), f"{label} version {image_version!r} is not semantic versioning (e.g. '0.0.1')"
    for container, key, what in _referring_versions(body, kind):
        version = container.get(key)
        if isinstance(version, str) and not _unchecked(version) and not is_semver(version):
            hint = ("; to deploy the latest release, leave `spec.release` out" if version.strip().lower() == "latest"
                    and key == "version" and what.startswith("spec.") else "")
            yield (container, key), (f"{what} {version!r} names no release: release versions are semantic "
                                     f"versions (MAJOR.MINOR.PATCH, e.g. '1.0.0'){hint}")


# --- BL607 / BL613: watchers ------------------------------------------------------------------


@rule("BL607", "watcher-target-invalid")
def watcher_target_invalid(watcher):
    """A watcher without exactly one target, or with a target that cannot be reached.

    A watcher names one of `user`, `webhook` (`url` is http or https) or `email`
    (`recipients.to` are e-mail addresses). A `user` that is not an e-mail address is BL616.

    ## Why is this bad?
    The platform rejects a watcher with none or several targets; a malformed address or URL
    means nobody hears about the failure the watcher is for.

    ## Example
    ```yaml
        watchers:
          - user: abc@peak.ai
            email: {name: ops, recipients: {to: [ops@peak.ai]}}
            events: {fail: true}
    ```
    Fixed: split it into two watchers, one per target.

    ## Source
    `peak blocks specs create` input file schema, watchers: three alternative shapes, each with
    one target: `user`, `webhook` (`url` "URL of the webhook"), `email` (`recipients.to`: "List
    of email addresses"). Error. That `user` is an e-mail address is inferred: BL616, a
    warning.
    """
    targets = [key for key in ("user", "webhook", "email") if key in watcher]
    if not targets:
        yield (), "a watcher needs exactly one target: `user`, `webhook` or `email`; it has none"
    elif len(targets) > 1:
        yield (Key(targets[1]),), (f"a watcher has exactly one target; this one has "
                                   f"{', '.join(repr(t) for t in targets)}: split it into one watcher per target")
    webhook = watcher.get("webhook")
    url = webhook.get("url") if isinstance(webhook, dict) else None
    if isinstance(url, str) and not is_param_ref(url) and (problem := http_url_problem(url)):
        yield (webhook, "url"), f"webhook url {url!r} {problem}"
    email = watcher.get("email")
    recipients = email.get("recipients") if isinstance(email, dict) else None
    addresses = recipients.get("to") if isinstance(recipients, dict) else None
    for index, address in enumerate(addresses if isinstance(addresses, list) else ()):
        if isinstance(address, str) and not is_param_ref(address) and not EMAIL.match(address.strip()):
            yield (addresses, index), f"recipient {address!r} is not an e-mail address"


@rule("BL616", "watcher-user-not-an-email", severity=WARNING)
def watcher_user_not_an_email(watcher):
    """A watcher's `user` that is not an e-mail address.

    ## Why is this bad?
    Peak users are addressed by their e-mail in every SDK sample (`user: abc@peak.ai`); a
    name such as `ops-team` probably reaches nobody, and the failure the watcher is for goes
    unheard.

    ## Example
    ```yaml
        watchers:
          - user: ops-team
            events: {fail: true}
    ```
    Fixed: `user: ops@example.com`, or an `email` watcher for a team.

    ## Source
    Inference: `peak blocks specs create` says only `user (string)`: "User to be notified";
    every SDK sample gives an e-mail address. Warning.
    """
    user = watcher.get("user")
    if isinstance(user, str) and not is_param_ref(user) and not EMAIL.match(user.strip()):
        yield ("user",), f"watcher user {user!r} is not an e-mail address; Peak users are named by their e-mail"


def _notifies(value) -> bool:
    if is_param_ref(value):
        return True
    if isinstance(value, bool):
        return value
    return is_number(value) and value > 0


@rule("BL613", "watcher-notifies-on-nothing", severity=WARNING)
def watcher_notifies_on_nothing(watcher):
    """A watcher whose `events` notify on nothing: no `success`, no `fail`, no `runtimeExceeded`.

    ## Why is this bad?
    The watcher never fires; it looks like monitoring but is not.

    ## Example
    ```yaml
          - user: abc@peak.ai
            events:
              success: false
              fail: false
    ```
    Fixed: `fail: true` (or remove the watcher).

    ## Source
    Inference: a watcher whose events are all off never notifies. Warning.
    """
    events = watcher.get("events")
    if events is None:
        yield (), "the watcher has no `events`, so it never notifies; add e.g. `events: {fail: true}`"
    elif isinstance(events, dict) and not any(_notifies(events.get(key))
                                              for key in ("success", "fail", "runtimeExceeded")):
        yield ("events",), "the watcher's events notify on nothing (success, fail and runtimeExceeded are all off)"


# --- BL608 / BL609: steps -------------------------------------------------------------------


@rule("BL608", "storage-not-a-size", severity=WARNING)
def storage_not_a_size(step):
    """`resources.storage` that is not a size such as `10GB`.

    Accepted: digits and a unit K, M, G or T, optionally followed by `i` and/or `B`, in any
    case (`10GB`, `500MB`, `20gb`, `10Mb`, `10Gi`).

    ## Why is this bad?
    Storage is a size; `10`, `ten GB` or `10 gigabytes` leaves the unit to a guess, and the
    platform may reject it or read another size.

    ## Example
    ```yaml
            resources:
              storage: "10"
    ```
    Fixed: `storage: 10GB`.

    ## Source
    Inference: `peak blocks specs create` says `storage (string)`: "Storage in GB. For example,
    \"10GB\""; the accepted spellings are inferred from that example and the samples. Warning.
    """
    resources = step.get("resources")
    storage = resources.get("storage") if isinstance(resources, dict) else None
    if isinstance(storage, str) and not is_param_ref(storage) and not STORAGE.match(storage.strip()):
        yield (resources, "storage"), f"storage {storage!r} is not a size such as '10GB' or '500MB'"


@rule("BL609", "http-step-invalid")
def http_step_invalid(step):
    """An http step with a bad `url`, missing `auth` fields, or a payload that is not JSON.

    - `url` must be an absolute http(s) URL.
    - `auth` needs the fields of its `type`: `oauth` clientId, clientSecret, authUrl; `basic`
      username, password; `api-key` apiKey; `bearer-token` bearerToken.
    - A literal `payload` must be JSON ("Stringified JSON payload"), reading each `{{name}}`
      placeholder as a value.

    A placeholder that names no input is BL617 (a warning).

    ## Why is this bad?
    The platform rejects the step, or the call goes out with an empty credential or a body
    its receiver cannot parse.

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
    `peak blocks specs create` input file schema, http step: `url` "The URL to make the HTTP API
    call to"; auth fields "Required when type is oauth" (basic, api-key, bearer-token likewise);
    `payload`: "Stringified JSON payload" (a literal payload must parse as JSON, with `{{name}}`
    placeholders read as values). Error.
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
        yield ("payload",), f"payload is not valid JSON ({problem}); the reference documents it as stringified JSON"


@rule("BL617", "http-payload-unknown-placeholder", severity=WARNING)
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


# --- BL610: app specs -------------------------------------------------------------------------


def _release_version(entry):
    release = entry.get("release")
    version = release.get("version") if isinstance(release, dict) else None
    return version if isinstance(version, (str, int, float)) else None


def _load_spec_files(settings) -> list:
    """The documents given with `--spec`, loaded once per run."""
    cache = settings.extra.setdefault("blocklint.rules.services:spec-docs", {})
    files = tuple(getattr(settings, "spec_files", ()) or ())
    if files not in cache:
        from blocklint.load import LoadSettings, load_path

        docs = []
        for path in files:
            try:
                docs.append(load_path(path, settings.load or LoadSettings()))
            except OSError:
                continue
        cache[files] = docs
    return cache[files]


def _spec_name(data):
    body = data.get("body", data) if isinstance(data, dict) else None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else None


@dataclass(frozen=True)
class AppBlocks:
    """What is known of an app's blocks: `names` is None when they cannot all be known."""

    names: frozenset | None = None


@fixture
def app_blocks(r):
    """For app specs, releases, deployments and revisions: an `AppBlocks`.

    For a deployment or revision, the app spec comes from `--spec` files (an app spec or app
    spec release) or from `settings.spec_resolver(spec.id)`; block names from the block specs
    given with `--spec` and from `spec_resolver(block id)`.
    """
    if r.doc.kind in ("app-spec", "app-spec-release"):
        return AppBlocks()
    if r.doc.kind not in ("app-deployment", "app-deployment-revision"):
        return None
    return AppBlocks(_app_block_names(r))


def _app_block_names(r):
    deployment_body = r.get("body") or {}
    resolver = getattr(r.settings, "spec_resolver", None)
    docs = _load_spec_files(r.settings)
    app_configs = [doc.body.get("config") for doc in docs
                   if doc.kind in ("app-spec", "app-spec-release") and isinstance(doc.body, dict)]
    spec_ref = deployment_body.get("spec") if isinstance(deployment_body.get("spec"), dict) else {}
    if not app_configs and callable(resolver) and isinstance(spec_ref.get("id"), str):
        app = resolver(spec_ref["id"])
        app_body = app.get("body", app) if isinstance(app, dict) else None
        if isinstance(app_body, dict):
            app_configs.append(app_body.get("config"))
    app_configs = [config for config in app_configs if isinstance(config, list)]
    if not app_configs:
        return None
    names = {name for doc in docs if doc.kind == "block-spec" and (name := _spec_name(doc.data))}
    includes = spec_ref.get("includes") if isinstance(spec_ref.get("includes"), list) else []
    entries = [entry for config in app_configs for entry in config if isinstance(entry, dict)] + \
              [entry for entry in includes if isinstance(entry, dict)]
    unresolved = 0
    for entry in entries:
        resolved = resolver(entry.get("id")) if callable(resolver) and isinstance(entry.get("id"), str) else None
        name = _spec_name(resolved)
        if name:
            names.add(name)
        else:
            unresolved += 1
    if not names or (unresolved and not any(doc.kind == "block-spec" for doc in docs)):
        return None
    return frozenset(names)


@rule("BL610", "app-block-mismatch", severity=WARNING)
def app_block_mismatch(app_blocks, kind, body):
    """An app spec lists a block spec twice, or an app deployment sets parameters for a block the app lacks.

    In an app spec, each block spec (`id`) may appear once in `config`: twice with the same
    release is a copy-paste slip, and two releases of one block would share its name. An app
    deployment's (or revision's) per-block `parameters` are keyed by block name; they are
    checked when the app spec is known (`--spec app.yaml --spec block.yaml ...`).

    ## Why is this bad?
    A duplicate is a copy-paste slip at best; parameters for a block that is not in the app
    reach no block, so the block meant runs with its defaults.

    ## Example
    ```yaml
      config:
        - id: 0bddb4c6-40c5-45c3-b477-fceb2c051609
          release: {version: "1.0.0"}
        - id: 0bddb4c6-40c5-45c3-b477-fceb2c051609
          release: {version: "1.0.0"}
    ```
    Fixed: list each block spec once.

    ## Source
    Inference: the app references do not say a block may not appear twice, nor what happens to
    parameters for a block the app lacks (`<blockName>`: "each key represents the block name").
    Warning.
    """
    if kind in ("app-spec", "app-spec-release"):
        config = body.get("config")
        seen: dict = {}
        for entry in config if isinstance(config, list) else ():
            block_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(block_id, str):
                continue
            version = _release_version(entry)
            if block_id in seen:
                first = seen[block_id]
                what = (f"block spec {block_id} release {version} is listed twice" if version == first
                        else f"block spec {block_id} is listed twice (releases {first} and {version}); "
                             "an app holds one release of each block")
                yield (entry, "id"), what
            else:
                seen[block_id] = version
        return
    parameters = body.get("parameters")
    known = app_blocks.names
    if known is None or not isinstance(parameters, dict):
        return
    for name in parameters:
        if isinstance(name, str) and name not in known:
            yield (parameters, Key(name)), (f"parameters for block {name!r}, which the app does not contain"
                                            f"{did_you_mean(name, known)}")


# --- BL611: names -----------------------------------------------------------------------------


@rule("BL611", "metadata-name-not-kebab-case", severity=WARNING)
def metadata_name_not_kebab_case(doc, body):
    """A `metadata.name` (or a deployment metadata update's `name`) that is not lowercase kebab-case.

    Checked: lowercase letters, digits and single hyphens (`load-salesforce-objects`).
    The platform's exact rule for names is not published, so this is a warning: every name
    in Peak's own examples follows it.

    ## Why is this bad?
    Names become identifiers on the platform (URLs, resource names); upper case, spaces or
    underscores risk a rejection at deployment time, long after the spec was accepted.

    ## Example
    ```yaml
      metadata:
        name: Load_Salesforce
    ```
    Fixed: `name: load-salesforce`.

    ## Source
    Inference: no source gives a pattern for names ("Must be unique within the tenant" only);
    every SDK sample is kebab-case. Warning.
    """
    if doc.kind == "deployment-metadata":
        holder = body
    else:
        holder = body.get("metadata")
    name = holder.get("name") if isinstance(holder, dict) else None
    if isinstance(name, str) and not is_param_ref(name) and not METADATA_NAME.match(name):
        yield (holder, "name"), f"name {name!r} is not lowercase letters, digits and hyphens (e.g. 'my-block')"

