"""Before anything is sent, every file is checked as `blocklint check` checks it: found the same
way (excludes, .gitignore), each with the plan of its closest configuration (select, ignore,
severity, per-file ignores, baseline, options, rules directories, strict), and judged the same
way. The specs of the run are known to the deployments that name them, by path or name."""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from blocklint.submit.items import Item


@dataclass
class Linted:
    items: list = field(default_factory=list)  # Items: every Press document of the run
    results: list = field(default_factory=list)  # runner.FileResults, in order
    failed: bool = False  # the verdict `blocklint check` would give
    secrets: frozenset = frozenset()  # values the plans say never to print


def lint(paths, planner) -> Linted:
    """Raises PlanError, walk.UnreadablePath, or click.UsageError for stdin."""
    from blocklint import runner, walk
    from blocklint.session import failing
    from blocklint.specs import as_spec_document

    loaded = []
    for target in walk.discover(paths or ["."], planner.default):
        if target.path == walk.STDIN:
            raise click.UsageError("submit reads files, not stdin")
        doc = runner.load_shared(target, planner.for_path(target.path))
        if runner.is_skipped(doc, target.explicit):
            continue
        loaded.append(doc)
    run_specs = [found for doc in loaded if not doc.problems and (found := as_spec_document(doc))]
    linted, plans = Linted(), {}
    secrets = set(planner.default.secrets)
    for doc in loaded:
        plan = planner.for_path(doc.path)
        plan = plans.setdefault(id(plan), plan.with_specs(run_specs))
        secrets |= plan.secrets
        result = runner.check_document(doc, plan)
        linted.results.append(result)
        linted.failed = linted.failed or bool(failing(result.findings, plan.strict))  # check's verdict
        if doc.kind is not None:
            linted.items.append(Item.of(doc))
    linted.secrets = frozenset(secrets)
    return linted
