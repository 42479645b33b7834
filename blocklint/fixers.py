"""Fixes for findings, one small function per rule id: `@fixer("BL101") def f(finding, doc)`.

A fixer reads the finding's data (its node `path`, its span, the name its rule proposes in
`suggestion`; never its message, so rewording a message cannot lose a fix) and the loaded
`Document`, and returns a `Fix` or None when it cannot be sure of one. `with_fixes` runs them
where the document is loaded (the worker), and the fix travels with the finding as data
(`Finding.fix`): `--fix` applies it, the `[*]` marker and the cache keep it. Fixes live here,
beside the rules rather than inside them, so a rule stays a pure check and its fix can be
tested on its own.

Every edit is checked against the text it replaces (`_replace` compares the original bytes with
what the finding names), so a finding whose position was mapped back from a rendered template,
or a value written in an unusual YAML style, gets no fix rather than a wrong one.
"""

from __future__ import annotations

import re
from typing import Callable

from blocklint.fix import Edit, Fix, LineIndex

FIXERS: dict[str, Callable] = {}
_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_.:/@ -]*$")


def fixer(*rule_ids: str):
    """Register a function as the fixer of one or more rule ids."""

    def register(func):
        for rule_id in rule_ids:
            FIXERS[rule_id] = func
        return func

    return register


def fix_for(finding, doc, index: LineIndex | None = None) -> Fix | None:
    """The fix of one finding, or None (no fixer for its rule, or no sure fix)."""
    func = FIXERS.get(finding.rule)
    if func is None or doc.data is None:
        return None
    index = index or LineIndex(doc.source)
    if doc.rendered and _templated_lines(finding, index):
        return None  # a rendered line's columns are not the source's: no sure edit there
    try:
        return func(finding, doc, index)
    except (LookupError, TypeError, ValueError):
        return None  # a node not shaped as the fixer expects: no fix rather than a crash


def with_fixes(findings, doc) -> list:
    """The findings, each carrying the fix its fixer has for it in `doc` (`Finding.fix`), its
    edits stamped with the text they replace."""
    if not any(finding.rule in FIXERS for finding in findings):
        return findings
    index = LineIndex(doc.source)
    fixed = []
    for finding in findings:
        fix = fix_for(finding, doc, index) if finding.rule in FIXERS else None
        if fix is not None:
            edits = tuple(edit._replace(original=doc.source[edit.start:edit.end]) for edit in fix.edits)
            finding = finding._replace(fix=fix._replace(edits=edits))
        fixed.append(finding)
    return fixed


def _templated_lines(finding, index: LineIndex) -> bool:
    """Whether a finding's lines hold a template tag (or an include mapped onto its tag)."""
    start = index.starts[min(max(finding.line - 1, 0), len(index.starts) - 1)]
    end = index.line_end(min(max(finding.end_line - 1, 0), len(index.starts) - 1))
    return any(marker in index.text[start:end] for marker in ("{{", "{%", "{#"))


# --- helpers -------------------------------------------------------------------------------------

def node_at(data, path):
    """The value at a node path of the document's data."""
    node = data
    for part in path:
        node = node[part]
    return node


def _span(finding, index: LineIndex) -> tuple[int, int]:
    start = index.offset(finding.line - 1, finding.column - 1)
    end = index.offset(finding.end_line - 1, finding.end_column - 1)
    return start, max(start, end)


def _replace(index: LineIndex, start: int, end: int, old: str, new: str) -> Edit | None:
    """Replace the scalar `old` written at `source[start:end]` (plain or quoted) by `new`, keeping
    its quotes; None when the text there is not `old` as expected."""
    text = index.text[start:end]
    if text == old and _PLAIN.match(old):
        return Edit(start, end, new if _plain_string(new) else _quoted(new))
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and text[1:-1] == old:
        quote = text[0]
        if quote in new or "\\" in new:
            return None
        return Edit(start + 1, end - 1, new)
    return None


def _plain_string(value: str) -> bool:
    """Whether `value` written unquoted reads back as this same string (not a number, a
    boolean, a mapping or a comment)."""
    from blocklint.load.scalars import yaml_plain

    if not _PLAIN.match(value) or ": " in value or " #" in value or value.endswith((":", " ")):
        return False
    return yaml_plain(value) == value


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _value_edit(finding, doc, index, new: str) -> Edit | None:
    """Replace the string value at the finding's node by `new`."""
    old = node_at(doc.data, finding.path)
    if not isinstance(old, str):
        return None
    return _replace(index, *_span(finding, index), old, new)


