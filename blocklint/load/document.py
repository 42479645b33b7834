"""What loading a file produces: a Document (data, spans, problems) and the settings it was read with."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping

from blocklint.records import Record, field, record
from blocklint.words import split_lines


class Span(namedtuple("Span", ["line", "column", "end_line", "end_column"])):
    """0-based start and end of a node in the parsed text."""

    __slots__ = ()


FILE_START = Span(0, 0, 0, 0)


class SpanTable(Mapping):
    """A path -> span table the native tree builder keeps compactly (`tables`, whose `tables()`
    makes its `spans` and `key_spans` dicts, `which` 0 or 1), made the first time it is read:
    most files have no finding, and then no rule asks where a node is. It reads, compares and
    prints as that dict."""

    __slots__ = ("_tables", "_which", "_made")

    def __init__(self, tables, which: int):
        self._tables = tables
        self._which = which
        self._made: dict | None = None

    def _dict(self) -> dict:
        made = self._made
        if made is None:
            made = self._made = self._tables.tables()[self._which]
            self._tables = None
        return made

    def __getitem__(self, path):
        return self._dict()[path]

    def __contains__(self, path):
        return path in self._dict()

    def get(self, path, default=None):
        return self._dict().get(path, default)

    def __iter__(self):
        return iter(self._dict())

    def __len__(self):
        return len(self._dict())

    def keys(self):
        return self._dict().keys()

    def items(self):
        return self._dict().items()

    def values(self):
        return self._dict().values()

    def __eq__(self, other):
        return self._dict() == (other._dict() if isinstance(other, SpanTable) else other)

    __hash__ = None

    def __repr__(self):
        return repr(self._dict())


class Problem(namedtuple("Problem", ["rule", "span", "message"])):  # not a frozen dataclass: ~0.8 ms less at every start
    """A loading problem, reported by the BL0xx rules."""

    __slots__ = ()


class UndefinedUse(namedtuple("UndefinedUse", ["name", "span", "path"])):  # not a frozen dataclass: ~0.8 ms less at every start
    """One place where an undefined template variable was rendered (as an empty string).

    `span` is in the file the user wrote (the variable's name inside its `{{ ... }}`); `path` is
    the document path of the node the empty text landed in (None when it is not inside a node,
    e.g. a key that vanished). BL008 reports the first use of each name; a finding of another
    rule on `path` (a missing or null value) follows from it.
    """

    __slots__ = ()


@record
class Document(Record):
    """One Press document: its data, where each node is, and what kind it is."""

    path: str
    source: str = ""
    data: object = None
    kind: str | None = None
    claimed: bool = False  # its kind was claimed (`--kind`, a header comment, a glob), not detected
    other: str | None = None  # not Press: the `peak` command it is the input of ("peak workflows")
    cli: bool = False
    spans: dict = field(default_factory=dict)
    key_spans: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    rendered: bool = False
    source_map: object = None  # a load.source_map.SourceMap when the text was rendered from a template
    disabled: tuple = ()  # codes disabled in the document itself (`x-blocklint: {disable: [...]}`)
    undefined: tuple = ()  # UndefinedUse, in the order of the rendered text
    reads: tuple = ()  # the paths its template's include search looked at, found or not
    _ids: dict = field(default_factory=dict)
    _lines: tuple = field(default=(None, None), repr=False, compare=False)  # (source, its lines)

    @property
    def body(self):
        if self.cli:
            return self.data.get("body") if isinstance(self.data, dict) else None
        return self.data

    @property
    def source_lines(self) -> list[str]:
        """The source's lines, split once (rules and the engine ask for them per finding)."""
        source, lines = self._lines
        if source is not self.source:
            lines = split_lines(self.source)
            self._lines = (self.source, lines)
        return lines

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
        """Map a span of the rendered text back onto the file the user wrote (line and column)."""
        if self.source_map is None:
            return span
        return self.source_map.to_source(span)


def container_paths(root) -> dict:
    """id -> path of every mapping and list reachable from `root`, each at the first path that
    reaches it in the data's order (an alias's node at its anchor's place)."""
    found: dict = {}
    stack = [(root, ())] if isinstance(root, (dict, list)) else []
    while stack:
        node, path = stack.pop()
        if id(node) in found:
            continue
        found[id(node)] = path
        children = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(reversed([(value, path + (key,)) for key, value in children if isinstance(value, (dict, list))]))
    return found
