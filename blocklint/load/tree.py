"""YAML (and JSON) text → plain Python data and a path → span table, from libyaml's events.

The tree is built straight from libyaml's event stream (ruamel.yaml's C parser): plain dicts,
lists and scalars for rules to read, and a side table from each node's path to its span.
Building from events rather than composed nodes is several times faster, lets the loader stop
at a nesting or size limit before libyaml does quadratic work, and never recurses, so hostile
files cannot exhaust the stack.

The reading is the peak CLI's: `.json` files are read as YAML too, scalars are typed as PyYAML's
`safe_load` types them, and where libyaml and PyYAML's own parser disagree (PyYAML refuses a tab
between tokens; libyaml refuses an unknown `%` directive, a byte-order mark inside the text, an
escaped lone surrogate) PyYAML's parser decides: it reads every file holding a tab or an inner
byte-order mark, and every file libyaml refuses (both up to `MAX_CLI_PARSER_CHARS`: it is twenty times slower).

What `safe_load` refuses is a problem here too (BL001): tags other than YAML's standard ones, a
tag on the wrong kind of node (`!!seq x`), a tagged value that does not construct (`!!int abc`),
a timestamp that is no date (`2024-13-45`), complex keys (a mapping or list used as a key),
merge keys (`<<`) with anything but mappings, and `<<` or `=` used as a value. So is what it
reads but the request cannot carry as JSON (BL013): dates, bytes, sets, NaN and infinities.
"""

from __future__ import annotations

import bisect
import datetime
import re
from typing import Any

from blocklint.load import native
from blocklint.load.document import FILE_START, Problem, Span, container_paths
from blocklint.load.scalars import (
    MAPPING_TAGS, MERGE_KEY, MERGE_TAG, PLAIN_STRING_SKIP, SAFE_TAGS, SCALAR_TAGS, SEQUENCE_TAGS, TYPED_STARTS,
    Unloadable, tagged, yaml_plain,
)
from blocklint.load.syntax import syntax_problem
from blocklint.words import split_lines

MAX_DEPTH = 100
MAX_NODES = 1_000_000
# Characters of scalars after expanding aliases: twice what a file under the size limit can hold
# without aliases, so only alias amplification reaches it.
MAX_EXPANDED_CHARS = 20 * 1024 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# PyYAML's pure-Python parser (the CLI's) is used up to this size when libyaml's reading may differ.
MAX_CLI_PARSER_CHARS = 1024 * 1024
# Scalar types that JSON carries as they are; any other goes through `_unusual`.
_JSON_SCALARS = frozenset({str, int, bool, type(None)})
# A Span made without the Python-level `Span(...)` call (one frame less for each of the
# hundreds of nodes of a file): the same NamedTuple, built as `tuple.__new__` builds it.
_new_tuple = tuple.__new__
_BROKEN_SUBSTITUTION = re.compile(r"\{\s+\{\s*([^{}]*?)\s*\}\s*\}|\{\s*\{\s*([^{}]*?)\s*\}\s+\}")


class _Stop(Exception):
    """A limit was reached: stop reading and report why."""


_NO_KEY = object()
_OPEN_ANCHOR = (None, 0, 0)  # an anchored mapping or sequence not yet complete
_COMPLEX_KEY = object()  # the pending key was a mapping or list: its entry is dropped
_DISCARDED = object()  # first element of the paths of nodes under a dropped entry


def _refuse_alias_bomb(span: Span, what: str):
    return _Stop(Problem("BL005", span, f"more than {what} (after expanding aliases); is this an alias bomb?"))


