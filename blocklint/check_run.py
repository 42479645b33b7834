"""One `blocklint check` run, from plain values: the planner, the reporters, the session and the
result cache built and fed, and the exit status returned. Click is not imported here: the
command line's `check` (`blocklint.cli`) parses the options and hands them over, and the console
script (`blocklint.entry`) hands over the plain form `blocklint check [PATH ...]` itself, with
`CHECK_DEFAULTS`, so a warm pre-commit run does not pay for importing click. One road, two doors.
"""

from __future__ import annotations

import os
import sys

from blocklint import runner, walk
from blocklint.commandline import EXIT_FINDINGS, EXIT_OK, UsageFailure, overrides_of
from blocklint.plan import Planner, PlanError
from blocklint.registry import with_spec_lookup
from blocklint.session import Fixer, Session

# What click hands `check` for a command line without options, every option at its default
# (tests/test_plain_check.py holds the two equal, so a new option's default cannot diverge).
CHECK_DEFAULTS = {
    "formats": (), "outputs": (), "kind": None, "params_file": None, "params": (), "no_template": False,
    "template_env": (), "config_file": None, "isolated": False, "trust_rules_dir": None, "select": (),
    "extend_select": (), "ignore": (), "keyword_expr": None, "exclude": (), "respect_gitignore": None,
    "skip_unknown": False, "exitfirst": False, "strict": None, "exit_zero": False, "rules_dir": (),
    "stdin_filename": "<stdin>", "spec_files": (), "artifact_root": None, "previous_version": None,
    "baseline": None, "write_baseline": None, "show_settings": False, "jobs": None, "verbose": False,
    "quiet": False, "color": "auto", "progress": None, "statistics": False, "no_cache": False, "fix": False,
    "unsafe_fixes": False, "show_diff": False,
}
# Environment variables an option of `check` reads (the same test holds the list complete), and
# the one that asks click for shell completions: when one is set, the command line decides.
OPTION_ENVIRONMENT = ("BLOCKLINT_NO_CACHE",)
COMPLETION_ENVIRONMENT = "_BLOCKLINT_COMPLETE"


def plain_paths(arguments: list[str]) -> tuple[str, ...] | None:
    """The paths of the plain form `check [PATH ...]`, which the console script runs without click,
    or None when click must read the command line: an option or `-` (stdin), a path click would
    call unreadable (its `click.Path()` converter, the only other thing it does with a path), or
    an environment variable click reads for `check`. On Windows click expands wildcards itself."""
    if os.name == "nt" or any(argument.startswith("-") for argument in arguments) \
            or any(name in os.environ for name in (*OPTION_ENVIRONMENT, COMPLETION_ENVIRONMENT)):
        return None
    for path in arguments:
        try:
            os.stat(path)
        except OSError:
            continue  # a missing path is the run's to report
        if not os.access(path, os.R_OK):
            return None
    return tuple(arguments)


class ConflictingOutputs(UsageFailure):
    """Formats that would share stdout: reported as click reports a usage error (with the usage)."""


