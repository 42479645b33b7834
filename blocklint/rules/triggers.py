"""BL2xx: workflow triggers (`config.triggers`): cron syntax, trigger shape, duplicates.

Cron dialect. The platform's cron grammar is unpublished; every Peak example uses the
standard five fields (`0 0 * * *`). blocklint accepts exactly what POSIX/Vixie cron accepts
and croniter computes: five whitespace-separated fields (minute, hour, day of month, month,
day of week), each a `*`, a number, a range `a-b`, any of these with a step `/n`, or a
comma-separated list of them; month names `JAN`-`DEC` and weekday names `SUN`-`SAT`
(any case); weekday `7` as Sunday. It rejects the extensions only some schedulers take:
`@daily`-style aliases (the message gives the five-field equivalent, which works everywhere),
a sixth seconds or year field, and Quartz/Jenkins tokens (`?`, `L`, `W`, `#`, `H`): those are
BL205 warnings, since the platform's dialect is unstated.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from blocklint import DOCUMENTED, INFERRED, REPORT, Key, is_param_ref, rule

FIELDS = (  # name, lowest, highest, names
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
ALIASES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
           "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ITEM = re.compile(r"^(?P<range>\*|[^-/*]+(?:-[^-/*]+)?)(?:/(?P<step>[^/]*))?$")
TRIGGER_KINDS = ("cron", "webhook", "webhookId")


class DialectProblem(str):
    """A problem that is one only in standard five-field cron: an `@daily` alias, a seconds or
    year field, a Quartz/Jenkins token. Other dialects take them; the platform's is unstated."""


def _value(text: str, field: int) -> int | str:
    """A field value as a number, or an error message."""
    name, low, high, names = FIELDS[field]
    if text.upper() in names:
        return names.index(text.upper()) + (1 if field == 3 else 0)
    if not text.isdigit():
        if text.upper() in ("?", "L", "W", "H") or "#" in text or text.upper().endswith(("L", "W")):
            return DialectProblem(f"{name} {text!r} is not standard cron (Quartz/Jenkins extension); "
                                  "use numbers, ranges or lists")
        known = f" (names: {names[0]}-{names[-1]})" if names else ""
        return f"{name} {text!r} is not a number{known}"
    number = int(text)
    if not low <= number <= high:
        return f"{name} {number} is out of range {low}-{high}"
    return number


def _field_values(text: str, field: int) -> set[int] | str:
    """The values one field selects, or an error message naming the bad part."""
    name, low, high, _ = FIELDS[field]
    selected: set[int] = set()
    for item in text.split(","):
        match = _ITEM.match(item)
        if not item or not match:
            return f"{name} {item!r} is not a valid cron field item" if item else f"{name} {text!r} has an empty list item"
        step = 1
        if match.group("step") is not None:
            if not match.group("step").isdigit() or int(match.group("step")) == 0:
                return f"{name} step {match.group('step')!r} in {item!r} must be a positive number"
            step = int(match.group("step"))
        if match.group("range") == "*":
            start, end = low, high
        else:
            bounds = match.group("range").split("-")
            numbers = [_value(bound, field) for bound in bounds]
            for number in numbers:
                if isinstance(number, str):
                    return number
            start, end = numbers[0], numbers[-1]
            if len(numbers) == 1 and match.group("step") is not None:
                end = high  # `5/15` means from 5 to the end, every 15
            if start > end:
                return f"{name} range {match.group('range')!r} runs backwards; write {end}-{start}"
        selected.update(range(start, end + 1, step))
    if field == 4 and 7 in selected:
        selected = (selected - {7}) | {0}
    return selected


# The crons of a run's specs repeat (`0 2 * * *`): BL201, BL204 and BL205 each ask about every
# one, so each is worked out once per process. Longer texts are worked out afresh, so the cache
# never keeps a hostile file's huge value alive.
MAX_CACHED_CRON = 100


def cron_problem(expression: str) -> str | None:
    """Why a cron expression is not a valid standard five-field cron, or None when it is."""
    return _cron_problem(expression) if len(expression) <= MAX_CACHED_CRON else _cron_problem.__wrapped__(expression)


