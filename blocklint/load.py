"""File → Document: text checks, templating, parsing with a position for every node.

The tree is built straight from libyaml's event stream (ruamel.yaml's C parser): plain
dicts, lists and scalars for rules to read, and a side table from each node's path to its
span. Building from events rather than composed nodes is several times faster, lets the
loader stop at a nesting or size limit before libyaml does quadratic work, and never
recurses, so hostile files cannot exhaust the stack.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from blocklint import kinds
from blocklint.scalars import MERGE_KEY, json_plain, tagged, yaml_plain

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 100
MAX_NODES = 1_000_000
TEMPLATE_SUFFIX = ".j2"
_JINJA_MARKERS = ("{{", "{%", "{#")
_CLI_BODY_LINE = re.compile(r"""^(?:body|"body"|'body')\s*:""", re.M)
_JSON_CLI_BODY = re.compile(r"""^\s*\{\s*"body"\s*:""")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# libyaml also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR; editors do not.
_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


def split_lines(text: str) -> list[str]:
    """Lines as editors count them: at \\n, \\r\\n and \\r only."""
    return _LINE_BREAK.split(text)


class Span(NamedTuple):
    """0-based start and end of a node in the parsed text."""

    line: int
    column: int
    end_line: int
    end_column: int


FILE_START = Span(0, 0, 0, 0)


@dataclass(frozen=True)
class Problem:
    """A loading problem, reported by the BL0xx rules."""

    rule: str
    span: Span
    message: str


@dataclass
class Document:
    """One Press document: its data, where each node is, and what kind it is."""

    path: str
    source: str = ""
    data: Any = None
    kind: str | None = None
    cli: bool = False
    spans: dict = field(default_factory=dict)
    key_spans: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    rendered: bool = False
    line_map: list | None = None
    disabled: tuple = ()  # codes disabled in the document itself (`x-blocklint: {disable: [...]}`)
    _ids: dict = field(default_factory=dict)

    @property
    def body_path(self) -> tuple:
        return ("body",) if self.cli else ()

    @property
    def body(self):
        if self.cli:
            return self.data.get("body") if isinstance(self.data, dict) else None
        return self.data

    @property
    def source_lines(self) -> list[str]:
        return split_lines(self.source)

    def path_of(self, node) -> tuple | None:
        """The path of a dict or list of this document (None for other objects)."""
        return self._ids.get(id(node))

    def span_of(self, path: tuple, *, key: bool = False) -> Span:
        """The span of the node at `path`, or of its nearest existing ancestor."""
        path = tuple(path)
        if key and path in self.key_spans:
            return self.to_source(self.key_spans[path])
        while path not in self.spans and path:
            path = path[:-1]
        return self.to_source(self.spans.get(path, FILE_START))

    def to_source(self, span: Span) -> Span:
        """Map a span of the rendered text back onto the file the user wrote."""
        if self.line_map is None:
            return span
        last = len(self.line_map) - 1
        line = self.line_map[min(span.line, last)] if last >= 0 else 0
        end_line = self.line_map[min(span.end_line, last)] if last >= 0 else 0
        return Span(line, span.column, max(line, end_line), span.end_column)

    def path_at_line(self, line: int) -> tuple:
        """The deepest node path whose value spans a (rendered, 0-based) line."""
        best: tuple = ()
        for path, span in self.spans.items():
            if span.line <= line <= span.end_line and len(path) > len(best):
                best = path
        return best


class LoadSettings:
    """How files are read: template parameters, limits, a forced kind."""

    def __init__(self, *, params=None, template=True, kind=None, max_bytes=MAX_FILE_BYTES):
        self.params = dict(params or {})
        self.template = template
        self.kind = kind
        self.max_bytes = max_bytes


def load_path(path: str | os.PathLike, settings: LoadSettings | None = None, *, display=None) -> Document:
    """Read and load one file. Raises OSError if the file cannot be read at all."""
    settings = settings or LoadSettings()
    path = Path(path)
    display = display or str(path)
    size = path.stat().st_size
    if size > settings.max_bytes:
        return _refused(display, "BL005", f"file is {size / 2**20:.1f} MiB; blocklint reads Press documents "
                        f"up to {settings.max_bytes / 2**20:.0f} MiB (real specs are far smaller)")
    raw = path.read_bytes()
    return load_bytes(raw, display, settings, file_path=path)


def load_bytes(raw: bytes, display: str, settings: LoadSettings | None = None, *, file_path=None) -> Document:
    settings = settings or LoadSettings()
    if len(raw) > settings.max_bytes:
        return _refused(display, "BL005", f"input is {len(raw) / 2**20:.1f} MiB; blocklint reads Press "
                        f"documents up to {settings.max_bytes / 2**20:.0f} MiB")
    if b"\x00" in raw[:8192]:
        return _refused(display, "BL003", "binary file (it contains NUL bytes); a Press document is UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n")
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1)
        span = Span(line, column, line, column + 1)
        return Document(path=display, source=raw.decode("utf-8", "replace"), problems=[Problem(
            "BL003", span, f"invalid UTF-8 byte 0x{raw[error.start]:02x}; save the file as UTF-8")])
    return load_text(text, display, settings, file_path=file_path)


def load_text(text: str, display: str, settings: LoadSettings | None = None, *, file_path=None) -> Document:
    """Load a Press document from its text."""
    settings = settings or LoadSettings()
    doc = Document(path=display, source=text)
    parsed_text = text
    if settings.template and _is_cli_template(text, display):
        from blocklint import template

        result = template.render(text, file_path, settings.params)
        if result.error is not None:
            doc.problems.append(Problem("BL007", _line_span(result.error_line), result.error))
            return doc
        parsed_text = result.text
        doc.rendered = parsed_text != text
        if doc.rendered:
            doc.line_map = _line_map(parsed_text, text)
        undefined = result.undefined
    else:
        undefined = []
    is_json = display.endswith((".json", ".json.j2"))
    builder = _TreeBuilder(json_mode=is_json)
    if is_json and not _check_json(parsed_text, doc):
        return doc
    builder.build(parsed_text)
    doc.problems.extend(builder.problems)
    if builder.failed:
        if doc.line_map:
            doc.problems[:] = [Problem(p.rule, doc.to_source(p.span), p.message) for p in doc.problems]
        return doc
    doc.data, doc.spans, doc.key_spans, doc._ids = builder.root, builder.spans, builder.key_spans, builder.ids
    if doc.data is None and not builder.problems:
        doc.problems.append(Problem("BL002", FILE_START, "the file is empty; a Press document is a YAML "
                                    "or JSON mapping (a `peak` CLI file starts with `body:`)"))
        return doc
    _take_directives(doc)
    doc.cli = kinds.is_cli_file(doc.data)
    doc.kind = settings.kind or kinds.detect(doc.data, display)
    for name, line in undefined:
        doc.problems.append(_undefined_problem(doc, name, line))
    if doc.cli:
        _drop_nulls(doc, doc.data, ())
    return doc


DIRECTIVE_KEY = "x-blocklint"


def _take_directives(doc: Document) -> None:
    """JSON has no comments: `"x-blocklint": {"disable": ["BL504"]}` at the top level disables
    codes for the file. The key is removed before linting (the peak CLI drops unknown top-level
    keys too; strip it before passing a bare body to the SDK yourself)."""
    if not isinstance(doc.data, dict) or DIRECTIVE_KEY not in doc.data:
        return
    directive = doc.data.pop(DIRECTIVE_KEY)
    codes = directive.get("disable") if isinstance(directive, dict) else None
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        doc.problems.append(Problem("BL001", doc.span_of((DIRECTIVE_KEY,), key=True),
                                    f'"{DIRECTIVE_KEY}" must be {{"disable": ["BL504", ...]}}'))
        return
    doc.disabled = tuple(code.strip().upper() for code in codes)


def _refused(display: str, rule: str, message: str) -> Document:
    return Document(path=display, problems=[Problem(rule, FILE_START, message)])


def _line_span(line: int) -> Span:
    return Span(line, 0, line, 0)


def _is_cli_template(text: str, display: str) -> bool:
    """The peak CLI renders every file it reads; SDK bodies are never rendered."""
    if display.endswith(TEMPLATE_SUFFIX):
        return True
    if not any(marker in text for marker in _JINJA_MARKERS):
        return False
    return bool(_CLI_BODY_LINE.search(text) or _JSON_CLI_BODY.match(text))


def _line_map(rendered: str, source: str) -> list[int]:
    """For each rendered line, the source line it came from (includes map to their tag)."""
    import difflib

    rendered_lines, source_lines = split_lines(rendered), split_lines(source)
    mapping = [0] * max(len(rendered_lines), 1)
    matcher = difflib.SequenceMatcher(None, rendered_lines, source_lines, autojunk=False)
    for tag, r1, r2, s1, s2 in matcher.get_opcodes():
        for offset, rendered_line in enumerate(range(r1, r2)):
            if tag == "equal" or (tag == "replace" and r2 - r1 == s2 - s1):
                mapping[rendered_line] = s1 + offset
            else:
                mapping[rendered_line] = min(s1, max(len(source_lines) - 1, 0))
    return mapping


def _undefined_problem(doc: Document, name: str, source_line: int) -> Problem:
    rendered_line = source_line
    if doc.line_map:
        rendered_line = next((i for i, src in enumerate(doc.line_map) if src == source_line), source_line)
    path = doc.path_at_line(rendered_line)
    column = 0
    lines = doc.source_lines
    if 0 <= source_line < len(lines):
        column = max(lines[source_line].find(name), 0)
    span = Span(source_line, column, source_line, column + len(name))
    if "payload" in path:
        return Problem("BL008", span, (
            f"template variable '{name}' is undefined, so the peak CLI sends an empty string in its place; "
            f"this `{{{{{name}}}}}` is a placeholder for the platform, so wrap the payload in "
            "{% raw %}…{% endraw %} to send it as written"))
    return Problem("BL008", span, (
        f"template variable '{name}' is undefined, so the peak CLI renders it as an empty string "
        f"(and drops a key left empty); pass it with -p {name}=VALUE or --params-file, "
        f"or give it a default: {{{{ {name} | default(...) }}}}"))


def _drop_nulls(doc: Document, node: dict, path: tuple) -> None:
    """The peak CLI removes null-valued keys from nested mappings (not inside lists) before sending."""
    for key in [key for key, value in node.items() if value is None]:
        del node[key]
        doc.problems.append(Problem("BL010", doc.to_source(doc.key_spans.get(path + (key,), FILE_START)),
                                    f"'{key}' is null, so the peak CLI drops the key before sending; "
                                    "give it a value or remove the line"))
    for key, value in node.items():
        if isinstance(value, dict):
            _drop_nulls(doc, value, path + (key,))


def _check_json(text: str, doc: Document) -> bool:
    """JSON is checked by `json` itself: YAML would accept a trailing comma that JSON rejects."""
    try:
        json.loads(text)
    except RecursionError:
        doc.problems.append(Problem("BL005", FILE_START, f"nesting deeper than {MAX_DEPTH} levels"))
        return False
    except json.JSONDecodeError as error:
        _json_problem(text, doc, error)
        return False
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        doc.problems.append(Problem("BL001", FILE_START, f"invalid JSON: {error}"))
        return False
    return True


def _json_problem(text: str, doc: Document, error) -> None:
    """A JSON syntax error as a finding; a trailing comma is named as such, at the comma."""
    if not text.strip():
        doc.problems.append(Problem("BL002", FILE_START, "the file is empty; a Press document is a "
                                    "YAML or JSON mapping"))
        return
    line, column = error.lineno - 1, error.colno - 1
    message = f"invalid JSON: {error.msg}"
    before = text[: error.pos].rstrip()
    if before.endswith(",") and error.msg.startswith(("Expecting property name", "Expecting value")):
        line = before.count("\n")
        column = len(before) - before.rfind("\n") - 2
        message = "invalid JSON: trailing comma; JSON allows no comma before a closing bracket"
    doc.problems.append(Problem("BL001", Span(line, column, line, column + 1), message))


class _TreeBuilder:
    """Builds plain Python data and a path → span table from libyaml events, iteratively."""

    def __init__(self, *, json_mode: bool):
        self.plain = json_plain if json_mode else yaml_plain
        self.root = None
        self.spans: dict = {}
        self.key_spans: dict = {}
        self.ids: dict = {}
        self.problems: list[Problem] = []
        self.failed = False
        self.line_starts: list[int] | None = None  # set when libyaml's line numbers need correcting

    def _position(self, index: int) -> tuple[int, int]:
        """(line, column) of a character index, with lines as editors count them."""
        import bisect

        starts = self.line_starts or [0] + [match.end() for match in _LINE_BREAK.finditer(self._text)]
        line = bisect.bisect_right(starts, index) - 1
        return line, index - starts[line]

    def _span(self, event) -> Span:
        start, end = event.start_mark, event.end_mark
        if self.line_starts is None:
            return Span(start.line, start.column, end.line, end.column)
        return Span(*self._position(start.index), *self._position(end.index))

    def _remap(self, problem: Problem, error, text: str) -> Problem:
        mark = error.problem_mark or error.context_mark
        if self.line_starts is None or mark is None:
            return problem
        line, column = self._position(mark.index)
        return Problem(problem.rule, Span(line, column, line, column + 1), problem.message)

    def build(self, text: str) -> None:
        from _ruamel_yaml import CParser
        from ruamel.yaml.error import MarkedYAMLError
        from ruamel.yaml.reader import ReaderError

        if any(char in text for char in _YAML_ONLY_BREAKS):
            self.line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
        self._text = text
        parser = CParser(text)
        try:
            self._consume(parser, text)
        except MarkedYAMLError as error:
            self.failed = True
            self.problems.append(self._remap(_syntax_problem(error, text), error, text))
        except ReaderError as error:
            self.failed = True
            line, column = self._position(error.position)
            code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
            self.problems.append(Problem("BL001", Span(line, column, line, column + 1), (
                f"invalid character U+{code:04X} (a control character); YAML allows only printable "
                "characters, tabs and line breaks: remove it or write it as an escape in a double-quoted string")))
        except _Stop as stop:
            self.failed = True
            self.problems.append(stop.args[0])

    def _consume(self, parser, text: str) -> None:  # noqa: C901 - one event loop reads best whole
        # The classes the C parser instantiates, taken from it: `ruamel.yaml.events` may have been
        # imported again since (test runners purge modules), and then its classes are others.
        import _ruamel_yaml as events

        # The loop runs once per node of every file: names are bound locally, and the common
        # case (a plain scalar as a key, a mapping value or a list item) is handled inline.
        scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
        get_event, plain, spans, key_spans = parser.get_event, self.plain, self.spans, self.key_spans
        exact_lines = self.line_starts is None
        stack: list[list] = []  # frames: [container, path, pending_key, key_span, merges, anchor, first, start]
        anchors: dict[str, tuple[Any, int]] = {}
        nodes = 0
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                nodes += 1
                if exact_lines:
                    start, end = event.start_mark, event.end_mark
                    span = Span(start.line, start.column, end.line, end.column)
                else:
                    span = self._span(event)
                implicit, style = event.implicit, event.style
                if implicit and implicit[0] and not style:
                    value = plain(event.value)
                elif event.tag and event.tag != "!" and not (implicit and implicit[0]):
                    value = tagged(event.tag, event.value)
                else:
                    value = event.value
                if nodes > MAX_NODES:
                    raise _Stop(Problem("BL005", span, f"more than {MAX_NODES:,} nodes (after expanding aliases); "
                                        "is this an alias bomb?"))
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                if stack:
                    frame = stack[-1]
                    parent = frame[0]
                    if type(parent) is list:
                        path = frame[1] + (len(parent),)
                        parent.append(value)
                        spans[path] = span
                        continue
                    key = frame[2]
                    if key is _NO_KEY:
                        frame[2], frame[3] = value, span
                        continue
                    if key is not MERGE_KEY and key not in parent:
                        path = frame[1] + (key,)
                        frame[2] = _NO_KEY
                        parent[key] = value
                        key_spans[path] = frame[3]
                        spans[path] = span
                        continue
                self._attach(stack, value, span)
            elif kind is alias_event:
                span = self._span(event)
                if event.anchor not in anchors:
                    raise _Stop(Problem("BL001", span, f"alias *{event.anchor} names no anchor"))
                value, size = anchors[event.anchor]
                nodes += size
                if nodes > MAX_NODES:
                    raise _Stop(Problem("BL005", span, f"more than {MAX_NODES:,} nodes (after expanding aliases); "
                                        "is this an alias bomb?"))
                self._attach(stack, value, span)
            elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                nodes += 1
                if len(stack) >= MAX_DEPTH:
                    raise _Stop(Problem("BL005", self._span(event), f"nesting deeper than {MAX_DEPTH} levels; "
                                        "a Press document is never this deep"))
                container: Any = {} if kind is events.MappingStartEvent else []
                path = self._attach(stack, container, self._span(event))
                stack.append([container, path, _NO_KEY, None, [], event.anchor, nodes, self._span(event)])
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                container, path, _, _, merges, anchor, first_node, start = stack.pop()
                for merged_value, merge_span in merges:
                    for merged in merged_value if isinstance(merged_value, list) else [merged_value]:
                        if not isinstance(merged, dict):
                            continue
                        for key, value in merged.items():
                            if key not in container:
                                container[key] = value
                                self.key_spans.setdefault(path + (key,), merge_span)
                                self.spans.setdefault(path + (key,), merge_span)
                if path is not None:
                    end = self._span(event)
                    self.spans[path] = Span(start.line, start.column, end.end_line, end.end_column)
                if anchor:
                    anchors[anchor] = (container, nodes - first_node + 1)
            elif kind is events.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.problems.append(Problem("BL009", self._span(event), (
                        "a second YAML document (`---`) in one file; the peak CLI reads exactly one "
                        "document per file, so split it into two files")))
                    return
            elif kind is events.StreamEndEvent:
                return
            elif kind is not events.StreamStartEvent and kind is not events.DocumentEndEvent:
                raise _Stop(Problem("BL001", FILE_START, f"unexpected YAML event {kind.__name__}"))

    def _attach(self, stack: list, value, span: Span):
        """Place a value under its parent; return its path (None for a mapping key)."""
        if not stack:
            self.root = value
            self.spans[()] = span
            if isinstance(value, (dict, list)):
                self.ids[id(value)] = ()
            return ()
        frame = stack[-1]
        parent, parent_path = frame[0], frame[1]
        if isinstance(parent, list):
            path = parent_path + (len(parent),)
            parent.append(value)
        elif frame[2] is _NO_KEY:
            if isinstance(value, (dict, list)):
                self.problems.append(Problem("BL001", span, "a mapping or list used as a key; "
                                             "Press documents use plain string keys"))
                value = f"<complex key on line {span.line + 1}>"
            frame[2], frame[3] = value, span
            return None
        else:
            key, key_span = frame[2], frame[3]
            frame[2] = _NO_KEY
            if key is MERGE_KEY:
                # A list of mappings (`<<: [*a, *b]`) may still be filling: merge at the mapping's end.
                frame[4].append((value, key_span))
                path = parent_path + ("<<",)
                self.spans[path] = span
                return path
            if not _hashable(key):
                key = str(key)
            path = parent_path + (key,)
            if key in parent:
                first = self.key_spans[path]
                self.problems.append(Problem("BL004", key_span, (
                    f"duplicate key '{key}' (first on line {first.line + 1}); YAML keeps only the last "
                    "value, so the first is silently lost")))
            parent[key] = value
            self.key_spans[path] = key_span
        self.spans[path] = span
        if isinstance(value, (dict, list)):
            self.ids.setdefault(id(value), path)
        return path


class _Stop(Exception):
    """A limit was reached: stop reading and report why."""


_NO_KEY = object()


def _hashable(key) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _syntax_problem(error, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    lines = split_lines(text)
    if lines and not lines[-1]:
        lines.pop()  # the empty "line" after a final line break
    if lines and (line >= len(lines) or (line == len(lines) - 1 and column >= len(lines[-1]))):
        line, column = len(lines) - 1, len(lines[-1])
        context = error.context_mark
        opened = f" (the construct opened on line {context.line + 1})" if context and context.line < line else ""
        return Problem("BL001", Span(line, column, line, column + 1),
                       f"invalid YAML: unexpected end of file{opened}: an unclosed bracket, brace or quote?")
    char = lines[line][column:column + 1] if line < len(lines) else ""
    if char == "\t" or (line < len(lines) and lines[line][:column + 1].strip() == "" and "\t" in lines[line]):
        tab = lines[line].find("\t") if line < len(lines) else 0
        return Problem("BL001", Span(line, max(tab, 0), line, max(tab, 0) + 1),
                       "tab character in indentation; YAML indents with spaces only")
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return Problem("BL001", Span(line, column, line, column + 1), message)