def run_check(options: dict, sinks=None) -> int:
    """Check `options["paths"]` with `options` (every option of `check`, by its parameter name) and
    `sinks` ([format, file or None] pairs; text to stdout when none): the exit status.
    Raises `UsageFailure` for a usage error (an unreadable path, a broken configuration)."""
    paths, fix, show_diff = options["paths"], options["fix"], options["show_diff"]
    write_baseline, statistics = options["write_baseline"], options["statistics"]
    overrides = overrides_of(options)
    try:
        planner = Planner(with_spec_lookup(overrides))
        if options["show_settings"]:
            import json

            first = (paths or ["."])[0]
            _write_line(json.dumps(planner.for_path(first if not os.path.isdir(first) else
                                                    os.path.join(first, "_")).describe(), indent=2))
            return EXIT_OK
        targets = walk.iter_targets(paths or ["."], planner.default)
    except (PlanError, walk.UnreadablePath) as error:
        raise UsageFailure(str(error)) from error
    plan = planner.default
    stdin = {"stdin": sys.stdin.buffer, "stdin_name": options["stdin_filename"]} \
        if walk.STDIN in paths else {}
    sinks = sinks or [["text", None]]
    # A progress bar needs the number of files: only then are they all found before checking.
    bar = _shows_progress(options["progress"], sinks)
    if bar:
        targets = list(targets)
    reporters = [] if write_baseline or show_diff else \
        _reporters(sinks, plan, quiet=options["quiet"], color=options["color"])
    fixer = Fixer(fix or show_diff, options["unsafe_fixes"], show_diff,
                  any(hasattr(r, "fixable") for r, _ in reporters))
    session = Session(planner, reporters, fixer, keep_shown=bool(statistics or write_baseline),
                      verbose=options["verbose"])
    cache = None
    if not (options["no_cache"] or fix or show_diff):  # fixing reads every file again anyway
        from blocklint.cache import ResultCache

        cache = ResultCache()
    checked = runner.check_project(targets, planner, jobs=options["jobs"], cache=cache, **stdin)
    try:
        with _progress(len(targets) if bar else 0, bar) as tick:
            for result in checked:
                result = session.add(result, before_output=tick.clear)
                tick()
                if options["exitfirst"] and result.failed:
                    break
    except PlanError as error:  # a configuration found for a file further down the walk
        raise UsageFailure(str(error)) from error
    finally:
        checked.close()
    if write_baseline:
        from pathlib import Path

        from blocklint.baseline import write_baseline as write
        from blocklint.report import echo_line

        count = write(Path(write_baseline), session.shown, plan.root)
        echo_line(f"blocklint: wrote {count} finding(s) to {write_baseline}", sys.stderr)
        return EXIT_OK
    if fixer.summary is not None and fixer.finish(reporters):
        return EXIT_FINDINGS
    session.finish()
    if statistics:
        from blocklint.report.statistics import write_statistics

        write_statistics(session.shown, sys.stdout if not any(target in (None, "-") and name != "text"
                                                              for name, target in sinks) else sys.stderr)
    return session.exit_code(exit_zero=options["exit_zero"])


def _write_line(text: str):
    from blocklint.report import echo_line

    echo_line(text, sys.stdout)


def _shows_progress(wanted, sinks) -> bool:
    """Whether a progress bar may show: asked for, or by default on a terminal, and never when a
    machine format writes to stdout."""
    from blocklint.report import is_machine_format

    if wanted is False or not sys.stderr.isatty():
        return False
    return wanted or not any(is_machine_format(name) for name, target in sinks if target in (None, "-"))


def _progress(total: int, enabled: bool):
    """A progress bar on stderr for long runs (a no-op when not `enabled`)."""
    from blocklint.report.progress import progress

    return progress(total, enabled)


def _reporters(sinks, plan, *, quiet: bool, color: str):
    from blocklint.report import reporter_class

    to_stdout = [name for name, target in sinks if target in (None, "-")]
    if len(to_stdout) > 1:
        raise ConflictingOutputs(f"formats {', '.join(to_stdout)} would all go to stdout; give all but one "
                                 "an --output FILE")
    if os.environ.get("GITHUB_ACTIONS") == "true" and to_stdout == ["text"] \
            and not any(name == "github" for name, _ in sinks):
        sinks = [*sinks, ["github-annotations", None]]
    reporters = []
    for name, target in sinks:
        try:
            stream = sys.stdout if target in (None, "-") else open(target, "w", encoding="utf-8")
        except OSError as error:
            raise UsageFailure(f"--output {target}: {error.strerror}") from error
        options = {"annotations_only": True} if name == "github-annotations" else {}
        reporter = reporter_class("github" if name == "github-annotations" else name)
        reporters.append((reporter(stream, verbose=plan.settings.verbose, quiet=quiet, rules=plan.available,
                                   strict=plan.strict, secrets=plan.secrets, color=color, **options), stream))
    return reporters
