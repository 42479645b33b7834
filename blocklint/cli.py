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
LAZY_COMMANDS: dict[str, str] = {
    "submit": "blocklint.submit:submit",
    "serve": "blocklint.server.cli:serve",
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


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blocklint")
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


def _known_codes(codes, rules, where: str):
    from blocklint.fixtures import did_you_mean

    for code in codes:
        if code != "ALL" and not any(found.id.startswith(code) for found in rules):
            raise click.UsageError(f"unknown rule code {code!r} in {where}"
                                   f"{did_you_mean(code, [found.id for found in rules])}")


@cli.command(cls=_PairedOutputs)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "formats", multiple=True, default=(),
              type=click.Choice(["text", "concise", "json", "json-lines", "sarif", "junit", "github"]),
              help="Output format (text by default). Repeatable, each with its own --output.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="Write the --format given before it to FILE instead of stdout.")
@click.option("--kind", type=click.Choice(KINDS), help="Treat every file as this kind of document.")
@click.option("--params-file", "-v", "params_file", type=click.Path(dir_okay=False),
              help="YAML file of template variables (as `peak ... --params-file`).")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A template variable (as `peak ... -p`); wins over --params-file.")
@click.option("--no-template", is_flag=True, help="Do not render peak CLI files as Jinja templates.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rules (ids or prefixes, e.g. BL3).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Add rules to the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Not these rules (ids or prefixes).")
@click.option("-k", "keyword_expr", metavar="EXPR", help="Only rules whose names match, as pytest -k.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching files and directories.")
@click.option("--skip-unknown", is_flag=True,
              help="Skip files named that are not Press documents, as a directory walk does (for pre-commit).")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop after the first file with an error.")
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on warnings too.")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Also load rules from here.")
@click.option("--stdin-filename", default="<stdin>", help="The name to report for `-` (stdin).")
@click.option("--spec", "spec_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="The spec a deployment, revision or parameter file deploys (for value checks).")
@click.option("--artifact-root", type=click.Path(file_okay=False),
              help="Resolve `artifact.path` from here instead of the working directory.")
@click.option("--previous-version", metavar="SEMVER", help="The spec's latest released version.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record today's findings as the baseline.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="Use this configuration file instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: the CPU count for more than a handful of files; 1 = none).")
@click.option("--verbose", is_flag=True, help="Show skipped files, kinds and informational notes.")
@click.pass_context
def check(ctx, paths, formats, outputs, kind, params_file, params, no_template, select, extend_select, ignore,
          keyword_expr, exclude, skip_unknown, exitfirst, strict, rules_dir, stdin_filename, spec_files, artifact_root,
          previous_version, baseline, write_baseline, config_file, isolated, jobs, verbose):
    """Check Press documents: files, directories (recursively) or - for stdin."""
    from pathlib import Path

    from blocklint import engine, runner
    from blocklint.config import ConfigError, find_config, load_config
    from blocklint.load import LoadSettings

    try:
        config = load_config(None if isolated else Path(config_file) if config_file else find_config())
        rules = engine.collect_rules([*config.rules_dir, *rules_dir])
    except (ConfigError, engine.RuleError) as error:
        _fail(str(error))
    chosen_select = _split(select) or config.select
    chosen_select = chosen_select + [*config.extend_select, *_split(extend_select)] if chosen_select else []
    chosen_ignore = [*config.ignore, *_split(ignore)]
    where = f"{config.path.name}" if config.path else "the command line"
    _known_codes(chosen_select + chosen_ignore, rules, f"--select/--ignore or {where}")
    _known_codes([*config.severity, *config.options], rules, where)
    _known_codes([code for codes in config.per_file_ignores.values() for code in codes], rules, where)
    try:
        selected = engine.select_rules(rules, select=chosen_select, ignore=chosen_ignore, keyword_expr=keyword_expr)
        targets = runner.discover(paths or ["."], exclude=[*config.exclude, *exclude], skip_unknown=skip_unknown)
    except (engine.RuleError, runner.UnreadablePath) as error:
        _fail(str(error))
    params_path = params_file or config.params_file
    template_params = _load_params_file(params_path) if params_path else {}
    template_params.update(_parse_params(params))
    load_settings = LoadSettings(params=template_params, template=not no_template, kind=kind)
    from blocklint.registry import spec_resolver  # light: opens the registry only when a spec.id is looked up

    settings = engine.Settings(verbose=verbose, spec_files=tuple(spec_files), artifact_root=artifact_root,
                               previous_version=previous_version, load=load_settings,
                               severity=config.severity, options=config.options, spec_resolver=spec_resolver())
    stdin = {"stdin_bytes": sys.stdin.buffer.read(), "stdin_name": stdin_filename} \
        if any(t.path == runner.STDIN for t in targets) else {}
    baseline_path = baseline or config.baseline
    strict = bool(strict or config.strict)
    reporters = [] if write_baseline else _reporters(ctx.meta.get("blocklint.sinks") or [], selected, verbose, strict)
    known = _read_baseline(baseline_path) if baseline_path and not write_baseline else None
    for reporter, _ in reporters:
        reporter.start()
    results = []
    lint = engine.Engine(selected, settings)
    checked = runner.check_all(targets, lint, load_settings, jobs=jobs, skip_for=config.ignored_for, **stdin)
    try:
        for result in checked:
            if known is not None:
                from blocklint.baseline import new_findings

                result.findings = new_findings(result.findings, known, config.root)
            results.append(result)
            for reporter, _ in reporters:
                reporter.file(result)
            if exitfirst and result.failed:
                break
    except runner.UnreadablePath as error:
        _fail(str(error))
    finally:
        checked.close()
    findings = [f for result in results for f in result.findings if f.severity != "info"]
    if write_baseline:
        from blocklint.baseline import write_baseline as write

        count = write(Path(write_baseline), findings, config.root)
        click.echo(f"blocklint: wrote {count} finding(s) to {write_baseline}", err=True)
        sys.exit(EXIT_OK)
    for reporter, stream in reporters:
        reporter.finish(results)
        if stream is not sys.stdout:
            stream.close()
    failed = any(f.severity == "error" for f in findings) or (strict and findings)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _reporters(sinks, rules, verbose, strict):
    from blocklint.report import reporter_class

    sinks = sinks or [["text", None]]
    to_stdout = [name for name, target in sinks if target in (None, "-")]
    if len(to_stdout) > 1:
        raise click.UsageError(f"formats {', '.join(to_stdout)} would all go to stdout; give all but one "
                               "an --output FILE")
    if os.environ.get("GITHUB_ACTIONS") == "true" and to_stdout == ["text"] \
            and not any(name == "github" for name, _ in sinks):
        sinks = [*sinks, ["github-annotations", None]]
    reporters = []
    for name, target in sinks:
        try:
            stream = sys.stdout if target in (None, "-") else open(target, "w", encoding="utf-8")
        except OSError as error:
            _fail(f"--output {target}: {error.strerror}")
        options = {"annotations_only": True} if name == "github-annotations" else {}
        reporter = reporter_class("github" if name == "github-annotations" else name)
        reporters.append((reporter(stream, verbose=verbose, rules=rules, strict=strict, **options), stream))
    return reporters


def _read_baseline(path):
    from pathlib import Path

    from blocklint.baseline import read_baseline

    try:
        return read_baseline(Path(path))
    except ValueError as error:
        _fail(str(error))


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
