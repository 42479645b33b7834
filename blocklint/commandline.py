"""What every command shares on the command line: exit codes, the template options (named as the
peak CLI names them), and how a usage error is reported."""

from __future__ import annotations

import os
import sys

EXIT_OK, EXIT_FINDINGS, EXIT_FAILURE = 0, 1, 2


def parse_params(pairs) -> tuple:
    """`-p key=value` pairs, as the peak CLI reads them."""
    params = []
    for pair in pairs:
        if pair.count("=") != 1:
            import click  # only the command line gives pairs

            raise click.BadParameter(f"{pair!r}: expected key=value with exactly one '=' (as the peak CLI)",
                                     param_hint="-p/--param")
        key, value = pair.split("=")
        params.append((key.strip(), value))
    return tuple(params)


def _codes(values) -> tuple:
    from blocklint.plan import split_codes

    return tuple(split_codes(values))


# The options that reach the plan under another name or in another form: (field, conversion).
CONVERTED = {
    "select": ("select", _codes),
    "extend_select": ("extend_select", _codes),
    "ignore": ("ignore", _codes),
    "params": ("params", parse_params),
    "no_template": ("template", lambda off: not off),
    "template_env": ("template_env", tuple),
    "write_baseline": ("use_baseline", lambda writing: not writing),
}


def overrides_of(options: dict):
    """The `Overrides` a command's options ask for (`ctx.params`): written once for every command.
    An option named as an `Overrides` field sets it; those in `CONVERTED` are converted on the
    way; any other option is the command's own business."""
    from blocklint.plan import Overrides

    fields = set(Overrides._fields)
    values = {}
    for name, value in options.items():
        field, convert = CONVERTED.get(name, (name, None))
        if field in fields:
            values[field] = convert(value) if convert else value
    return Overrides(**values)


def template_options(func):
    """The options of every command that reads peak CLI files and configuration."""
    import click  # here, not at the top: `blocklint check PATH` runs without click (`blocklint.entry`)

    for decorator in reversed([
        click.option("--params-file", "-v", "params_file", type=click.Path(),
                     help="YAML file of template variables (as `peak ... --params-file`)."),
        click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
                     help="A template variable (as `peak ... -p`); wins over --params-file."),
        click.option("--no-template", is_flag=True, help="Do not render peak CLI files as Jinja templates."),
        click.option("--template-env", multiple=True, metavar="NAME",
                     help="Let templates read this environment variable as os_env.NAME (repeatable; "
                          "none by default, unlike the peak CLI). Its value is never printed."),
        click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
                     help="Use this configuration file instead of the closest one to each file."),
        click.option("--isolated", is_flag=True, help="Ignore configuration files."),
        click.option("--trust-rules-dir", is_flag=True, default=None,
                     help="Load the rules-dir a configuration file names (Python code from the checkout; "
                          "or set BLOCKLINT_TRUST_RULES_DIR=1). Never for a checkout you do not trust."),
    ]):
        func = decorator(func)
    return func


class UsageFailure(Exception):
    """A usage error found while running (a path that cannot be read, a broken configuration):
    reported as `fail` reports it."""


def fail(message: str):
    """A usage error: one line on stderr, exit 2.

    The message may quote input (a configuration's unknown key, a path, a rule code): it is masked
    and escaped as findings are, so a pull request's `.blocklint.toml` can neither print a secret
    nor forge a CI command (`::error`, `::add-mask::`) or a terminal escape sequence."""
    from blocklint.report import echo_line, present_message

    echo_line(f"blocklint: {present_message(message)}", err=True)
    sys.exit(EXIT_FAILURE)


def internal_error(error: Exception):
    """An error nobody foresaw, at any front door: one line on stderr and exit 2, never a
    traceback for users; `BLOCKLINT_DEBUG=1` raises it again, traceback and all."""
    if os.environ.get("BLOCKLINT_DEBUG"):
        raise error
    from blocklint.report import echo_line, present_message

    echo_line(f"blocklint: internal error: {type(error).__name__}: {present_message(str(error))} "
              "(set BLOCKLINT_DEBUG=1 for the traceback, and please report it)", err=True)
    sys.exit(EXIT_FAILURE)