def _rename_key(finding, doc, index, new: str) -> Edit | None:
    """Rename the mapping key the finding points at, unless the mapping already has `new`."""
    key = finding.path[-1]
    parent = node_at(doc.data, finding.path[:-1])
    if not isinstance(parent, dict) or new in parent or key not in parent:
        return None
    return _replace(index, *_span(finding, index), str(key), new)


def _points_at_key(finding) -> bool:
    from blocklint.engine import Key

    return bool(finding.path) and isinstance(finding.path[-1], Key)


def _to_suggestion(finding, doc, index, *, safe: bool) -> Fix | None:
    """Replace the name the finding points at (a key or a value) by its rule's suggestion."""
    new = finding.suggestion
    if not new:
        return None
    if _points_at_key(finding):
        edit = _rename_key(finding, doc, index, new)
        old = finding.path[-1]
    else:
        old = node_at(doc.data, finding.path)
        edit = _value_edit(finding, doc, index, new)
    return Fix((edit,), safe, f"Replace '{old}' with '{new}'") if edit else None


# --- fixers --------------------------------------------------------------------------------------

@fixer("BL101")
def unknown_key(finding, doc, index):
    """An unknown key with one close known key: rename it (`parent:` → `parents:`). Safe: the
    platform drops the unknown key, so the only meaning the document can have is the known one."""
    if not _points_at_key(finding):
        return None
    return _to_suggestion(finding, doc, index, safe=True)


@fixer("BL301", "BL304", "BL305", "BL401", "BL407", "BL503")
def unknown_name(finding, doc, index):
    """A name that resolves to nothing (a parent, a condition's step, an `@param:` reference, a
    `dependsOn`, an `imageRef`) with one close candidate: use it.
    Unsafe: the closest name is a guess about which step, image or parameter was meant."""
    new = finding.suggestion
    if not new or _points_at_key(finding):
        return _to_suggestion(finding, doc, index, safe=False) if new else None
    old = node_at(doc.data, finding.path)
    if isinstance(old, str) and old.startswith("@param:"):
        new = "@param:" + new
    edit = _value_edit(finding, doc, index, new)
    return Fix((edit,), False, f"Replace '{old}' with '{new}'") if edit else None


@fixer("BL104")
def enum_value(finding, doc, index):
    """A value outside the field's allowed values. Safe when one allowed value differs only in
    letter case (`GET` → `get`) or for a misspelt parameter `type` with one close candidate
    (`string_arrray` → `string_array`, an unmistakable name); unsafe for another close candidate."""
    from blocklint.schemahelp import enum_at

    old = node_at(doc.data, finding.path)
    if not isinstance(old, str):
        return None
    same_case = [value for value in enum_at(doc.kind, doc.cli, finding.path)
                 if isinstance(value, str) and value.lower() == old.lower()]
    if len(same_case) == 1:
        new, safe = same_case[0], True
    else:
        new = finding.suggestion
        safe = finding.path[-1] == "type" and "parameters" in finding.path
    if not new:
        return None
    edit = _value_edit(finding, doc, index, new)
    return Fix((edit,), safe, f"Replace '{old}' with '{new}'") if edit else None


@fixer("BL205")
def cron_alias(finding, doc, index):
    """A cron alias (`@daily`) written as its standard five-field form (`0 0 * * *`). Safe: the
    two schedules are the same."""
    from blocklint.rules.triggers import ALIASES

    old = node_at(doc.data, finding.path)
    if not isinstance(old, str) or old.strip().lower() not in ALIASES:
        return None
    new = ALIASES[old.strip().lower()]
    edit = _value_edit(finding, doc, index, new)
    return Fix((edit,), True, f"Replace '{old}' with '{new}'") if edit else None


