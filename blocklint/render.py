"""`blocklint render FILE`: the document as the peak CLI reads it, printed as JSON.

What `peak.template.load_template` returns for the file, which is what `peak ... create FILE`
sends: rendered with Jinja as the CLI renders it (in blocklint's sandbox, with `-v`/`-p` as the
CLI takes them), read with `yaml.safe_load`'s types (`.json` files too), nulls removed as
`peak.helpers.remove_none_values` removes them (from mappings only). The `x-blocklint` key, which
the CLI drops before sending, is left out; so is the environment (`os_env` holds only the
variables `--template-env` names, unlike the CLI's).

The file is read through the same plan as `check` (the closest configuration). The JSON is
written as the request carries it (`json.dumps`: non-ASCII characters escaped, so no control
or bidirectional character reaches the terminal), indented, with secrets masked as in every
report: a credential the detector recognises and every `--template-env` value become `****`.

Where the CLI could not read the file or send what it read, the findings that say why are
printed on stderr (the text format) and the exit code is 1.
"""

from __future__ import annotations

import json
import sys

import click

from blocklint.commandline import EXIT_FINDINGS, fail, parse_params, template_options

# Loader findings that mean the peak CLI stops before sending: it cannot read the file (not
# text, too large for blocklint, not YAML, several documents, a template error) or cannot send
# a value it read (BL013). A top level that is not a mapping stops it too (BL002, BL006).
CLI_FAILURES = frozenset({"BL001", "BL002", "BL003", "BL005", "BL007", "BL009", "BL012", "BL013"})


def without_nulls(value):
    """`peak.helpers.remove_none_values`: keys with null values dropped, in mappings only."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    return value


def masked(value, masker, key=None):
    """`value` with every string (keys too) masked as reports mask text. A string under a key
    named like a secret (`password`) is masked with that key, as the detector reads it in a spec."""
    if isinstance(value, dict):
        return {masker.mask(item_key) if isinstance(item_key, str) else item_key: masked(item, masker, item_key)
                for item_key, item in value.items()}
    if isinstance(value, list):
        return [masked(item, masker, key) for item in value]
    if not isinstance(value, str):
        return value
    prefix = f"{key}: " if isinstance(key, str) and key.isidentifier() else ""
    shown = masker.mask(prefix + value)
    return shown[len(prefix):] if shown.startswith(prefix) else masker.mask(value)


def cli_failures(doc, plan) -> list:
    """The findings on `doc` that mean the peak CLI could not read or send it (none: it can)."""
    from blocklint.runner import check_document

    failing = {problem.rule for problem in doc.problems} & CLI_FAILURES
    if not failing and isinstance(doc.data, dict):
        return []
    findings = check_document(doc, plan).findings
    return [finding for finding in findings if finding.rule in failing] or \
        [finding for finding in findings if finding.severity == "error"]


def as_sent(doc, masker) -> str:
    """The document's values as the request carries them (nulls dropped, secrets masked)."""
    return json.dumps(masked(without_nulls(doc.data), masker), indent=2, allow_nan=False)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@template_options
def render(file, params_file, params, no_template, template_env, config_file, isolated, trust_rules_dir):
    """Print FILE as the peak CLI reads it and would send it: rendered, as JSON, secrets masked."""
    from blocklint.plan import Overrides, PlanError, Planner
    from blocklint.runner import Target, load_target
    from blocklint.secrets import Masker

    try:
        overrides = Overrides(params_file=params_file, params=parse_params(params), template=not no_template,
                              template_env=tuple(template_env), config_file=config_file, isolated=isolated,
                              trust_rules_dir=trust_rules_dir, registry=False, follow_references=False)
        plan = Planner(overrides).for_path(file)
    except PlanError as error:
        fail(str(error))
    doc = load_target(Target(file, explicit=True), plan.load)
    failures = cli_failures(doc, plan)
    if failures:
        from blocklint.report.text import TextReporter
        from blocklint.runner import FileResult

        reporter = TextReporter(sys.stderr, quiet=True, secrets=plan.secrets, color="auto")
        reporter.start()
        reporter.file(FileResult(doc.path, doc.kind, failures))
        reporter.finish()
        sys.exit(EXIT_FINDINGS)
    click.echo(as_sent(doc, Masker(plan.secrets)))
