"""What a run knows besides the document (`Settings`): its own room, so that building a plan
(which makes one) does not import the engine's runner and, through it, the loader."""

from __future__ import annotations


from blocklint.records import Record, field, record


@record
class Settings(Record):
    """What a run knows besides the document: severities, rule options, related documents."""

    severity: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    # The documents a document refers to (`blocklint.specs.RelatedSpecs`): --spec files, the
    # run's own specs, the local registry. None: nothing is known besides the document.
    specs: object = None
    artifact_root: str | None = None
    previous_version: str | None = None
    verbose: bool = False
    load: object = None  # the LoadSettings files were read with
    extra: dict = field(default_factory=dict)  # per-run caches of rule modules