@lru_cache(maxsize=1024)
def _cron_problem(expression: str) -> str | None:
    text = expression.strip()
    if not text:
        return "cron is empty; write five fields, e.g. '0 0 * * *'"
    if text.startswith("@"):
        alias = text.split()[0].lower()
        if alias in ALIASES:
            return DialectProblem(f"the alias {alias!r} is not standard five-field cron; write {ALIASES[alias]!r}")
        return f"{text.split()[0]!r} is not a cron expression; write five fields, e.g. '0 0 * * *'"
    parts = text.split()
    if len(parts) in (6, 7):
        return DialectProblem(f"cron has {len(parts)} fields (a seconds or year field, as in Quartz); standard "
                              "cron has five: minute hour day-of-month month day-of-week")
    if len(parts) != 5:
        return (f"cron has {len(parts)} field{'s' if len(parts) != 1 else ''}; write five: "
                "minute hour day-of-month month day-of-week")
    values = []
    for index, part in enumerate(parts):
        selected = _field_values(part, index)
        if isinstance(selected, str):
            return selected
        values.append(selected)
    days, months = values[2], values[3]
    weekday_restricted = parts[4] != "*" and not parts[4].startswith("*/")
    if not weekday_restricted and not any(day <= DAYS_IN_MONTH[month - 1] for day in days for month in months):
        return (f"the schedule never runs: day of month {parts[2]} never occurs in month {parts[3]}")
    # Everything this parser accepts, croniter accepts too (a property test holds it to that);
    # croniter is not imported here because it costs ~40 ms at every start of a pre-commit hook.
    return None


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def next_runs(expression: str, count: int = 3, start: datetime.datetime | None = None) -> list[datetime.datetime]:
    from croniter import croniter

    schedule = croniter(expression.strip(), start or _utcnow())
    return [schedule.get_next(datetime.datetime) for _ in range(count)]


@rule("BL200", "trigger-schedule", evidence=REPORT, clock=True)
def trigger_schedule(trigger):
    """Shows when each trigger starts the workflow: the next three runs (UTC) of a cron, with `--verbose`.

    Informational only: shown by `--verbose` text output, never counted, never fails a run.
    A valid cron gets its next three run times from the current UTC time (so a result that
    shows them is never kept in `.blocklint_cache`: it would replay runs already past); a webhook
    trigger says that it starts the workflow when called. An invalid cron is BL201's business.

    ## Why is this bad?
    It is not: a cron is easy to misread (day-of-week numbering, UTC versus local time), and
    the next run times make its meaning plain before the platform runs it at a surprising hour.

    ## Example
    ```yaml
        triggers:
          - cron: "0 6 * * 1-5"
    ```
    `blocklint check --verbose` shows
    `BL200 info cron '0 6 * * 1-5' runs next (UTC): Mon 2024-01-01 06:00, Tue 2024-01-02 06:00, Wed 2024-01-03 06:00`.

    ## Source
    Not a check: informational output computed with croniter. Info.
    """
    expression = trigger.get("cron")
    if isinstance(expression, str):
        if not cron_problem(expression):
            times = ", ".join(moment.strftime("%a %Y-%m-%d %H:%M") for moment in next_runs(expression))
            yield ("cron",), f"cron {expression.strip()!r} runs next (UTC): {times}"
    elif "cron" not in trigger and trigger.get("webhook") is True:
        yield ("webhook",), "the workflow runs each time its webhook is called"
    elif "cron" not in trigger and "webhook" not in trigger and isinstance(trigger.get("webhookId"), str):
        yield ("webhookId",), f"the workflow runs each time webhook '{trigger['webhookId']}' is called"


@rule("BL201", "invalid-cron", evidence=DOCUMENTED)
def invalid_cron(trigger):
    """A `cron` trigger that is not a valid five-field cron expression.

    Accepted: five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12 or
    `JAN`-`DEC`, day of week 0-7 or `SUN`-`SAT`, 0 and 7 both Sunday), each `*`, a value, a
    range `a-b`, a step `*/n` or `a-b/n`, or a comma list of these. The platform's own grammar
    is unpublished: `@daily`-style aliases, a sixth (seconds) or seventh (year) field and
    Quartz tokens (`?`, `L`, `W`, `#`) belong to other dialects and are left to BL205, a
    warning. A schedule that can never run (`0 0 30 2 *`) is an error.

    ## Why is this bad?
    The platform rejects the spec, or worse, the workflow never runs on schedule.

    ## Example
    ```yaml
        triggers:
          - cron: "61 0 * * *"
    ```
    `minute 61 is out of range 0-59`. Fixed: `cron: "1 0 * * *"`.

    ## Source
    Documented platform rejection: `peak blocks specs create` input file schema: `cron (string)`: "A
    valid cron expression". Five-field expressions with values outside their fields' ranges are
    invalid in every cron dialect. Error. Six- and seven-field expressions (seconds, years) are left
    to BL205: the reference does not say which dialect the platform takes.
    """
    expression = trigger.get("cron")
    if isinstance(expression, str) and not is_param_ref(expression):
        problem = cron_problem(expression)
        if problem and not isinstance(problem, DialectProblem):
            yield ("cron",), f"invalid cron {expression!r}: {problem}"


