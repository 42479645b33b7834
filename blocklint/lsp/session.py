"""The server's state: a `Planner` (refreshed when a configuration file changes) and the last
analysis of each open document: its findings as `check` reports them (each with its fix,
`Finding.fix`, made on check's road as `--fix` applies it), and where the document defines its
steps, images and parameters.

Nothing here knows LSP; `features` turns analyses into protocol values, so the benchmark and
the tests can drive an analysis in-process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from blocklint.config import FILE_NAMES
from blocklint.fix import LineIndex
from blocklint.load import Span


@dataclass
class Definitions:
    """Where a document defines the names other places refer to (spans of the names)."""

    steps: dict = field(default_factory=dict)  # name -> (key span, step mapping)
    images: dict = field(default_factory=dict)  # name -> (key span, image mapping)
    build_params: dict = field(default_factory=dict)  # name -> (span of its name, definition)
    run_params: dict = field(default_factory=dict)


@dataclass
class Analysis:
    path: str
    text: str
    doc: object  # Document
    plan: object = None
    findings: list = field(default_factory=list)
    definitions: Definitions = field(default_factory=Definitions)
    error: str | None = None  # a configuration that could not be planned
    kind: str | None = None
    cli: bool = False
    reads: set = field(default_factory=set)  # real paths of the documents its references read

    def __post_init__(self):
        self.index = LineIndex(self.text)


class Session:
    """Plans and analyses for one editor session."""

    def __init__(self, overrides=None, *, root: str | None = None):
        from blocklint.plan import Overrides
        from blocklint.registry import with_spec_lookup

        self.overrides = with_spec_lookup(overrides or Overrides())
        self.root = Path(root) if root else Path.cwd()
        self._planner = None
        self._stamps: dict = {}  # directory -> the configuration files' state when planned
        self._rooted: dict = {}  # id(plan) -> (plan, the plan with its artifact root)
        self.analyses: dict = {}  # uri -> Analysis
        self.open_texts: dict = {}  # real path -> text of a document open in the editor

    def forget_plans(self) -> None:
        """Drop every plan (a configuration file changed): the next analysis plans again."""
        self._planner = None
        self._stamps.clear()
        self._rooted.clear()

    def plan_for(self, path: str):
        """The plan of the configuration closest to `path`, re-planned when a configuration file
        on the way up (`.blocklint.toml`, `pyproject.toml`) appeared, changed or went away."""
        from blocklint.plan import Planner

        directory = os.path.dirname(os.path.abspath(path))
        stamp = _config_stamp(directory)
        if directory in self._stamps and self._stamps[directory] != stamp:
            self.forget_plans()
        if self._planner is None:
            self._planner = Planner(self.overrides, start=self.root)
        self._stamps[directory] = stamp
        return self._with_artifact_root(self._planner.for_path(path))

    def _with_artifact_root(self, plan):
        """`plan`, its artifact paths relative to its configuration's folder: where `check` and
        the peak CLI run for that project, whichever folder of the workspace the editor opened
        (a workspace may hold several projects). `--artifact-root` given wins."""
        from blocklint.records import replace

        if plan.settings.artifact_root is not None or plan.config.path is None:
            if plan.project is not None:
                plan.project.open_texts = self.open_texts
            return plan
        if plan.project is not None:  # references read the editor's texts, not the files under them
            plan.project.open_texts = self.open_texts
        if id(plan) not in self._rooted:
            root = str(Path(plan.config.path).parent)
            self._rooted[id(plan)] = (plan, replace(plan, settings=replace(plan.settings, artifact_root=root)))
        return self._rooted[id(plan)][1]

    def analyze(self, uri: str, path: str, text: str) -> Analysis:
        """Lint one document's current text as `check` would (the collector paused, as `check`
        does: a third of the time of a 10,000-step workflow otherwise), and keep the result."""
        from blocklint.runner import paused_collection

        return paused_collection(self._analyze, uri, path, text)

    def _analyze(self, uri: str, path: str, text: str) -> Analysis:
        from blocklint.load import load_text
        from blocklint.plan import PlanError
        from blocklint.runner import check_document, recording

        previous = self.analyses.get(uri)
        try:
            plan = self.plan_for(path)
        except PlanError as error:
            analysis = Analysis(path, text, None, error=str(error))
            self.analyses[uri] = analysis
            return analysis
        file_path = Path(path) if os.path.isfile(path) else None
        doc = load_text(text, path, plan.load, file_path=file_path)
        with recording(plan) as reads:
            result = check_document(doc, plan, explicit=False)
        analysis = Analysis(path, text, doc, plan, result.findings, kind=doc.kind, cli=doc.cli, reads=set(reads))
        if doc.data is not None and doc.kind is not None:
            analysis.definitions = definitions(doc, plan)
        elif previous is not None:  # a document mid-edit that does not parse: keep what was known
            analysis.definitions = previous.definitions
            analysis.kind, analysis.cli = previous.kind, previous.cli
        self.analyses[uri] = analysis
        return analysis

    def files_changed(self, paths) -> list | None:
        """Files changed on disk (the editor's file watcher): None when one is a configuration
        file or a plan's params file (every plan is dropped, every open document is linted
        again), else the uris of the open documents that read one of them."""
        params_files = {os.path.realpath(name) for analysis in self.analyses.values() if analysis.plan is not None
                        for name in (analysis.plan.overrides.params_file, analysis.plan.config.params_file) if name}
        if any(os.path.basename(path) in FILE_NAMES or os.path.realpath(path) in params_files for path in paths):
            self.forget_plans()
            self.analyses.clear()
            return None
        return list(dict.fromkeys(uri for path in paths for uri in self.changed(path)))

    def changed(self, path: str, text: str | None = None, *, closed: bool = False) -> list:
        """A document changed: edited in the editor (`text`), saved, changed on disk, or closed.
        Every project forgets it, and the other open analyses that read it (or looked for a name
        found nowhere) are dropped, their uris returned to be linted again."""
        from blocklint.project import ANY_FILE

        real = os.path.realpath(path)
        if text is not None and text == self.open_texts.get(real, _on_disk(real)):
            self.open_texts[real] = text
            return []  # opened as it is on disk, or an edit that changed nothing
        if text is not None:
            self.open_texts[real] = text
        elif closed:
            self.open_texts.pop(real, None)
        for project in {id(a.plan.project): a.plan.project for a in self.analyses.values()
                        if a.plan is not None and a.plan.project is not None}.values():
            project.forget(real)
        stale = [uri for uri, analysis in self.analyses.items()
                 if os.path.realpath(analysis.path) != real and (real in analysis.reads or ANY_FILE in analysis.reads)]
        for uri in stale:  # their text is unchanged, their findings may not be: analysed again when asked
            del self.analyses[uri]
        return stale

    def definitions_around(self, analysis: Analysis, line: int) -> Analysis:
        """The analysis to complete from while a line is being typed: when the text does not
        parse (`parents: [lo`), the definitions and kind of the text without that line."""
        if analysis.doc is None or analysis.doc.data is not None or analysis.plan is None \
                or analysis.definitions.steps or analysis.definitions.images:
            return analysis
        from blocklint.load import load_text

        lines = analysis.text.splitlines(keepends=True)
        if line >= len(lines):
            return analysis
        lines[line] = "\n"
        doc = load_text("".join(lines), analysis.path, analysis.plan.load)
        if doc.data is None or doc.kind is None:
            return analysis
        analysis.definitions = definitions(doc, analysis.plan)
        analysis.kind, analysis.cli = doc.kind, doc.cli
        return analysis


def _on_disk(real: str) -> str | None:
    """The text of a file, to tell whether a document opened in the editor differs from it."""
    from blocklint.load import MAX_FILE_BYTES

    try:
        if os.path.getsize(real) > MAX_FILE_BYTES:
            return None
        with open(real, encoding="utf-8", newline="") as file:
            return file.read()
    except (OSError, UnicodeDecodeError):
        return None


def _config_stamp(directory: str) -> tuple:
    stamp = []
    current = Path(directory)
    for candidate in (current, *current.parents):
        for name in FILE_NAMES:
            try:
                stamp.append((str(candidate / name), (candidate / name).stat().st_mtime_ns))
            except OSError:
                continue
    return tuple(stamp)


def definitions(doc, plan) -> Definitions:
    """The steps, images and parameters a document defines, read through the rules' fixtures."""
    from blocklint.engine.run import Resolver

    resolver = Resolver(doc, plan.settings, plan.available.loaded())
    found = Definitions()
    for attribute, fixture in (("steps", "steps"), ("images", "images")):
        mapping = resolver.get(fixture)
        base = doc.path_of(mapping) if isinstance(mapping, dict) else None
        if base is None:
            continue
        getattr(found, attribute).update(
            {name: (doc.span_of(base + (name,), key=True), node) for name, node in mapping.items()})
    for attribute, fixture in (("build_params", "build_params"), ("run_params", "run_params")):
        for name, definition in (resolver.get(fixture) or {}).items():
            base = doc.path_of(definition)
            span = doc.span_of(base + ("name",)) if base is not None else Span(0, 0, 0, 0)
            getattr(found, attribute)[name] = (span, definition)
    return found
