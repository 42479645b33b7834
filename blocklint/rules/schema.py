"""BL1xx: the document against the JSON Schema of its kind (`blocklint schema KIND`)."""

from blocklint import AS_WRITTEN, DOCUMENTED, INFERRED, Suggestion, rule

# Values the reference does not list, known only from the SDK's list filters: a warning.
VALUES_FROM_A_FILTER = {("metadata", "status"): "`Block.list_specs` filters on"}


def _issues(schema_issues, rule_id):
    return [(issue.path, issue.message) for issue in schema_issues if issue.rule == rule_id]


def _suggesting(schema_issues, rule_id):
    """A rule's schema issues with the name each proposes: `(path, message, Suggestion)`."""
    return [(issue.path, issue.message, Suggestion(issue.suggestion))
            for issue in schema_issues if issue.rule == rule_id]


@rule("BL101", "unknown-key", evidence=DOCUMENTED, also=(AS_WRITTEN,))
def unknown_key(schema_issues, doc):
    """A key the platform does not know, usually a typo.

    Checked in the body, `metadata`, `release`, `config`, steps, images, triggers, watchers,
    parameter definitions and the top level of peak CLI files.

    An error in the body; a warning at the top level of a peak CLI file, where the CLI drops
    the key itself and sends the rest.

    ## Why is this bad?
    Unknown keys do not take effect: `parent:` for `parents:` gives a step with no parents
    that runs first, in parallel with everything else. At the top level of a peak CLI file the
    CLI itself drops them without a word (`paramters:` loses every parameter).

    ## Example
    ```yaml
        steps:
          report:
            parent: [load]
    ```
    Fixed: `parents: [load]`.

    ## Source
    Documented platform rejection (an error) in the body: the command's input file schema in
    the peak CLI reference (`peak/cli/press/**`: the "Input file schema" of each command) lists
    every field, a closed list; blocklint's JSON Schema (`blocklint schema KIND`) follows it
    per command. Where the commands' references differ (`inherit` under a standard step is
    listed by create-release only), blocklint accepts the field in both: see docs/coverage.md.
    Sent as written (a warning) at the top level of a peak CLI file: SDK code,
    `peak/cli/helpers.py::remove_unknown_args` drops a key that is not a parameter of the SDK
    method without a word, and the command goes on.
    """
    for path, message, suggestion in _suggesting(schema_issues, "BL101"):
        if doc.cli and len(path) == 1:
            dropped = "The peak CLI drops unknown top-level keys without a word and sends the rest"
            yield (path, f"{message} {dropped}" if message.endswith("?") else f"{message}. {dropped}", AS_WRITTEN,
                   suggestion)
        else:
            yield path, message, suggestion


@rule("BL102", "missing-required-key", evidence=DOCUMENTED)
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
    Documented platform rejection: the command's input file schema in the peak CLI reference: every
    field not marked `required: false` is required (e.g. `body.metadata.summary`, a standard step's
    `command`, an http step's `method` and `url`). Error.
    """
    return _issues(schema_issues, "BL102")


@rule("BL103", "wrong-type", evidence=DOCUMENTED)
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
    Documented platform rejection: the command's input file schema in the peak CLI reference gives
    each field's type (`stepTimeout (int)`, `parents (list(str))`, ...); `@param:NAME` is accepted
    where a build parameter may fill the field (docs.peak.ai, "Using Press Build Parameters").
    Error.
    """
    return _issues(schema_issues, "BL103")


@rule("BL104", "invalid-value", evidence=DOCUMENTED, also=(INFERRED,))
def invalid_value(schema_issues):
    """A value is not one of those the field allows (step `type`, `scope`, http `method`, ...).

    An error where the reference lists the values; a warning for spec metadata `status`, whose
    values are known only from the filter of `Block.list_specs`.

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
    Documented platform rejection (an error): the command's input file schema in the peak CLI
    reference: "Should be one of" lists (step `type`, http `method` "get, post, put, patch, and
    delete" in lower case, auth `type`, `serviceType`, `descriptionContentType`, parent `status`
    "success" and "failure", ...); `scope` from the SDK docstring of `Block.create_spec`
    ("`private` restricts the spec to this tenant alone, `public` makes it available on all
    tenants"). Inference (a warning): spec metadata `status`, which the reference gives only as
    "Status of the block spec."; its values come from the status filter of `Block.list_specs`.
    """
    for path, message, suggestion in _suggesting(schema_issues, "BL104"):
        from_filter = VALUES_FROM_A_FILTER.get(tuple(path[-2:]))
        if from_filter:
            yield path, f"{message} (the values {from_filter}; the reference lists none)", INFERRED, suggestion
        else:
            yield path, message, suggestion


@rule("BL105", "schema-violation", evidence=DOCUMENTED)
def schema_violation(schema_issues):
    """Any other way the document does not match its schema (too few items, a bad pattern).

    ## Why is this bad?
    The platform rejects the document on upload.

    ## Example
    ```yaml
      options: []
    ```

    ## Source
    Documented platform rejection: the command's input file schema in the peak CLI reference, for
    the remaining keywords: parameter `options` "must have at least one object with title and value"
    (`minItems`). Error.
    """
    return _issues(schema_issues, "BL105")
