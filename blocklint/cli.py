"""The `blocklint` command: wires loader → engine → reporter, and nothing else."""

from __future__ import annotations

import json
import os
import sys

import click

from blocklint import __version__
from blocklint.kinds import KINDS

EXIT_OK, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2


def _split(values) -> list[str]:
    return [item.strip().upper() for value in values for item in value.split(",") if item.strip()]


def _parse_params(pairs) -> dict:
    params = {}
    for pair in pairs:
        if pair.count("=") != 1:
            raise click.BadParameter(f"{pair!r}: expected key=value with exactly one '=' (as the peak CLI)",
                                     param_hint="-p/--param")
        key, value = pair.split("=")
        params[key.strip()] = value
    return params


def _load_params_file(path) -> dict:
    from blocklint.load import LoadSettings, load_path

    try:
        doc = load_path(path, LoadSettings(template=False))
    except OSError as error:
        raise click.BadParameter(f"{path}: {error.strerror}", param_hint="--params-file") from error
    if doc.problems:
        problem = doc.problems[0]
        raise click.BadParameter(f"{path}:{problem.span.line + 1}: {problem.message}", param_hint="--params-file")
    if not isinstance(doc.data, dict):
        raise click.BadParameter(f"{path}: expected a mapping of names to values", param_hint="--params-file")
    return {key: value for key, value in doc.data.items() if value is not None}


# Commands that live in their own modules, imported only when invoked.
LAZY_COMMANDS: dict[str, str] = {}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            from importlib import import_module

            module_name, _, attribute = LAZY_COMMANDS[name].partition(":")
            return getattr(import_module(module_name), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blocklint")
def cli():
    """Lint and validate Peak Press block specs, deployments and app specs."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "concise", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--kind", type=click.Choice(KINDS), help="Treat every file as this kind of document.")
@click.option("--params-file", "-v", "params_file", type=click.Path(dir_okay=False),
              help="YAML file of template variables (as `peak ... --params-file`).")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A template variable (as `peak ... -p`); wins over --params-file.")
@click.option("--no-template", is_flag=True, help="Do not render peak CLI files as Jinja templates.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rules (ids or prefixes, e.g. BL3).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Not these rules (ids or prefixes).")
@click.option("-k", "keyword_expr", metavar="EXPR", help="Only rules whose names match, as pytest -k.")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop after the first file with an error.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Also load rules from here.")
@click.option("--stdin-filename", default="<stdin>", help="The name to report for `-` (stdin).")
@click.option("--spec", "spec_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The spec a deployment, revision or parameter file deploys (for value checks).")
@click.option("--artifact-root", type=click.Path(file_okay=False),
              help="Resolve `artifact.path` from here instead of the working directory.")
@click.option("--previous-version", metavar="SEMVER", help="The spec's latest released version.")
@click.option("--verbose", is_flag=True, help="Show skipped files, kinds and informational notes.")
def check(paths, output_format, kind, params_file, params, no_template, select, ignore, keyword_expr,
          exitfirst, strict, rules_dir, stdin_filename, spec_files, artifact_root, previous_version, verbose):
    """Check Press documents: files, directories (recursively) or - for stdin."""
    from blocklint import engine, runner
    from blocklint.load import LoadSettings
    from blocklint.report import reporter_class

    template_params = _load_params_file(params_file) if params_file else {}
    template_params.update(_parse_params(params))
    try:
        rules = engine.select_rules(engine.collect_rules(rules_dir), select=_split(select),
                                    ignore=_split(ignore), keyword_expr=keyword_expr)
        targets = runner.discover(paths or ["."])
    except (engine.RuleError, runner.UnreadablePath) as error:
        _fail(str(error))
    load_settings = LoadSettings(params=template_params, template=not no_template, kind=kind)
    settings = engine.Settings(verbose=verbose, spec_files=tuple(spec_files), artifact_root=artifact_root,
                               previous_version=previous_version, load=load_settings)
    lint = engine.Engine(rules, settings)
    stdin = {"stdin_bytes": sys.stdin.buffer.read(), "stdin_name": stdin_filename} \
        if any(t.path == runner.STDIN for t in targets) else {}
    reporter = reporter_class(output_format)(sys.stdout, verbose=verbose)
    reporter.start()
    results = []
    for target in targets:
        try:
            result = runner.check_target(target, lint, load_settings, **stdin)
        except runner.UnreadablePath as error:
            _fail(str(error))
        results.append(result)
        reporter.file(result)
        if exitfirst and result.failed:
            break
    reporter.finish(results)
    findings = [f for result in results for f in result.findings if f.severity != "info"]
    failed = any(f.severity == "error" for f in findings) or (strict and findings)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@cli.command()
@click.argument("kind", type=click.Choice(KINDS), required=False)
@click.option("--body", is_flag=True, help="The schema of the bare body (as passed to the SDK).")
def schema(kind, body):
    """Print the JSON Schema of a document KIND (of its peak CLI file, by default)."""
    from blocklint.schema import schema_for

    if kind is None:
        click.echo("\n".join(KINDS))
        return
    click.echo(json.dumps(schema_for(kind, cli=not body), indent=2))


@cli.command(name="rules")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False))
def list_rules(rules_dir):
    """List every rule: id, name, severity and what it checks."""
    from blocklint import engine

    try:
        rules = engine.collect_rules(rules_dir)
    except engine.RuleError as error:
        _fail(str(error))
    width = max((len(found.name) for found in rules), default=10)
    for found in rules:
        click.echo(f"{found.id}  {found.name:<{width}}  {found.severity:<7}  {found.summary}")


@cli.command()
@click.argument("rule_id")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False))
def explain(rule_id, rules_dir):
    """Show the documentation of one rule (by id or name)."""
    from blocklint import engine
    from blocklint.fixtures import did_you_mean

    rules = engine.collect_rules(rules_dir)
    wanted = rule_id.strip()
    for found in rules:
        if wanted.upper() == found.id or wanted.lower() == found.name:
            click.echo(f"{found.id} {found.name} ({found.severity})\n\n{found.doc}")
            return
    _fail(f"no rule {wanted!r}{did_you_mean(wanted, [r.id for r in rules] + [r.name for r in rules])}")


def _fail(message: str):
    click.echo(f"blocklint: {message}", err=True)
    sys.exit(EXIT_FAILURE)


def main():
    try:
        cli(prog_name="blocklint")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # never a traceback for users; BLOCKLINT_DEBUG=1 shows it
        if os.environ.get("BLOCKLINT_DEBUG"):
            raise
        click.echo(f"blocklint: internal error: {type(error).__name__}: {error} "
                   "(set BLOCKLINT_DEBUG=1 for the traceback, and please report it)", err=True)
        sys.exit(EXIT_FAILURE)
