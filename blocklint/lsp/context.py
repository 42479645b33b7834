"""Where the cursor is in a YAML text, read from indentation: the node path around it, whether
a key or a value is being typed, and the word typed so far.

Completion runs while the user types, when the text often does not parse, so this reads the
lines rather than the parse tree: the keys of the lines above with less indentation are the
path (a `- ` item adds a list index), the current line says key or value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ITEM = re.compile(r"^(\s*)(-\s+)?")
_KEY = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^\s:#\[\]{},'"][^:#]*?))\s*:(?:\s+|$)(.*)$""")


@dataclass
class Context:
    path: tuple  # the mapping (or list) the cursor's node belongs to
    key: str | None = None  # value position: the key whose value is typed
    in_key: bool = False  # a key is being typed
    in_list: bool = False  # the value is a list item (`- x` or `[a, x`)
    prefix: str = ""  # the word typed so far
    present: set = field(default_factory=set)  # keys the mapping already has

    @property
    def value_path(self) -> tuple:
        """The path of the value being typed (a list item's index is 0)."""
        path = self.path + (self.key,) if self.key is not None else self.path
        return path + (0,) if self.in_list else path


def _strip(word: str) -> str:
    return word.strip().strip("'\"")


def _parse(line: str):
    """(indent, dash column or None, key column, key or None, rest after the key)."""
    match = _ITEM.match(line)
    indent = len(match.group(1))
    dash = indent if match.group(2) else None
    start = match.end()
    found = _KEY.match(line[start:])
    if found:
        key = next(group for group in found.groups()[:3] if group is not None)
        return indent, dash, start, key.strip(), found.group(4)
    return indent, dash, start, None, line[start:]


def _meaningful(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and stripped not in ("---", "...")


def cursor_context(lines: list, line: int, character: int) -> Context | None:
    """The context at a (0-based) line and character of a YAML text's lines."""
    if line >= len(lines):
        return None
    current = lines[line][:character]
    indent, dash, column, key, rest = _parse(current)
    context = Context(path=())
    if key is not None:
        value = rest
        flow = _flow_tail(value)
        if flow is not None:
            inner_key, inner_value, is_list = flow
            if inner_key is not None:
                context.path = (key,) if not is_list else (key, 0)
                key, value = inner_key, inner_value
            else:
                context.in_list = True
                value = inner_value
        context.key = key
        context.prefix = _strip(value.split(",")[-1])
    elif dash is not None:
        context.in_list = True
        context.prefix = _strip(rest)
        flow = _flow_tail(rest)
        if flow is not None and flow[0] is not None:  # `- {key: val` : a mapping item
            context.key, context.prefix, context.in_list = flow[0], _strip(flow[1]), False
            column = dash + 2
            dash = None
            context.path = (0,)
    else:
        context.in_key = True
        context.prefix = _strip(rest)
    parents, present = _ancestors(lines, line, column if dash is None or key is not None else dash,
                                  list_item=dash is not None and key is None)
    if dash is not None and key is not None:
        parents = parents + (0,)  # `- key: value`: the key belongs to a list item's mapping
    context.path = parents + context.path
    context.present = present
    if context.key is None and context.in_list and context.path and isinstance(context.path[-1], str):
        context.key, context.path = context.path[-1], context.path[:-1]  # `- x` under `key:`
    return context


def _flow_tail(value: str):
    """Inside an unclosed flow collection: (key or None, text typed, in a list)."""
    depth, opened = 0, None
    for index, char in enumerate(value):
        if char in "[{":
            depth += 1
            opened = (index, char)
        elif char in "]}":
            depth -= 1
    if depth <= 0 or opened is None:
        return None
    start, char = opened
    segment = value[start + 1:].split(",")[-1]
    if char == "{":
        found = _KEY.match(segment.strip())
        if found:
            key = next(group for group in found.groups()[:3] if group is not None)
            return key.strip(), found.group(4), False
        return None
    return None, segment, True


def _ancestors(lines: list, line: int, column: int, *, list_item: bool) -> tuple[tuple, set]:
    """The keys above the cursor that contain it, and the keys of its own mapping."""
    path: list = []
    present: set = set()
    limit = column
    own = not list_item  # still reading the cursor's own mapping
    for number in range(line - 1, -1, -1):
        text = lines[number]
        if not _meaningful(text):
            continue
        indent, dash, key_column, key, _ = _parse(text)
        if dash is not None and key is not None and key_column == limit:
            if own:
                present.add(key)
            path.insert(0, 0)  # a sibling key on the item's `- ` line: the mapping is a list item
            limit, own = dash, False
            continue
        if list_item and dash is not None and dash == limit:
            continue  # an earlier item of the same list
        if key is not None and (key_column < limit or (key_column == limit and list_item and dash is None)):
            if dash is not None:
                path.insert(0, key)
                path.insert(0, 0)
                limit = dash
            else:
                path.insert(0, key)
                limit = key_column
            own, list_item = False, False
            if limit == 0:
                break
            continue
        if own and key is not None and key_column == limit and dash is None:
            present.add(key)
    if own:
        for text in lines[line + 1:]:
            if not _meaningful(text):
                continue
            indent, dash, key_column, key, _ = _parse(text)
            if indent < column:
                break
            if key is not None and key_column == column and dash is None:
                present.add(key)
    return tuple(path), present
