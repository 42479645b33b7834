"""BL607, BL613, BL616: workflow watchers, their targets and their events."""

from __future__ import annotations

import re

from blocklint import DOCUMENTED, INFERRED, Key, is_param_ref, rule
from blocklint.rules._values import http_url_problem, is_number

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")


@rule("BL607", "watcher-target-invalid", evidence=DOCUMENTED)
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
    Documented platform rejection: `peak blocks specs create` input file schema, watchers: three
    alternative shapes, each with one target: `user`, `webhook` (`url` "URL of the webhook"),
    `email` (`recipients.to`: "List of email addresses"). Error. That `user` is an e-mail address is
    inferred: BL616, a warning.
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


@rule("BL616", "watcher-user-not-an-email", evidence=INFERRED)
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


@rule("BL613", "watcher-notifies-on-nothing", evidence=INFERRED)
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