@rule("BL205", "cron-not-standard-five-fields", evidence=INFERRED)
def cron_not_standard_five_fields(trigger):
    """A `cron` trigger written in another cron dialect: an `@daily` alias, six or seven fields, `?` or `L`.

    ## Why is this bad?
    Peak's reference asks for "a valid cron expression" without naming a dialect, and every
    Peak example uses the standard five fields. A seconds field, a year field, an alias or a
    Quartz token may be refused, or read with the fields shifted (`0 0 0 * * *` read as five
    fields plus one runs at a different time than meant).

    ## Example
    ```yaml
        triggers:
          - cron: "0 0 6 * * *"
    ```
    Fixed: `cron: "0 6 * * *"` (minute hour day-of-month month day-of-week).

    ## Source
    `peak blocks specs create` input file schema: `cron (string)`: "A valid cron expression",
    without naming a dialect. Classic (Vixie/POSIX) cron has five fields; six- and seven-field
    forms (seconds, years), aliases and Quartz tokens belong to other dialects that the platform
    may not take. Warning: inference.
    """
    expression = trigger.get("cron")
    if isinstance(expression, str) and not is_param_ref(expression):
        problem = cron_problem(expression)
        if isinstance(problem, DialectProblem):
            yield ("cron",), f"cron {expression!r}: {problem}"


@rule("BL202", "malformed-trigger", evidence=INFERRED)
def malformed_trigger(trigger):
    """A trigger entry that is not exactly one of `cron`, `webhook: true` or `webhookId`.

    ## Why is this bad?
    An empty entry or `webhook: false` does not trigger anything (a workflow without
    triggers is run by hand: leave the list empty for that); an entry with two kinds is
    ambiguous, and the platform may keep only one of them.

    ## Example
    ```yaml
        triggers:
          - cron: "0 0 * * *"
            webhook: true
    ```
    Fixed: one trigger per entry:
    ```yaml
        triggers:
          - cron: "0 0 * * *"
          - webhook: true
    ```

    ## Source
    Inference: `peak blocks specs create` lists `cron`, `webhook` ("Should be true if webhook
    type trigger is to be used") and `webhookId` in one list item, each `required: false`, so
    the reference itself allows an entry with none or several of them; that such an entry
    triggers nothing, or only one of its kinds, is inferred. Warning.
    """
    kinds = [key for key in TRIGGER_KINDS if key in trigger]
    if not trigger:
        yield (), "empty trigger; give one of 'cron', 'webhook: true' or 'webhookId' (or drop the entry)"
        return
    if len(kinds) > 1:
        yield (Key(kinds[1]),), (f"a trigger entry holds both {kinds[0]!r} and {kinds[1]!r}; "
                                 "put each trigger in its own list entry")
    if trigger.get("webhook") is False:
        yield ("webhook",), ("'webhook: false' triggers nothing; remove the entry "
                             "(a workflow with no triggers runs only when started by hand)")


def _trigger_identity(trigger) -> tuple | None:
    if isinstance(trigger.get("cron"), str):
        return "cron", " ".join(trigger["cron"].split()).upper()
    if trigger.get("webhook") is True and "cron" not in trigger:
        return ("webhook",)
    if isinstance(trigger.get("webhookId"), str):
        return "webhookId", trigger["webhookId"]
    return None


