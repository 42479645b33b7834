"""BL601-BL604, BL608, BL614: services, step resources and documented ranges.

Every rule here reads values of any type: what is not of the expected type is skipped
quietly (the BL1xx schema rules report types). `"@param:NAME"` values are filled in by the
platform at deployment time, so they are never judged here.
"""

from __future__ import annotations

import re

from blocklint import DOCUMENTED, INFERRED, Key, is_param_ref, rule
from blocklint.rules._values import is_number

STORAGE = re.compile(r"^\d+(?:\.\d+)?(?:[kmgt]i?b?)$", re.I)
DEFAULTS = ("minInstances", "duration", "numberOfRetries")


@rule("BL601", "web-app-option-on-api-service", evidence=DOCUMENTED)
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
    Documented platform rejection: `peak blocks specs create` input file schema: `sessionStickiness`
    "To be used only in case of service block of type web-app"; `scaleToZero` "Only applicable for
    web-app type services". Error.
    """
    service_type = service.get("serviceType", "web-app")
    if not isinstance(service_type, str) or service_type == "web-app":
        return
    for option in ("sessionStickiness", "scaleToZero"):
        if option in service:
            yield (Key(option),), f"`{option}` applies only to web-app services, and this one is {service_type!r}"


@rule("BL602", "scale-to-zero-with-session-stickiness", evidence=DOCUMENTED)
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
    Documented platform rejection: docs.peak.ai CLI snippets for blocks (`scaleToZero`): "does not
    work if sessionStickiness is set to true". Error.
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


@rule("BL603", "value-out-of-range", evidence=DOCUMENTED)
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
    Documented platform rejection: `peak blocks specs create` input file schema: `minInstances`
    "maximum value allowed is 2"; retry `duration` "maximum is 120 seconds"; `numberOfRetries`
    "maximum is 5". Error for the stated maxima; the unstated minima are BL614 (warning).
    """
    yield from (finding for rule_id, finding in _range_findings(config) if rule_id == "BL603")


@rule("BL614", "value-below-minimum", evidence=INFERRED)
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


@rule("BL604", "health-check-url-not-a-path", evidence=INFERRED)
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


@rule("BL608", "storage-not-a-size", evidence=INFERRED)
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
