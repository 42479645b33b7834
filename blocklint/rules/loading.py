"""BL0xx: reading the file. Each rule reports one kind of problem the loader met."""

from blocklint import AS_WRITTEN, OWN_DIRECTIVE, SDK_FAILS, UNCHECKED, WARNING, rule
from blocklint.engine.select import names_every_rule


def _reported(problems, rule_id):
    return [(problem.span, problem.message) for problem in problems if problem.rule == rule_id]


@rule("BL000", "internal-error", evidence=UNCHECKED)
def internal_error():
    """A rule or fixture crashed on this document: blocklint reports it here and goes on.

    The engine, not this function, makes these findings: when a rule (a built-in one, a
    `--rules-dir` module or a plugin) or a fixture it asks for raises, the exception becomes one
    BL000 finding at the node the rule was checking, naming the rule and the exception, and every
    other rule and every other file is still checked.

    ## Why is this bad?
    The crashed rule said nothing about this node, so a mistake it looks for may be missed. It
    is always a bug in that rule (or in blocklint): please report it with the file that causes it.

    ## Source
    blocklint's own robustness policy: one file, or one rule, never stops the checking of the
    others. Error: the file was not fully checked.

    ## Example
    A local rule that divides by a step's `retries`, on a step without them:
    ```yaml
        steps:
          load:
            command: python load.py
    ```
    Fix the rule (`step.get("retries") or 1`), or report the crash if the rule is blocklint's.
    """
    return ()


@rule("BL001", "invalid-yaml", evidence=SDK_FAILS)
def invalid_yaml(problems):
    """The file is not valid YAML (or, for `.json` files, not valid JSON).

    ## Why is this bad?
    The peak CLI stops at the first syntax error, and so does the platform. Common causes are
    a tab used for indentation, an unclosed bracket or quote, and (in JSON) a trailing comma.

    ## Example
    ```yaml
    body:
    	kind: workflow
    ```
    Use spaces:
    ```yaml
    body:
      kind: workflow
    ```

    ## Source
    SDK code: the peak CLI parses the rendered file with `yaml.safe_load` (`peak/template.py`);
    a file it cannot parse stops the command before anything is sent. Error.
    """
    return _reported(problems, "BL001")


@rule("BL002", "empty-file", evidence=SDK_FAILS)
def empty_file(problems):
    """The file is empty or holds only comments.

    ## Why is this bad?
    The peak CLI fails on an empty file with an unhelpful `NoneType` error.

    ## Example
    An empty `spec.yaml`. Write the document, starting with `body:`.

    ## Source
    SDK code: `yaml.safe_load` of an empty file gives `None`, which
    `peak/cli/helpers.py::template_handler` cannot turn into the command's keyword arguments;
    the command fails. Error.
    """
    return _reported(problems, "BL002")


@rule("BL003", "not-utf8-text", evidence=SDK_FAILS)
def not_utf8_text(problems):
    """The file is binary or not valid UTF-8.

    ## Why is this bad?
    The peak CLI reads spec files as UTF-8; any other encoding fails to load or is garbled.

    ## Example
    A file saved as Latin-1 with `é` in a description. Save it as UTF-8.

    ## Source
    SDK code: `peak/template.py` reads the file as UTF-8 text through Jinja's loader; other
    bytes raise `UnicodeDecodeError`. Error.
    """
    return _reported(problems, "BL003")


@rule("BL004", "duplicate-key", evidence=SDK_FAILS)
def duplicate_key(problems):
    """A mapping has the same key twice.

    ## Why is this bad?
    YAML loaders keep only the last value, so the first one is lost without a word: a step
    defined twice, or a `parents:` list overwritten.

    ## Example
    ```yaml
    steps:
      load: {command: python load.py}
      load: {command: python load2.py}
    ```
    Give each step its own name.

    ## Source
    The YAML 1.1 specification (section 3.2.1.1: "each of the keys is unique") and RFC 8259
    ("names within an object SHOULD be unique"). SDK code: PyYAML (`yaml.safe_load`) keeps the last
    value without a word, so one of the two values is lost. Error: the format states it.
    """
    return _reported(problems, "BL004")


@rule("BL005", "resource-limit", evidence=UNCHECKED)
def resource_limit(problems):
    """The file is past a limit blocklint sets to stay fast on hostile input.

    Limits: 10 MiB per file, 100 levels of nesting, 1,000,000 nodes after expanding YAML
    aliases. No real Press document comes near them. Findings are capped too: past 1,000 of one
    rule or 5,000 in one file, one BL005 finding, with the severity of the first left out, stands
    for the rest (a flood is one mistake repeated; fix the first and run again).

    ## Why is this bad?
    A file this large or deep is generated or malicious (a "billion laughs" alias bomb
    expands a few lines into gigabytes); the platform would reject it anyway.

    ## Example
    ```yaml
    a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    # ... repeated nine times
    ```

    ## Source
    blocklint's own limits (docs/limits.md), not the platform's: a file past them is not checked
    at all, so the run cannot vouch for it. Error.
    """
    return _reported(problems, "BL005")


