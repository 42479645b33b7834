"""The `blocklint submit` command: lint through the plan, open the target, submit in dependency
order, and end with what was created, up to date, failed and not attempted.

Exit codes: 0 all sent (or up to date); 1 a file has errors (nothing sent) or a file was refused;
2 a usage error, an unusable target, or a failure of the target (5xx, cannot connect).
"""

from __future__ import annotations

import sys

import click

from blocklint.commandline import EXIT_FINDINGS, fail, overrides_of, template_options


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--target", default="local", show_default=True, metavar="local|peak|URL",
              help="Where to submit: the embedded registry, the Peak platform, or a Press-compatible URL "
                   "(e.g. a `blocklint serve`).")
@click.option("--stage", help="Peak stage for --target peak (default: $PEAK__STAGE, $STAGE, prod).")
@click.option("--dry-run", is_flag=True, help="Print each request instead of sending it (lookups still run).")
@template_options
@click.option("--artifact-root", type=click.Path(file_okay=False),
              help="Resolve `artifact.path` from here instead of the working directory.")
@click.option("--spec-id", "default_spec", metavar="REF",
              help="The spec of release and spec-metadata files that name none (a file, name or id).")
@click.option("--deployment-id", "default_deployment", metavar="REF",
              help="The deployment of revision, metadata and parameter files that name none.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds to wait for each HTTP answer.")
@click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True,
              help="Re-sends after a 429, a 5xx or a connection error (creates look their name up first).")
def submit(paths, target, stage, dry_run, params_file, params, no_template, template_env, config_file, isolated,
           trust_rules_dir, artifact_root, default_spec, default_deployment, timeout, retries):
    """Lint PATHS, then send what passed to Press: specs, releases, deployments, revisions,
    metadata and parameter patches, in dependency order."""
    from blocklint import walk
    from blocklint.plan import Planner, PlanError
    from blocklint.submit.items import submission_order
    from blocklint.submit.lint import lint
    from blocklint.submit.output import Output
    from blocklint.submit.targets import token_values

    overrides = overrides_of(click.get_current_context().params)
    try:
        from blocklint.registry import with_spec_lookup

        planner = Planner(with_spec_lookup(overrides))
        linted = lint(paths, planner)
    except (PlanError, walk.UnreadablePath) as error:
        fail(str(error))
    out = Output(linted.secrets | token_values())
    _report_findings(linted.results, out, strict=planner.default.strict)
    if linted.failed:
        out.line("blocklint submit: nothing was sent: fix the errors above first", err=True)
        sys.exit(EXIT_FINDINGS)
    for item in linted.items:
        if default_spec and "spec" not in item.refs:
            item.refs["spec"] = default_spec
        if default_deployment and "deployment" not in item.refs:
            item.refs["deployment"] = default_deployment
    sys.exit(_send(submission_order(linted.items), out, planner.default.load, target=target, stage=stage,
                   dry_run=dry_run, artifact_root=artifact_root, timeout=timeout, retries=retries))


def _report_findings(results, out, *, strict: bool):
    """The findings, as `blocklint check` prints them (text format), secrets masked."""
    shown = [result for result in results if any(finding.severity != "info" for finding in result.findings)]
    if not shown:
        return
    from blocklint.report import reporter_class

    reporter = reporter_class("text")(out.stream(sys.stdout), strict=strict)
    reporter.start()
    reporter.finish(shown)


def _send(ordered, out, load_settings, *, target, stage, dry_run, artifact_root, timeout, retries) -> int:
    """Open the target and submit; the summary is always the last line. The exit code."""
    from blocklint.submit.errors import Unreachable
    from blocklint.submit.references import References
    from blocklint.submit.submitter import Submitter
    from blocklint.submit.summary import Summary
    from blocklint.submit.targets import open_target

    try:
        press, description = open_target(target, stage, dry_run=dry_run, timeout=timeout, retries=retries)
    except Unreachable as error:
        fail(out.mask(str(error)))
    except Exception as error:  # sqlite3.Error, OSError opening the registry
        fail(out.mask(f"cannot open the target: {type(error).__name__}: {error}"))
    out.line(f"{'dry run against' if dry_run else 'submitting to'} {description}")
    summary = Summary(total=len(ordered), dry_run=dry_run)
    submitter = Submitter(press, References(press, ordered, load_settings), summary, out, dry_run=dry_run,
                          artifact_root=artifact_root)
    code = submitter.submit_all(ordered)
    for line in summary.lines():
        out.line(line)
    return code
