"""`blocklint submit`: lint everything through the run's plan, then send what passed to Press,
in dependency order.

Per file, by kind:

- block or app spec: a new `metadata.name` creates the spec (with its artifact zip, built as
  peak-sdk builds it); a known name creates a release, whose version must be greater than the
  latest; the same version with the same content is "up to date" and nothing is sent;
- spec release and spec metadata files: the spec they belong to is named by a comment,
  `# blocklint: spec=REF` (or `--spec-id REF`);
- deployments: `spec.id` (and an app deployment's `includes`/`excludes` ids, and an app spec's
  block ids) may be a REF; a deployment whose name exists is "up to date" when one of its
  revisions has the same release and parameters;
- revisions, deployment metadata, parameter patches: `# blocklint: deployment=REF` (or
  `--deployment-id REF`); each is skipped as "up to date" when the deployment already says so.

A REF is a path to the spec (deployment) file, relative to the file that names it; or a
`metadata.name`; or an id. Files submitted in the same run are found first, then the target.

The package, one job per module:

- `command`: the click command: lint, open the target, submit in order, summarize;
- `lint`: every file checked with its plan (`blocklint.plan.Planner`), as `blocklint check` does;
- `targets`: where to submit (the local registry, a URL, Peak) and the token;
- `items`: a file to submit, its directives and its place in the order;
- `references`: REF → the id of a spec or deployment, in this run or on the target;
- `compare`: what the target already has against what would be sent ("up to date");
- `bundle`: a block spec's artifact zip;
- `submitter`, `spec_handlers`, `deployment_handlers`: one handler per kind of file;
- `dryrun`: what a dry run prints for each request;
- `summary`: what was created, up to date, failed and not attempted;
- `output`: every line submit writes, with secrets masked;
- `errors`: why a file, or the target, cannot be used.

This module stays light: `blocklint.cli` imports it only when `submit` is invoked, and it
imports only the command (which imports the rest when it runs).
"""

from blocklint.submit.command import submit

__all__ = ["submit"]