@rule("BL006", "not-a-press-document", evidence=UNCHECKED)
def not_a_press_document(problems):
    """A file named on the command line is not a Press document blocklint recognises.

    Kinds are claimed (`--kind NAME`, a `# blocklint: kind=NAME` header comment, a glob in
    `[tool.blocklint.kinds]`) or recognised from a strong marker of their shape; a header comment
    that names no kind is reported here too. In a directory walk, YAML files that are not Press documents (CI workflows, compose files, the files of
    other `peak` commands) are skipped quietly.

    ## Why is this bad?
    Either the file is not a spec (nothing to check), or its shape is so far off that
    blocklint cannot tell what it should be: the platform will not know either.

    ## Example
    ```yaml
    version: "3"
    services: {web: {image: nginx}}
    ```

    ## Source
    blocklint's own: a file named explicitly on the command line that matches no command's input
    file schema cannot be checked. Error, because the user asked for that file to be checked.
    """
    return _reported(problems, "BL006")


@rule("BL007", "template-error", evidence=SDK_FAILS)
def template_error(problems):
    """The file cannot be rendered as the peak CLI renders it (Jinja), or blocklint's sandbox refused it.

    A syntax error in a `{% ... %}` tag, an `{% include %}` of a file that does not exist
    (paths are relative to the working directory or the including file), a circular include, or
    any error while rendering (`{{ 1/0 }}`). blocklint renders untrusted templates in a sandbox:
    no Python internals, includes only of regular files inside the project, no value over 10 MiB,
    a bounded amount of work (see docs/limits.md); what passes those bounds is reported here too.

    ## Why is this bad?
    The peak CLI renders every file before reading it, and stops on these errors.

    ## Example
    ```yaml
    body:
      {% include "missing.yaml" %}
    ```

    ## Source
    SDK code: `peak/template.py` renders the file with Jinja (`jinja2.Environment` plus the
    include extension); a syntax error or a failing include raises in the CLI before anything is
    sent. Error.
    """
    return _reported(problems, "BL007")


@rule("BL008", "undefined-template-variable", evidence=SDK_FAILS)
def undefined_template_variable(problems):
    """A `{{ variable }}` in a peak CLI file has no value.

    Values come from `--params-file FILE`, `-p key=value` and `os_env`. Unlike the peak CLI,
    blocklint's `os_env` holds only the environment variables you allow (`--template-env NAME`
    on the command line); any other `os_env.NAME` is undefined here.

    ## Why is this bad?
    The peak CLI renders an undefined variable as an empty string without a warning, and a
    key left empty is then dropped: the spec silently loses a field. A `{{name}}` meant for
    the platform (an http step's payload placeholder) is lost the same way; wrap it in
    `{% raw %}…{% endraw %}` so it is sent as written.

    ## Example
    ```yaml
        payload: '{"data": "{{data}}"}'
    ```
    Fixed:
    ```yaml
        payload: '{% raw %}{"data": "{{data}}"}{% endraw %}'
    ```

    ## Source
    SDK code: `peak/template.py` renders with Jinja's default `Undefined`, so an unknown `{{
    name }}` becomes an empty string, and `remove_none_values` then drops a key left null. The
    SDK does not refuse the file, but what it sends provably differs from what was written (the
    value is gone). Error: the outcome is fixed by SDK code, not inferred.
    """
    return _reported(problems, "BL008")


@rule("BL009", "multiple-documents", evidence=SDK_FAILS)
def multiple_documents(problems):
    """The file holds more than one YAML document (`---` separators).

    ## Why is this bad?
    The peak CLI loads exactly one document per file and fails on a second.

    ## Example
    ```yaml
    body: {...}
    ---
    body: {...}
    ```
    Put each document in a file of its own.

    ## Source
    SDK code: `yaml.safe_load` raises "expected a single document in the stream" for a second
    document. Error.
    """
    return _reported(problems, "BL009")


@rule("BL010", "null-value-dropped", severity=WARNING, evidence=AS_WRITTEN)
def null_value_dropped(problems):
    """A key in a peak CLI file has a null value, so the CLI drops it.

    ## Why is this bad?
    The peak CLI removes null-valued keys before sending, so `parents:` with nothing after
    it does not mean "no parents", it means the key was never written: often a value was
    forgotten or a template variable was empty.

    ## Example
    ```yaml
        resources:
          instanceTypeId:
    ```

    ## Source
    Sent as written, less the key: SDK code, `peak/cli/helpers.py::remove_none_values`, drops keys
    whose value is null (dicts only). Warning: the key may have been meant to be absent.
    """
    return _reported(problems, "BL010")


