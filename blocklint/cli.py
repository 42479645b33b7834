"""The `blocklint` command: wires loader → engine → reporter, and nothing else."""

from __future__ import annotations

import json
import sys

import click

from blocklint import __version__
from blocklint.commandline import UsageFailure, fail as _fail, internal_error, template_options
from blocklint.kinds import KINDS
from blocklint.report import REPORTERS  # check imports it anyway: --format's choices are its names



# Commands that live in their own modules, imported only when invoked.
LAZY_COMMANDS: dict[str, str] = {
    "submit": "blocklint.submit:submit",
    "serve": "blocklint.server.cli:serve",
    "clean": "blocklint.clean:clean",
    "lsp": "blocklint.lsp.command:lsp",
    "graph": "blocklint.graph:graph",
    "render": "blocklint.render:render",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            from importlib import import_module

            module_name, _, attribute = LAZY_COMMANDS[name].partition(":")
            return getattr(import_module(module_name), attribute)
        return super().get_command(ctx, name)


def _show_version(ctx, _param, value):
    """`--version`, with the tree builder the loader runs: native, or pure Python and why."""
    if not value or ctx.resilient_parsing:
        return
    from blocklint.load import native

    click.echo(f"blocklint, version {__version__} (loader: {native.description})")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and the loader (native or pure Python), then exit.")
def cli():
    """Lint and validate Peak Press block specs, deployments and app specs."""


class _PairedOutputs(click.Command):
    """`--format` and `--output` pair up in command-line order: each `--output FILE` takes the
    `--format` given before it; a format with no output goes to stdout."""

    def parse_args(self, ctx, args):
        ctx.meta["blocklint.sinks"] = _paired_sinks(args)
        return super().parse_args(ctx, args)


def _paired_sinks(args) -> list[list]:
    sinks: list[list] = []
    tokens = list(args)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "--":
            break
        for flag, kind in (("--format", "format"), ("--output", "output"), ("-o", "output")):
            value = None
            if token == flag and index + 1 < len(tokens):
                value, index = tokens[index + 1], index + 1
            elif token.startswith(flag + "=") or (flag == "-o" and token.startswith("-o") and len(token) > 2
                                                   and not token.startswith("--")):
                value = token.split("=", 1)[1] if "=" in token else token[2:]
            if value is None:
                continue
            if kind == "format":
                sinks.append([value, None])
            elif sinks and sinks[-1][1] is None:
                sinks[-1][1] = value
            else:
                raise click.UsageError(f"--output {value}: give the --format it is for before it "
                                       "(e.g. --format sarif --output results.sarif)")
            break
        index += 1
    return sinks


@cli.command(cls=_PairedOutputs)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "formats", multiple=True, default=(),
              type=click.Choice(list(REPORTERS)),
              help="Output format (text by default). Repeatable, each with its own --output.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="Write the --format given before it to FILE instead of stdout.")
@click.option("--kind", type=click.Choice(KINDS), help="Treat every file as this kind of document.")
@template_options
@click.option("--select", multiple=True, metavar="CODES", help="Only these rules (ids or prefixes, e.g. BL3).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Add rules to the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Not these rules (ids or prefixes).")
@click.option("-k", "keyword_expr", metavar="EXPR", help="Only rules whose names match, as pytest -k.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching files and directories.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="Skip files that .gitignore and .ignore files ignore when walking directories (default: on).")
@click.option("--skip-unknown", is_flag=True,
              help="Skip files named that are not Press documents, as a directory walk does (for pre-commit).")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop after the first file with an error.")
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are errors (usage errors still exit 2).")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Also load rules from here.")
@click.option("--stdin-filename", default="<stdin>", help="The name to report for `-` (stdin).")
@click.option("--spec", "spec_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The spec a deployment, revision or parameter file deploys (for value checks).")
@click.option("--artifact-root", type=click.Path(file_okay=False),
              help="Resolve `artifact.path` from here instead of the working directory.")
@click.option("--previous-version", metavar="SEMVER", help="The spec's latest released version.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record today's findings as the baseline.")
@click.option("--show-settings", is_flag=True, help="Print the resolved settings for the first PATH, and exit.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: the CPU count for more than a handful of files; 1 = none).")
@click.option("--verbose", is_flag=True, help="Show skipped files, kinds and informational notes.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings and the summary only.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces it).")
@click.option("--progress/--no-progress", default=None,
              help="A progress bar on stderr for long runs (default: on a terminal, never for machine formats).")
@click.option("--statistics", is_flag=True, help="Also print how many findings each rule reported.")
@click.option("--no-cache", is_flag=True, envvar="BLOCKLINT_NO_CACHE",
              help="Check every file again: neither read nor write .blocklint_cache (or set BLOCKLINT_NO_CACHE=1).")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files, then report the findings left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, apply unsafe fixes too (they may change meaning).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; change no file.")
@click.pass_context
def check(ctx, **_options):
    """Check Press documents: files, directories (recursively) or - for stdin."""
    from blocklint.check_run import ConflictingOutputs, run_check

    try:
        status = run_check(ctx.params, ctx.meta.get("blocklint.sinks"))
    except ConflictingOutputs as error:
        raise click.UsageError(str(error)) from error
    except UsageFailure as error:
        _fail(str(error))
    sys.exit(status)


@cli.command()
@click.argument("kind", type=click.Choice(KINDS), required=False)
@click.option("--body", is_flag=True, help="The schema of the bare body (as passed to the SDK).")
@click.option("--write", "directory", type=click.Path(file_okay=False),
              help="Write every kind's schemas into DIR (KIND.json for peak CLI files, KIND.body.json).")
def schema(kind, body, directory):
    """Print the JSON Schema of a document KIND (of its peak CLI file, by default)."""
    from blocklint.schema import schema_for

    if directory:
        from pathlib import Path

        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for name in [kind] if kind else KINDS:
            (target / f"{name}.json").write_text(json.dumps(schema_for(name, cli=True), indent=2) + "\n")
            (target / f"{name}.body.json").write_text(json.dumps(schema_for(name, cli=False), indent=2) + "\n")
        click.echo(f"wrote {2 * (1 if kind else len(KINDS))} schemas to {target}")
        return
    if kind is None:
        click.echo("\n".join(KINDS))
        return
    click.echo(json.dumps(schema_for(kind, cli=not body), indent=2))


def _available_rules(rules_dir):
    from blocklint.plan import Overrides, Planner, PlanError

    try:
        return Planner(Overrides(rules_dir=tuple(rules_dir))).default.available
    except PlanError as error:
        _fail(str(error))


@cli.command(name="rules")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(rules_dir, output_format):
    """List every rule: id, name, severity and what it checks."""
    rules = _available_rules(rules_dir)
    if output_format == "json":
        from blocklint.report.rule_list import rules_json

        click.echo(rules_json(rules), nl=False)
        return
    width = max((len(found.name) for found in rules), default=10)
    for found in rules:
        click.echo(f"{found.id}  {found.name:<{width}}  {found.severity:<7}  {found.summary}")


@cli.command()
@click.argument("rule_id")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False))
def explain(rule_id, rules_dir):
    """Show the documentation of one rule (by id or name), or list a family (`explain BL3`)."""
    from blocklint.words import did_you_mean

    rules = _available_rules(rules_dir)
    wanted = rule_id.strip()
    for found in rules:
        if wanted.upper() == found.id or wanted.lower() == found.name:
            click.echo(f"{found.id} {found.name} ({found.severity})\n\n{found.doc}")
            return
    family = [found for found in rules if wanted and found.id.startswith(wanted.upper())]
    if family:
        width = max(len(found.name) for found in family)
        for found in family:
            click.echo(f"{found.id}  {found.name:<{width}}  {found.severity:<7}  {found.summary}")
        return
    _fail(f"no rule {wanted!r}{did_you_mean(wanted, [r.id for r in rules] + [r.name for r in rules])}")


def main():
    try:
        cli(prog_name="blocklint")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:
        internal_error(error)