@fixer("BL309", "BL303")
def duplicate_parent(finding, doc, index):
    """A parent listed twice (BL309): remove the repeat (safe). A step listing itself (BL303):
    remove it (unsafe: the step could never start, so what it was meant to wait for is a guess)."""
    *list_path, position = finding.path
    parents = node_at(doc.data, list_path)
    if not isinstance(parents, list) or not isinstance(position, int):
        return None
    name = parents[position]
    duplicate = name in parents[:position]
    edit = _remove_item(doc, index, tuple(list_path), position, name)
    if edit is None:
        return None
    return Fix((edit,), duplicate, f"Remove {'repeated' if duplicate else 'self-'}parent '{name}'")


@fixer("BL011")
def unused_suppression(finding, doc, index):
    """A `# blocklint: disable=CODE` comment that suppresses nothing: remove it (safe), when it
    names that one code only."""
    from blocklint.engine.suppress import DIRECTIVE

    line = finding.line - 1
    start = index.offset(line, finding.column - 1)
    end = index.line_end(line)
    match = DIRECTIVE.match(index.text, start, end)
    if not match or match.end() != end and index.text[match.end():end].strip():
        return None
    codes = [code.strip() for code in match.group(2).split(",") if code.strip()]
    if len(codes) != 1:
        return None
    before = index.text[index.starts[line]:start]
    if before.strip():
        edit = Edit(start - (len(before) - len(before.rstrip())), end, "")
    else:
        edit = Edit(index.starts[line], index.next_line_start(line), "")
    return Fix((edit,), True, f"Remove unused '# blocklint: disable={codes[0]}'")


def _remove_item(doc, index: LineIndex, list_path: tuple, position: int, name) -> Edit | None:
    """An edit removing one item of a list: its line in a block list (`- x`), or the item and
    the comma before it in a flow list (`[a, x]`)."""
    span = doc.span_of(list_path + (position,))
    start = index.offset(span.line, span.column)
    end = index.offset(span.end_line, span.end_column)
    if not isinstance(name, str) or index.text[start:end].strip("'\"") != name:
        return None
    line_start = index.starts[span.line]
    before = index.text[line_start:start]
    if before.strip() == "-" and span.end_line == span.line:
        after = index.text[end:index.line_end(span.line)]
        if after.strip():
            return None
        return Edit(line_start, index.next_line_start(span.line), "")
    previous = index.text[:start].rstrip()
    if previous.endswith(","):
        return Edit(len(previous) - 1, end, "")
    if previous.endswith("["):
        following = re.match(r"\s*,\s*", index.text[end:])
        return Edit(start, end + following.end(), "") if following else None
    return None


@fixer("BL010")
def null_key(finding, doc, index):
    """A key whose value is null, which the peak CLI drops before sending: remove its line
    (safe: the platform never sees the key either way). Only a line that holds the key alone."""
    line = finding.line - 1
    text = index.text[index.starts[line]:index.line_end(line)]
    match = re.fullmatch(r"\s*(?:-\s+)?(?:\"[^\"]*\"|'[^']*'|[^\s:#'\"][^:#]*?)\s*:\s*(?:null|Null|NULL|~)?\s*", text)
    if not match or text.lstrip().startswith("-"):
        return None
    start, end = _span(finding, index)
    key = index.text[start:end].strip("'\"")  # the finding's span is the null key
    if not key or finding.end_line != finding.line:
        return None
    return Fix((Edit(index.starts[line], index.next_line_start(line), ""),), True, f"Remove the null '{key}' line")


@fixer("BL306")
def http_output_file(finding, doc, index):
    """An http step's output parameter that is not `response.txt`, the only file an http step
    writes: name that file (safe: no other value is accepted)."""
    edit = _value_edit(finding, doc, index, "response.txt")
    old = node_at(doc.data, finding.path)
    return Fix((edit,), True, f"Replace '{old}' with 'response.txt'") if edit else None


@fixer("BL604")
def health_check_path(finding, doc, index):
    """A `healthCheckURL` that is not a path: `health` becomes `/health` (safe), a full URL its
    path (unsafe: the host is dropped, which may not be what was meant)."""
    from urllib.parse import urlsplit

    old = node_at(doc.data, finding.path)
    if not isinstance(old, str) or not old.strip():
        return None
    if "://" in old:
        new, safe = urlsplit(old).path or "/", False
    else:
        new, safe = "/" + old.strip(), True
    edit = _value_edit(finding, doc, index, new)
    return Fix((edit,), safe, f"Replace '{old}' with '{new}'") if edit else None