@rule("BL011", "unused-suppression", severity=WARNING, evidence=OWN_DIRECTIVE)
def unused_suppression(unused_suppressions, problems):
    """A `# blocklint: disable=...` comment or an `x-blocklint` key that suppresses nothing.

    An `x-blocklint` key must be `{"disable": ["BL504", ...]}`; any other value suppresses
    nothing (the peak CLI drops the top-level key either way).

    Reported only for codes whose rules ran: a suppression of a rule left out with `--select`
    or `--ignore` is not judged. A code naming every rule (`ALL`, `B`, `BL`) silences nothing and
    is always reported, and no comment silences what a file cannot silence about itself: a crashed
    rule (BL000), a resource limit (BL005), a refused or failing template (BL007).

    ## Why is this bad?
    A stale suppression hides the next real problem on that line; remove it once the problem
    it silenced is fixed.

    ## Example
    ```yaml
          # blocklint: disable=BL301
          parents: [load]
    ```
    `load` exists, so BL301 has nothing to report: delete the comment.

    ## Source
    blocklint's own suppression comments. Warning: a stale comment changes nothing on the
    platform.
    """
    for span, code in unused_suppressions:
        if names_every_rule(code):
            yield span, (f"'# blocklint: disable={code}' would silence every rule, so it silences none; "
                         "name the rules to silence")
        else:
            yield span, f"'# blocklint: disable={code}' suppresses nothing here; remove it"
    yield from _reported(problems, "BL011")


@rule("BL012", "unreadable-file", evidence=UNCHECKED)
def unreadable_file(problems):
    """The file cannot be read, or is not a regular file (a device, FIFO, socket or directory).

    blocklint reads regular files only, resolving symlinks first, and never more than the size
    limit, whatever the file system says its size is.

    ## Why is this bad?
    A spec named `*.yaml` that is a symlink to `/dev/zero` or a named pipe would make any tool
    that reads it hang or exhaust memory; one without read permission cannot be checked at all.

    ## Source
    blocklint's own limits on hostile input (docs/limits.md): every read is of a regular file and
    bounded. Error: the file was not checked.

    ## Example
    `spec.yaml -> /dev/zero`. Point the link at the real spec file, or remove it.
    """
    return _reported(problems, "BL012")


@rule("BL013", "value-not-json", evidence=SDK_FAILS)
def value_not_json(problems):
    """A value the peak CLI reads from YAML but cannot send as JSON.

    Dates and timestamps (an unquoted `2024-01-01`), bytes (`!!binary`), sets (`!!set`), NaN and
    infinities (`.nan`, `.inf`, `1.0e+400`), as values or as keys.

    ## Why is this bad?
    The CLI loads YAML 1.1 with PyYAML, where an unquoted `2024-01-01` is a `datetime.date`, and
    then sends the body as JSON, which has no such values: the command fails before anything is
    sent, whatever the value was meant to be.

    ## Example
    ```yaml
      metadata:
        summary: 2024-01-01
    ```
    Quote it:
    ```yaml
      metadata:
        summary: '2024-01-01'
    ```

    ## Source
    SDK code: `peak/template.py` loads the file with `yaml.safe_load`; the request is made by
    `requests`, whose `json=` body is `json.dumps(..., allow_nan=False)`, which raises `TypeError:
    Object of type date is not JSON serializable` (and `ValueError` for NaN and infinities). Error.
    """
    return _reported(problems, "BL013")


@rule("BL014", "json-not-strict", severity=WARNING, evidence=AS_WRITTEN)
def json_not_strict(problems):
    """A `.json` file that strict JSON would refuse or read otherwise, but the peak CLI reads.

    The CLI reads `.json` files with its YAML loader (JSON is nearly YAML): a trailing comma is
    accepted, a `//` comment becomes text (a key, dropped when it has no value, or a list item),
    single quotes are YAML strings, and a number such as `1e5` is the string `"1e5"` (YAML 1.1
    floats have a dot and a signed exponent: `1.0e+5`).

    ## Why is this bad?
    The CLI sends what it read, so the request goes out; but other JSON tools refuse the file,
    and what is sent may not be what the JSON seems to say (`1e5` goes out as a string).

    ## Example
    ```json
    {"body": {"kind": "workflow",}}
    ```
    Remove the trailing comma.

    ## Source
    SDK code: `peak/template.py` reads every file, `.json` included, with `yaml.safe_load` (YAML
    1.1); RFC 8259 defines strict JSON. Sent as written: the CLI reads the file and sends it, so a
    warning.
    """
    return _reported(problems, "BL014")


@rule("BL020", "invalid-configuration", evidence=UNCHECKED)
def invalid_configuration(problems):
    """A configuration file below the run's own cannot be used.

    A `pyproject.toml` (with `[tool.blocklint]`) or `.blocklint.toml` in a subfolder that is not
    valid TOML, names an unknown key or rule code, or a `rules-dir` that is not trusted. The
    files of its folder are checked with the run's own configuration instead, and every other
    file as usual; the configuration itself is reported here, at the line the problem is on.

    ## Why is this bad?
    The folder's own settings (selected rules, severities, per-file ignores) are not applied,
    so its files are judged by other rules than their owners chose.

    ## Example
    `team/pyproject.toml`:
    ```toml
    [tool.blocklint]
    selct = ["BL3"]
    ```
    Fixed: `select = ["BL3"]`.

    ## Source
    blocklint's own configuration format (docs/configuration.md); the TOML grammar
    (`tomllib`). blocklint's own: the run did not apply the configuration its owners wrote, so an
    error.
    """
    return _reported(problems, "BL020")
