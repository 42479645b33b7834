"""The submission of a run's files, in order: each file to its handler (by kind), each outcome
recorded in the summary, the first failure stopping the run (what was sent stays sent; a re-run
picks up where it stopped)."""

from __future__ import annotations

import os

from blocklint.commandline import EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK
from blocklint.submit import deployment_handlers, spec_handlers
from blocklint.submit.dryrun import request_lines
from blocklint.submit.errors import Refused
from blocklint.submit.items import Item

EXIT_REFUSED = EXIT_FINDINGS  # a file the target (or submit) refused: fix the file
SERVER_FINDINGS_SHOWN = 20

HANDLERS = {
    "block-spec": spec_handlers.submit_spec, "app-spec": spec_handlers.submit_spec,
    "block-spec-release": spec_handlers.submit_release, "app-spec-release": spec_handlers.submit_release,
    "spec-metadata": spec_handlers.submit_spec_metadata,
    "block-deployment": deployment_handlers.submit_deployment,
    "app-deployment": deployment_handlers.submit_deployment,
    "block-deployment-revision": deployment_handlers.submit_revision,
    "app-deployment-revision": deployment_handlers.submit_revision,
    "deployment-metadata": deployment_handlers.submit_deployment_metadata,
    "parameters-patch": deployment_handlers.submit_parameters,
}


class Submitter:
    """What the handlers share: the target, the references, the dry-run switch, the output and
    the summary."""

    def __init__(self, target, references, summary, output, *, dry_run: bool, artifact_root=None):
        self.target = target
        self.refs = references
        self.summary = summary
        self.out = output
        self.dry_run = dry_run
        self.artifact_root = artifact_root

    def outcome(self, item: Item, status: str, text: str):
        self.summary.add(status)
        self.out.line(f"{item.path}: {text}")

    def would(self, method: str, path: str, details: list[str]):
        for line in request_lines(method, path, details):
            self.out.line(line)

    def record_created(self, item: Item, what: str, new_id: str):
        item.created_id = new_id
        self.summary.record_created(what, item.name or item.path, new_id)

    def submit_all(self, ordered) -> int:
        """Submit `ordered` items, stopping at the first failure; the exit code."""
        for index, item in enumerate(ordered):
            handler = HANDLERS.get(item.kind)
            if handler is None:
                self.outcome(item, "skipped", f"skipped ({item.kind} files are read locally, not submitted)")
                continue
            code = self._submit_one(handler, item)
            if code != EXIT_OK:
                self.summary.stopped(not_attempted=len(ordered) - index - 1)
                return code
        return EXIT_OK

    def _submit_one(self, handler, item: Item) -> int:
        try:
            handler(self, item)
        except Refused as error:
            self.out.line(f"{item.path}: refused: {error}", err=True)
            return EXIT_REFUSED
        except self.target.errors as error:
            status = getattr(error, "status", None)
            refused = bool(status and status < 500)  # the server said no; a 5xx is the server failing
            self.out.line(f"{item.path}: {'refused' if refused else 'failed'}: {getattr(error, 'message', error)}",
                          err=True)
            for finding in getattr(error, "findings", [])[:SERVER_FINDINGS_SHOWN]:
                if isinstance(finding, dict):
                    self.out.line(f"  {finding.get('rule')} {finding.get('path') or ''}: {finding.get('message')}",
                                  err=True)
            return EXIT_REFUSED if refused else EXIT_FAILURE
        except Exception as error:  # sqlite3.Error and the like: say what, never a traceback
            if os.environ.get("BLOCKLINT_DEBUG"):
                raise
            self.out.line(f"{item.path}: failed: {type(error).__name__}: {error}", err=True)
            return EXIT_FAILURE
        return EXIT_OK
