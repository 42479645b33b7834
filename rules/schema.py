"""BL1xx: the document against the JSON Schema of its kind (`blocklint schema KIND`)."""

from blocklint.engine import rule


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
    """
    return _issues(schema_issues, "BL105")