@rule("BL203", "duplicate-trigger", evidence=INFERRED)
def duplicate_trigger(triggers):
    """The same cron, `webhook: true` or `webhookId` appears twice in `triggers`.

    ## Why is this bad?
    A repeated cron may start the workflow twice at the same moment; a repeated webhook adds
    nothing. Either way it is usually a copy-paste slip.

    ## Example
    ```yaml
        triggers:
          - cron: "0 0 * * *"
          - cron: "0  0 * * *"
    ```
    Fixed: keep one.

    ## Source
    Inference: the reference does not say what a repeated trigger does. Warning.
    """
    seen: dict = {}
    for index, trigger in enumerate(triggers):
        if not isinstance(trigger, dict):
            continue
        identity = _trigger_identity(trigger)
        if identity is None:
            continue
        if identity in seen:
            key = {"cron": "cron", "webhook": "webhook", "webhookId": "webhookId"}[identity[0]]
            yield (index, key), f"this trigger repeats triggers[{seen[identity]}]; remove one of them"
        else:
            seen[identity] = index


DEFAULT_MIN_INTERVAL = 5  # minutes, as actionlint requires of GitHub schedules
_REFERENCE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)  # a Monday


def shortest_gap(expression: str) -> datetime.timedelta:
    """The shortest time between two consecutive runs of a valid cron expression (for a
    schedule that runs once a day or less: one day, a lower bound).

    Within a day the runs are hours × minutes, so their gaps are exact. A shorter gap across
    midnight exists only if two consecutive days are allowed: that rare case asks croniter.
    """
    return _shortest_gap(expression) if len(expression) <= MAX_CACHED_CRON else _shortest_gap.__wrapped__(expression)


@lru_cache(maxsize=1024)
def _shortest_gap(expression: str) -> datetime.timedelta:
    parts = expression.split()
    minutes, hours = sorted(_field_values(parts[0], 0)), sorted(_field_values(parts[1], 1))
    times = [hour * 60 + minute for hour in hours for minute in minutes]
    within = min((later - earlier for earlier, later in zip(times, times[1:])), default=None)
    across = 24 * 60 - times[-1] + times[0]
    if within is not None and within <= across:
        return datetime.timedelta(minutes=within)
    if across >= 24 * 60:
        return datetime.timedelta(days=1)
    runs = next_runs(expression, 2 * len(times) + 2, _REFERENCE)
    return min((later - earlier for earlier, later in zip(runs, runs[1:])), default=datetime.timedelta.max)


MAX_MIN_INTERVAL = 366 * 24 * 60  # a year: every valid cron runs at least that often, or never


def min_interval_problem(value) -> str | None:
    """Why `min-interval` (BL204's option) is unusable, or None. For config loading to turn
    into a usage error (exit 2); the rule reports it as a finding if it gets that far."""
    import math

    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
            or not 0 < value <= MAX_MIN_INTERVAL:
        return (f"option min-interval of BL204 must be a number of minutes above 0 and at most "
                f"{MAX_MIN_INTERVAL:,} (a year), not {value!r}")
    return None


@rule("BL204", "cron-too-frequent", evidence=INFERRED)
def cron_too_frequent(trigger, options):
    """A cron trigger that starts the workflow more often than every few minutes.

    The shortest gap between two consecutive runs must be at least `min-interval` minutes
    (default 5), set per project:

    ```toml
    [tool.blocklint.options.BL204]
    min-interval = 15
    ```

    ## Why is this bad?
    A workflow run takes time to schedule, build and start; runs this close overlap or queue
    up, and each one costs compute. `* * * * *` is usually a typo for `0 * * * *`.

    ## Example
    ```yaml
        triggers:
          - cron: "* * * * *"
    ```
    Fixed: `cron: "0 * * * *"` (hourly).

    ## Source
    Inference (actionlint applies the same minimum-interval idea to GitHub schedules): the
    platform documents no minimum interval. Warning, with the interval configurable.
    """
    expression = trigger.get("cron")
    if not isinstance(expression, str) or is_param_ref(expression) or cron_problem(expression):
        return
    minimum = options.get("min-interval", DEFAULT_MIN_INTERVAL)
    if problem := min_interval_problem(minimum):
        yield ("cron",), problem
        return
    gap = shortest_gap(expression)
    if gap < datetime.timedelta(minutes=minimum):
        minutes = gap.total_seconds() / 60
        yield ("cron",), (f"cron {expression.strip()!r} runs every {minutes:g} minute{'s' if minutes != 1 else ''} "
                          f"at its most frequent; the minimum is {minimum:g} (option min-interval)")
