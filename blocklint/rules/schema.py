"""BL1xx: the document against the JSON Schema of its kind (`blocklint schema KIND`)."""

from blocklint import rule


def _issues(schema_issues, rule_id):
    return [(issue.path, issue.message) for issue in schema_issues if issue.rule == rule_id]


@rule("BL101", "unknown-key")
def unknown_key(schema_issues):
    """A key the platform does not know, usually a typo.

    Checked in the body, `metadata`, `release`, `config`, steps, images, triggers, watchers,
    parameter definitions and the top level of peak CLI files.

    ## Why is this bad?
    Unknown keys are dropped without a word: `parent:` for `parents:` gives a step with no
    parents that runs first, in parallel with everything else. At the top level of a peak CLI
    file the CLI itself drops them (`paramters:` loses every parameter).

    ## Example
    ```yaml
        steps:
          report:
            parent: [load]
    ```
    Fixed: `parents: [load]`.

    ## Source
    The command's input file schema in the peak CLI reference (`peak/cli/press/**`: the "Input
    file schema" of each command) lists every field; blocklint's JSON Schema (`blocklint schema
    KIND`) follows it per command. At the top level the CLI drops unknown keys silently
    (`remove_unknown_args`), and in `body` a key the reference does not list does not take
    effect. Error: the reference is a closed list. Where the commands' references differ
    (`inherit` under a standard step is listed by create-release only), blocklint accepts the
    field in both: see docs/coverage.md.
    """
    return _issues(schema_issues, "BL101")


@rule("BL102", "missing-required-key")
def missing_required_key(schema_issues):
    """A key the platform requires is missing. The finding points at the mapping that lacks it.

    ## Why is this bad?
    The platform rejects the document (400) on upload.

    ## Example
    ```yaml
        steps:
          load:
            type: standard
            imageRef: base
    ```
    Fixed: add `command: python load.py`.

    ## Source
    The command's input file schema in the peak CLI reference: every field not marked `required:
    false` is required (e.g. `body.metadata.summary`, a standard step's `command`, an http
    step's `method` and `url`). Error.
    """
    return _issues(schema_issues, "BL102")


@rule("BL103", "wrong-type")
def wrong_type(schema_issues):
    """A value has the wrong type: a string where a number belongs, a mapping for a list.

    Fields that take a number or boolean also take an `"@param:NAME"` build-parameter
    reference (its type is checked by BL402).

    ## Why is this bad?
    The platform rejects it, or worse, coerces it: `instanceTypeId: "21"`.

    ## Example
    ```yaml
        resources:
          instanceTypeId: large
    ```
    Fixed: `instanceTypeId: 21`, or `"@param:instance_type"`.

    ## Source
    The command's input file schema in the peak CLI reference gives each field's type
    (`stepTimeout (int)`, `parents (list(str))`, ...); `@param:NAME` is accepted where a build
    parameter may fill the field (docs.peak.ai, "Using Press Build Parameters"). Error.
    """
    return _issues(schema_issues, "BL103")


@rule("BL104", "invalid-value")
def invalid_value(schema_issues):
    """A value is not one of those the field allows (step `type`, `scope`, http `method`, ...).

    ## Why is this bad?
    The platform rejects it on upload.

    ## Example
    ```yaml
        steps:
          fetch:
            type: https
    ```
    Fixed: `type: http`.

    ## Source
    The command's input file schema in the peak CLI reference: "Should be one of" lists (step
    `type`, http `method` "get, post, put, patch, and delete" in lower case, auth `type`,
    `serviceType`, `descriptionContentType`, parent `status` "success" and "failure", ...);
    `scope` and spec `status` values from the SDK docstrings (`Block.list_specs`). Error: each
    list is stated.
    """
    return _issues(schema_issues, "BL104")


@rule("BL105", "schema-violation")
def schema_violation(schema_issues):
    """Any other way the document does not match its schema (too few items, a bad pattern).

    ## Why is this bad?
    The platform rejects the document on upload.

    ## Example
    ```yaml
      options: []
    ```

    ## Source
    The command's input file schema in the peak CLI reference, for the remaining keywords:
    parameter `options` "must have at least one object with title and value" (`minItems`).
    Error.
    """
    return _issues(schema_issues, "BL105")