class TreeBuilder:
    """Builds plain Python data and a path → span table from libyaml events, iteratively."""

    def __init__(self):
        self.plain = yaml_plain
        self.root = None
        self.spans: dict = {}
        self.key_spans: dict = {}
        self.ids: dict = {}
        self.null_values = True  # whether a mapping may hold a null value (unknown unless the native builder says)
        self.problems: list[Problem] = []
        self.failed = False
        self.discarded = False
        self.replaced: list = []  # values a duplicate key or a merge took out of the data (see _read)
        self.line_starts: list[int] | None = None  # set when libyaml's line numbers need correcting
        self.shifts: list[tuple[int, int]] | None = None  # (index in parsed text, offset to add) when rewritten
        self._text = ""

    # --- positions ------------------------------------------------------------------------

    def _position(self, index: int) -> tuple[int, int]:
        """(line, column) of a character index, with lines as editors count them."""
        if self.shifts:
            at = bisect.bisect_right(self.shifts, (index, float("inf"))) - 1
            index += self.shifts[at][1] if at >= 0 else 0
        starts = self.line_starts or [0] + [match.end() for match in _LINE_BREAK.finditer(self._text)]
        line = bisect.bisect_right(starts, index) - 1
        return line, index - starts[line]

    def _span(self, event) -> Span:
        start, end = event.start_mark, event.end_mark
        if self.line_starts is None:
            return _new_tuple(Span, (start.line, start.column, end.line, end.column))
        return Span(*self._position(start.index), *self._position(end.index))

    def _remap(self, problem: Problem, error) -> Problem:
        mark = error.problem_mark or error.context_mark
        if self.line_starts is None or mark is None:
            return problem
        line, column = self._position(mark.index)
        return Problem(problem.rule, Span(line, column, line, column + 1), problem.message)

    # --- building -------------------------------------------------------------------------

    def build(self, text: str, *, original: str | None = None, shifts=None) -> None:
        """Build from `text`; when it is a rewrite of `original` (same lines, some characters
        fewer), `shifts` maps its indexes back so that positions are the original's."""
        built = native.build(text, self.plain, Span, (MAX_DEPTH, MAX_NODES, MAX_EXPANDED_CHARS)) if (
            original is None and not shifts and native.builder is not None) else None
        if built is not None:
            self.root, self.spans, self.key_spans, self.ids, self.null_values = built
            return
        self._start(text, original, shifts)
        fits = len(text) <= MAX_CLI_PARSER_CHARS
        if fits and ("\t" in text or "\ufeff" in text[1:]):
            self._read(text, "cli")
            return
        if not self._read(text, "libyaml") and fits:
            refused = self.problems[-1]
            self.__init__()  # start afresh: PyYAML's parser, the CLI's, has the last word
            self._start(text, original, shifts)
            self._read(text, "cli")
            if self.failed:  # both refuse it: libyaml's words, which name the place as editors do
                self.problems[-1] = refused

    def _start(self, text: str, original: str | None, shifts) -> None:
        self._text = original if original is not None else text
        self.shifts = shifts
        if shifts or any(char in text for char in native.YAML_ONLY_BREAKS):
            self.line_starts = [0] + [match.end() for match in _LINE_BREAK.finditer(self._text)]

    def _read(self, text: str, parser_name: str) -> bool:
        """Consume the events of libyaml's parser, or of PyYAML's own (pure Python) one; False
        when the parser refused the text's syntax (a limit reached is not the parser's verdict)."""
        if parser_name == "libyaml":
            import _ruamel_yaml as events
            from _ruamel_yaml import CParser as make_parser
            from ruamel.yaml.error import MarkedYAMLError
            from ruamel.yaml.reader import ReaderError
        else:
            from yaml import SafeLoader as make_parser
            from yaml import events
            from yaml.error import MarkedYAMLError
            from yaml.reader import ReaderError
        try:
            self._consume(make_parser(text), events)
        except MarkedYAMLError as error:
            self.failed = True
            self.problems.append(self._remap(syntax_problem(error, text), error))
            return False
        except ReaderError as error:
            self.failed = True
            line, column = self._position(error.position)
            code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
            self.problems.append(Problem("BL001", Span(line, column, line, column + 1), (
                f"invalid character U+{code:04X} (a control character); YAML allows only printable "
                "characters, tabs and line breaks: remove it or write it as an escape in a double-quoted string")))
            return False
        except _Stop as stop:
            self.failed = True
            self.problems.append(stop.args[0])
        if self.discarded:
            self.spans = {path: span for path, span in self.spans.items() if not path or path[0] is not _DISCARDED}
            self.key_spans = {path: span for path, span in self.key_spans.items() if path[0] is not _DISCARDED}
        if self.replaced:
            # A value a duplicate key or a merge took out was held until now, so that no other node
            # could take its id while building; once freed, a later object could, and be placed at
            # its path: the table keeps only the containers left in the data.
            live = container_paths(self.root)
            self.ids = {identity: live[identity] for identity in self.ids if identity in live}
            self.replaced.clear()
        return True

    def _consume(self, parser, events) -> None:  # noqa: C901 - one event loop reads best whole
        # `events` holds the classes the parser instantiates (for libyaml, taken from the C module:
        # `ruamel.yaml.events` may have been imported again since, and then its classes are others).
        # The loop runs once per node of every file: names are bound locally, and the common
        # case (a plain scalar as a key, a mapping value or a list item) is handled inline.
        scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
        get_event, plain, spans, key_spans = parser.get_event, self.plain, self.spans, self.key_spans
        exact_lines = self.line_starts is None
        typed_starts, plain_skip = TYPED_STARTS, PLAIN_STRING_SKIP
        # frames: [container, path, pending_key, key_span, merges, anchor, first_node, start, first_chars, tag]
        stack: list[list] = []
        anchors: dict[str, tuple[Any, int, int]] = {}
        nodes = 0
        chars = 0
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                nodes += 1
                if exact_lines:
                    start, end = event.start_mark, event.end_mark
                    span = _new_tuple(Span, (start.line, start.column, end.line, end.column))
                else:
                    span = self._span(event)
                text = event.value
                chars += len(text)
                implicit, style = event.implicit, event.style
                if implicit and implicit[0] and not style:
                    # most plain scalars are words (`type`, `standard`): text, as `yaml_plain` says
                    value = text if text and text[0] not in typed_starts and text not in plain_skip else plain(text)
                elif event.tag and event.tag != "!" and not (implicit and implicit[0]):
                    value = self._tagged(event.tag, text, span)
                else:
                    value = text
                if type(value) not in _JSON_SCALARS:
                    value = self._unusual(value, text, span)
                if nodes > MAX_NODES:
                    raise _refuse_alias_bomb(span, f"{MAX_NODES:,} nodes")
                if chars > MAX_EXPANDED_CHARS:
                    raise _refuse_alias_bomb(span, f"{MAX_EXPANDED_CHARS // 2**20} MiB of text")
                if event.anchor:
                    self._anchor(event.anchor, anchors, span)
                    anchors[event.anchor] = (value, 1, len(text))
                if stack:
                    frame = stack[-1]
                    parent = frame[0]
                    if value is MERGE_KEY and not (type(parent) is dict and frame[2] is _NO_KEY):
                        value = self._merge_key_as_value(span)
                    if type(parent) is list:
                        path = frame[1] + (len(parent),)
                        parent.append(value)
                        spans[path] = span
                        continue
                    key = frame[2]
                    if key is _NO_KEY:
                        frame[2], frame[3] = value, span
                        continue
                    if type(key) is str and key not in parent:
                        path = frame[1] + (key,)
                        frame[2] = _NO_KEY
                        parent[key] = value
                        key_spans[path] = frame[3]
                        spans[path] = span
                        continue
                elif value is MERGE_KEY:
                    value = self._merge_key_as_value(span)
                self._attach(stack, value, span)
            elif kind is alias_event:
                span = self._span(event)
                if event.anchor not in anchors:
                    raise _Stop(Problem("BL001", span, f"alias *{event.anchor} names no anchor"))
                if anchors[event.anchor] is _OPEN_ANCHOR:
                    raise _Stop(Problem("BL001", span, (
                        f"alias *{event.anchor} is inside the node it names: a structure that contains itself, "
                        "which the peak CLI cannot send (\"Circular reference detected\")")))
                value, size, weight = anchors[event.anchor]
                nodes += size
                chars += weight
                if nodes > MAX_NODES:
                    raise _refuse_alias_bomb(span, f"{MAX_NODES:,} nodes")
                if chars > MAX_EXPANDED_CHARS:
                    raise _refuse_alias_bomb(span, f"{MAX_EXPANDED_CHARS // 2**20} MiB of text")
                self._attach(stack, value, span)
            elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
                nodes += 1
                span = self._span(event)
                if len(stack) >= MAX_DEPTH:
                    raise _Stop(Problem("BL005", span, f"nesting deeper than {MAX_DEPTH} levels; "
                                        "a Press document is never this deep"))
                if event.anchor:
                    self._anchor(event.anchor, anchors, span)
                    anchors[event.anchor] = _OPEN_ANCHOR  # defined here; its value once complete
                container: Any = {} if kind is events.MappingStartEvent else []
                tag = event.tag if event.tag and event.tag != "!" else None
                if tag:
                    self._container_tag(tag, container, span)
                path = self._attach(stack, container, span)
                stack.append([container, path, _NO_KEY, None, [], event.anchor, nodes, span, chars, tag])
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                container, path, _, _, merges, anchor, first_node, start, first_chars, tag = stack.pop()
                for merged_value, merge_span, value_span in merges:
                    self._merge(container, path, merged_value, merge_span, value_span)
                if tag in _PAIR_TAGS and type(container) is list:
                    self._as_pairs(container, tag, start)
                if path is not None:
                    end = self._span(event)
                    self.spans[path] = _new_tuple(Span, (start.line, start.column, end.end_line, end.end_column))
                if anchor:
                    anchors[anchor] = (container, nodes - first_node + 1, chars - first_chars)
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

    def _anchor(self, name: str, anchors: dict, span: Span) -> None:
        if name in anchors:
            self.problems.append(Problem("BL001", span, (
                f"anchor &{name} is defined twice; the peak CLI (PyYAML) refuses the file (\"found duplicate "
                "anchor\"): give each anchor its own name")))

    def _tagged(self, tag: str, text: str, span: Span):
        if tag not in SAFE_TAGS and tag != MERGE_TAG:
            self._unsafe_tag(tag, span)
            return text
        return tagged(tag, text)

    def _unusual(self, value, text: str, span: Span):
        """A scalar that is not a string, an integer, a boolean or null, as the CLI meets it:
        a finite float or the merge key as it is; what the CLI cannot load (BL001) or the request
        cannot carry (BL013) is reported, and kept as its text for the rules."""
        shown = text if len(text) <= 40 else text[:40] + "…"
        if type(value) is float:
            if value == value and value not in (_INFINITY, -_INFINITY):
                return value
            self.problems.append(Problem("BL013", span, (
                f"`{shown}` is the float {value} to the peak CLI, which JSON cannot carry (the request fails: "
                f"\"Out of range float values are not JSON compliant\"); quote it if it is text, or write a "
                "finite number")))
            return value
        if isinstance(value, Unloadable):
            self.problems.append(Problem("BL001", span, (
                f"the peak CLI cannot load `{shown}` ({value.reason}); quote it if it is text")))
            return text
        if isinstance(value, (datetime.date, bytes, set)):
            what = {bytes: "bytes (base64 decoded)", set: "a set"}.get(type(value), f"a {type(value).__name__}")
            self.problems.append(Problem("BL013", span, (
                f"`{shown}` is {what} to the peak CLI (YAML 1.1), which JSON cannot carry: the request fails "
                f"(\"Object of type {type(value).__name__} is not JSON serializable\"); "
                f"quote it to send it as text: '{shown}'")))
            return text
        return value

    def _container_tag(self, tag: str, container, span: Span) -> None:
        """A tag on a mapping or a sequence, as PyYAML's SafeConstructor takes it."""
        if tag not in SAFE_TAGS:
            self._unsafe_tag(tag, span)
            return
        found = "mapping" if type(container) is dict else "sequence"
        wanted = "mapping" if tag in MAPPING_TAGS else "sequence" if tag in SEQUENCE_TAGS else "scalar"
        if tag in SCALAR_TAGS or wanted != found:
            self.problems.append(Problem("BL001", span, (
                f"tag {_shown_tag(tag)} needs a {wanted}, and this is a {found}: the peak CLI refuses the file "
                f"(\"expected a {wanted} node, but found {found}\"); remove the tag")))
        elif tag == _SET_TAG:
            self.problems.append(Problem("BL013", span, (
                "!!set makes a set to the peak CLI, which JSON cannot carry: the request fails (\"Object of "
                "type set is not JSON serializable\"); remove the tag and write a list")))

    def _as_pairs(self, container: list, tag: str, span: Span) -> None:
        """`!!omap` and `!!pairs`: a list of one-entry mappings becomes a list of [key, value]
        pairs (PyYAML's tuples, which the request sends as JSON lists)."""
        if not all(type(item) is dict and len(item) == 1 for item in container):
            self.problems.append(Problem("BL001", span, (
                f"tag {_shown_tag(tag)} needs a list of one-entry mappings (`- key: value`): the peak CLI "
                "refuses the file; remove the tag")))
            return
        container[:] = [[key, value] for item in container for key, value in item.items()]

    def _unsafe_tag(self, tag: str, span: Span) -> None:
        shown = _shown_tag(tag)
        self.problems.append(Problem("BL001", span, (
            f"tag {shown} is refused by the peak CLI (PyYAML safe_load knows only YAML's standard tags "
            "such as !!str and !!int); remove the tag")))

    def _merge_key_as_value(self, span: Span) -> str:
        self.problems.append(Problem("BL001", span, (
            "`<<` is YAML's merge key and cannot be a value (the peak CLI refuses the file); "
            "quote it: '<<'")))
        return "<<"

    def _merge(self, container, path, merged_value, merge_span: Span, value_span: Span) -> None:
        """`<<: *base` or `<<: [*a, *b]`: keys the mapping does not set itself come from the merged ones."""
        self.replaced.append(merged_value)
        merged_list = merged_value if isinstance(merged_value, list) else [merged_value]
        if not isinstance(container, dict) or not all(isinstance(item, dict) for item in merged_list):
            self.problems.append(Problem("BL001", value_span, (
                "a merge key (`<<`) takes a mapping or a list of mappings (such as `<<: *base`); "
                "the peak CLI refuses anything else")))
            return
        for merged in merged_list:
            for key, value in merged.items():
                if key not in container:
                    container[key] = value
                    if path is not None:
                        self.key_spans.setdefault(path + (key,), merge_span)
                        self.spans.setdefault(path + (key,), merge_span)

    def _complex_key(self, value, span: Span) -> None:
        self.discarded = True
        lines = split_lines(self._text)
        line = lines[span.line] if span.line < len(lines) else ""
        broken = _BROKEN_SUBSTITUTION.search(line)
        if broken:
            name = (broken.group(1) or broken.group(2) or "name").strip()
            hint = (f"`{broken.group(0)}` looks like a broken `{{{{ {name} }}}}`: write the two braces "
                    "together, and quote the value if it is a template substitution")
        else:
            hint = "Press keys are plain strings"
        what = "mapping" if isinstance(value, dict) else "list"
        self.problems.append(Problem("BL001", span, (
            f"a {what} used as a key; the peak CLI (PyYAML safe_load) refuses it. {hint}")))

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
                self._complex_key(value, span)
                frame[2], frame[3] = _COMPLEX_KEY, span
                return (_DISCARDED,)
            frame[2], frame[3] = value, span
            return None
        else:
            key, key_span = frame[2], frame[3]
            frame[2] = _NO_KEY
            if key is _COMPLEX_KEY:
                return (_DISCARDED,)
            if key is MERGE_KEY:
                # A list of mappings (`<<: [*a, *b]`) may still be filling: merge at the mapping's end.
                frame[4].append((value, key_span, span))
                path = parent_path + ("<<",)
                self.spans[path] = span
                return path
            if not _hashable(key):
                key = str(key)
            path = parent_path + (key,)
            if key in parent:
                self.replaced.append(parent[key])
                first = self.key_spans.get(path, key_span)
                self.problems.append(Problem("BL004", key_span, (
                    f"duplicate key '{key}' (first on line {first.line + 1}); YAML keeps only the last "
                    "value, so the first is silently lost")))
            parent[key] = value
            self.key_spans[path] = key_span
            if type(key) is not str and path[0] is not _DISCARDED:
                # Rules name keys as text (`Key(str(key))`): `~`, `1`, `.nan` are found at their own line.
                alias = parent_path + (str(key),)
                self.key_spans.setdefault(alias, key_span)
                self.spans.setdefault(alias, span)
        self.spans[path] = span
        if isinstance(value, (dict, list)) and path[:1] != (_DISCARDED,):
            self.ids.setdefault(id(value), path)
        return path


_INFINITY = float("inf")
_SET_TAG = "tag:yaml.org,2002:set"
_PAIR_TAGS = frozenset({"tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"})


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _hashable(key) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True
