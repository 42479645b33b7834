"""An analysis turned into LSP values: diagnostics, code actions, completion, hover, go to
definition and document symbols. Pure functions of an `Analysis` (no I/O), so they are timed and
tested in-process as well as through the server."""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from blocklint.fix import Fix, LineIndex
from blocklint import schemahelp
from blocklint.lsp import references
from blocklint.lsp.context import cursor_context
from blocklint.lsp.session import Analysis
from blocklint.words import split_lines

SOURCE = "blocklint"
SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "info": lsp.DiagnosticSeverity.Information}
PARAM_PREFIX = "@param:"
_STEP_NAME_KEYS = ("parents", "stepName")
# Everything CommonMark lets a backslash escape: with these escaped, a quoted value is plain text
# in a hover (no image that loads from a remote host, no link, no HTML, no emphasis).
_MARKDOWN_SPECIAL = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def shown(analysis: Analysis, text: str) -> str:
    """Text quoted from the document as the editor may show it: secrets (credentials, the
    `--template-env` values of the plan) masked, control characters escaped, as in every report."""
    from blocklint.report import present_message
    from blocklint.secrets import DETECTOR_ONLY, Masker

    secrets = getattr(analysis.plan, "secrets", None)
    return present_message(text, Masker(secrets) if secrets else DETECTOR_ONLY)


def markdown_text(text: str) -> str:
    """`text` as literal characters in markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_code(text: str) -> str:
    """`text` as an inline code span, whatever backticks it holds (CommonMark: a longer fence)."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


class Positions:
    """Converts the loader's (line, code point) positions to the client's units and back."""

    def __init__(self, text: str, encoding: str = "utf-16"):
        self.lines = split_lines(text)
        self.encoding = encoding

    def _units(self, text: str) -> int:
        if self.encoding == "utf-8":
            return len(text.encode("utf-8"))
        if self.encoding == "utf-32":
            return len(text)
        return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)

    def position(self, line: int, column: int) -> lsp.Position:
        if line >= len(self.lines):
            return lsp.Position(line=max(len(self.lines) - 1, 0), character=self._units(self.lines[-1]) if self.lines else 0)
        text = self.lines[line]
        if text.isascii():
            return lsp.Position(line=line, character=min(column, len(text)))
        return lsp.Position(line=line, character=self._units(text[:column]))

    def column(self, position: lsp.Position) -> int:
        """The code point column of a client position."""
        if position.line >= len(self.lines):
            return 0
        text = self.lines[position.line]
        if text.isascii() or self.encoding == "utf-32":
            return min(position.character, len(text))
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return index
            units += self._units(char)
        return len(text)

    def span_range(self, span) -> lsp.Range:
        return lsp.Range(start=self.position(span.line, span.column),
                         end=self.position(span.end_line, span.end_column))

    def offsets_range(self, index: LineIndex, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(*index.position(start)), end=self.position(*index.position(end)))


# --- diagnostics ---------------------------------------------------------------------------------

def _rule_of(analysis: Analysis, rule_id: str):
    if analysis.plan is None:
        return None
    return next((found for found in analysis.plan.available if found.id == rule_id), None)


def diagnostics(analysis: Analysis, positions: Positions) -> list[lsp.Diagnostic]:
    """The findings `check` reports for this text, as diagnostics."""
    if analysis.error:
        return [lsp.Diagnostic(range=lsp.Range(start=lsp.Position(line=0, character=0),
                                               end=lsp.Position(line=0, character=0)),
                               message=f"configuration error: {analysis.error}",
                               severity=lsp.DiagnosticSeverity.Error, source=SOURCE)]
    from blocklint.docs import help_uri

    found = []
    for number, finding in enumerate(analysis.findings):
        rule = _rule_of(analysis, finding.rule)
        uri = help_uri(rule) if rule is not None else None
        start = positions.position(finding.line - 1, finding.column - 1)
        end = positions.position(finding.end_line - 1, finding.end_column - 1)
        if (end.line, end.character) < (start.line, start.character):
            end = start
        found.append(lsp.Diagnostic(
            range=lsp.Range(start=start, end=end), message=shown(analysis, finding.message),
            severity=SEVERITY.get(finding.severity, lsp.DiagnosticSeverity.Error),
            code=finding.rule, source=SOURCE,
            code_description=lsp.CodeDescription(href=uri) if uri else None,
            related_information=related(analysis, finding, positions) or None,
            data={"index": number, "rule": finding.rule}))
    return found


def related(analysis: Analysis, finding, positions: Positions) -> list:
    """Other places a finding is about: the definition an unknown name resembles, the steps of a
    cycle, where a repeated parent was first listed."""
    from pygls.uris import from_fs_path

    uri = from_fs_path(analysis.path) or analysis.path
    defined = analysis.definitions
    places = []

    def add(span, message):
        places.append(lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri, range=positions.span_range(span)), message=shown(analysis, message)))

    suggested = finding.suggestion  # data the rule attached: never read back out of the message
    if finding.rule in ("BL301", "BL304", "BL305") and suggested in defined.steps:
        add(defined.steps[suggested][0], f"step '{suggested}' is defined here")
    elif finding.rule == "BL503" and suggested in defined.images:
        add(defined.images[suggested][0], f"image '{suggested}' is defined here")
    elif finding.rule == "BL401" and suggested in defined.build_params:
        add(defined.build_params[suggested][0], f"build parameter '{suggested}' is defined here")
    elif finding.rule == "BL302":
        for place in finding.related:
            if place and place[-1] in defined.steps:
                add(defined.steps[place[-1]][0], f"step '{place[-1]}' is on the cycle")
    elif finding.rule == "BL309" and analysis.doc is not None:
        for place in finding.related:
            add(analysis.doc.span_of(place), f"'{_value_at(analysis.doc.data, finding.path)}' is first listed here")
    return places


def _value_at(data, path):
    from blocklint.fixers import node_at

    try:
        return node_at(data, path)
    except (LookupError, TypeError):
        return ""


# --- code actions --------------------------------------------------------------------------------

def _edit_for(analysis: Analysis, uri: str, fix: Fix, positions: Positions) -> lsp.WorkspaceEdit:
    edits = [lsp.TextEdit(range=positions.offsets_range(analysis.index, edit.start, edit.end), new_text=edit.replacement)
             for edit in sorted(fix.edits)]
    return lsp.WorkspaceEdit(changes={uri: edits})


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and \
        (b.start.line, b.start.character) <= (a.end.line, a.end.character)


def code_actions(analysis: Analysis, uri: str, requested: lsp.Range, context_diagnostics, positions: Positions,
                 only=None) -> list[lsp.CodeAction]:
    """Quick fixes of the findings in range, "fix all safe fixes", and "disable BLxxx on this line"."""
    actions: list[lsp.CodeAction] = []
    wanted = set(only or ())

    def allowed(kind: str) -> bool:
        return not wanted or any(kind == w or kind.startswith(w + ".") for w in wanted)

    by_index = {}
    for diagnostic in context_diagnostics or ():
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        number = data.get("index")
        # The index is into the analysis the diagnostic was published from: trust it only if
        # that finding is still the same one (the text may have changed since).
        if diagnostic.source == SOURCE and isinstance(number, int) and 0 <= number < len(analysis.findings) \
                and analysis.findings[number].rule == diagnostic.code \
                and shown(analysis, analysis.findings[number].message) == diagnostic.message:
            by_index[number] = diagnostic
    all_diagnostics = diagnostics(analysis, positions) if analysis.findings else []
    for number, finding in enumerate(analysis.findings):
        fix = finding.fix
        diagnostic = by_index.get(number)
        if diagnostic is None:
            current = all_diagnostics[number]
            if not _overlaps(current.range, requested):
                continue
            diagnostic = current
        if fix is not None and allowed(lsp.CodeActionKind.QuickFix):
            title = fix.title + ("" if fix.safe else " (unsafe)")
            actions.append(lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                                          is_preferred=fix.safe, edit=_edit_for(analysis, uri, fix, positions)))
        if allowed(lsp.CodeActionKind.QuickFix) and not analysis.path.endswith((".json", ".json.j2")):
            action = _disable_action(analysis, uri, finding, diagnostic, positions)
            if action is not None:
                actions.append(action)
    if any(finding.fix is not None and finding.fix.safe for finding in analysis.findings) and (
            allowed(lsp.CodeActionKind.SourceFixAll) or allowed(lsp.CodeActionKind.QuickFix)):
        action = fix_all_action(analysis, uri, positions)
        if action is not None:
            actions.append(action)
    return actions


_DIRECTIVE = re.compile(r"#\s*blocklint:\s*disable\s*=\s*([A-Za-z0-9_,\s]+?)\s*$")


def _disable_action(analysis: Analysis, uri: str, finding, diagnostic, positions: Positions):
    line = finding.line - 1
    if line >= len(positions.lines):
        return None
    text = positions.lines[line]
    existing = _DIRECTIVE.search(text)
    if existing:
        codes = [code.strip() for code in existing.group(1).split(",") if code.strip()]
        if finding.rule in codes:
            return None
        start = positions.position(line, existing.end(1))
        new_text = "," + finding.rule
    else:
        start = positions.position(line, len(text))
        new_text = f"  # blocklint: disable={finding.rule}"
    edit = lsp.TextEdit(range=lsp.Range(start=start, end=start), new_text=new_text)
    return lsp.CodeAction(title=f"Disable {finding.rule} on this line", kind=lsp.CodeActionKind.QuickFix,
                          diagnostics=[diagnostic], edit=lsp.WorkspaceEdit(changes={uri: [edit]}))


def fix_all_action(analysis: Analysis, uri: str, positions: Positions):
    """Every safe fix, repeated until none applies, as one edit: as `check --fix` fixes a file it
    has checked, from the document and findings the diagnostics came from."""
    from blocklint.fixing import fix_document

    fixed = fix_document(analysis.doc, analysis.plan, unsafe=False, findings=analysis.findings)
    if not fixed.changed:
        return None
    end = positions.position(len(positions.lines) - 1, len(positions.lines[-1]))
    edit = lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=0, character=0), end=end), new_text=fixed.fixed)
    return lsp.CodeAction(title="Fix all safe blocklint fixes", kind=lsp.CodeActionKind.SourceFixAll,
                          edit=lsp.WorkspaceEdit(changes={uri: [edit]}))


# --- completion ----------------------------------------------------------------------------------

def completion(analysis: Analysis, position: lsp.Position, positions: Positions) -> list[lsp.CompletionItem]:
    """Step, image and parameter names where the document refers to them; enum values and keys
    from the schema elsewhere."""
    if analysis.path.endswith((".json", ".json.j2")):
        return []
    column = positions.column(position)
    context = cursor_context(positions.lines, position.line, column)
    if context is None:
        return []
    defined = analysis.definitions
    line_text = positions.lines[position.line][:column]
    if PARAM_PREFIX in line_text.rsplit(" ", 1)[-1] or line_text.rstrip().endswith(PARAM_PREFIX):
        return [_item(name, lsp.CompletionItemKind.Variable, "build parameter") for name in defined.build_params]
    if context.in_key:
        parameters = references.parameter_names(analysis, context, position.line)  # a deployment's, from its spec
        if parameters is not None:
            return parameters
        keys = schemahelp.keys_at(analysis.kind, analysis.cli, context.path)
        return [_item(key, lsp.CompletionItemKind.Property, description, insert=f"{key}: ")
                for key, description in keys.items() if key not in context.present]
    key = context.key
    if key in _STEP_NAME_KEYS and "steps" in context.path:
        current = _current_step(context.path)
        return [_item(name, lsp.CompletionItemKind.Reference, f"step ({(step or {}).get('type', 'standard')})"
                      if isinstance(step, dict) else "step")
                for name, (_, step) in defined.steps.items() if name != current]
    if key == "imageRef":
        return [_item(name, lsp.CompletionItemKind.Reference, "image") for name in defined.images]
    if key == "dependsOn":
        return [_item(name, lsp.CompletionItemKind.Variable, "run parameter") for name in defined.run_params]
    values = schemahelp.enum_at(analysis.kind, analysis.cli, context.value_path)
    return [_item(str(value), lsp.CompletionItemKind.EnumMember, f"{key}") for value in values
            if isinstance(value, str)]


def _current_step(path: tuple) -> str | None:
    for index, part in enumerate(path[:-1]):
        if part == "steps" and isinstance(path[index + 1], str):
            return path[index + 1]
    return None


def _item(label: str, kind, detail: str, *, insert: str | None = None) -> lsp.CompletionItem:
    return lsp.CompletionItem(label=label, kind=kind, detail=detail, insert_text=insert)


# --- hover, definition, symbols ------------------------------------------------------------------

def hover(analysis: Analysis, position: lsp.Position, positions: Positions) -> lsp.Hover | None:
    """The field's schema description, and the rule's explanation of a finding under the cursor."""
    parts = []
    for finding in analysis.findings:
        start = (finding.line - 1, finding.column - 1)
        end = (finding.end_line - 1, finding.end_column - 1)
        column = positions.column(position)
        if start <= (position.line, column) <= max(start, end):
            rule = _rule_of(analysis, finding.rule)
            if rule is not None:
                parts.append(f"**{rule.id}** `{rule.name}`: {markdown_text(shown(analysis, finding.message))}"
                             f"\n\n{rule.doc}")
    if not analysis.path.endswith((".json", ".json.j2")) and position.line < len(positions.lines):
        line = positions.lines[position.line]
        key_end = line.find(":")
        column = positions.column(position)
        end_of_word = column + len(re.match(r"[\w@:.-]*", line[column:]).group())
        context = cursor_context(positions.lines, position.line, max(end_of_word, key_end + 1 if key_end >= 0 else 0))
        if context is not None and context.key is not None:
            description = schemahelp.description_at(analysis.kind, analysis.cli, context.path + (context.key,))
            if description:
                parts.insert(0, f"{markdown_code(shown(analysis, str(context.key)))}: {description}")
    if not parts:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))


def _word_at(line: str, column: int) -> tuple[int, int, str]:
    start = column
    while start > 0 and re.match(r"[\w@:.-]", line[start - 1]):
        start -= 1
    end = column
    while end < len(line) and re.match(r"[\w@:.-]", line[end]):
        end += 1
    return start, end, line[start:end]


def definition(analysis: Analysis, uri: str, position: lsp.Position, positions: Positions):
    """Where a parent, a condition's step, an `imageRef` or an `@param:` reference is defined."""
    if position.line >= len(positions.lines):
        return None
    line = positions.lines[position.line]
    column = positions.column(position)
    _, end, word = _word_at(line, column)
    word = word.rstrip(":")
    defined = analysis.definitions
    if PARAM_PREFIX in word:
        name = word.split(PARAM_PREFIX, 1)[1]
        target = defined.build_params.get(name)
    else:
        context = cursor_context(positions.lines, position.line, end)
        key = context.key if context is not None else None
        if key in _STEP_NAME_KEYS:
            target = defined.steps.get(word)
        elif key == "imageRef":
            target = defined.images.get(word)
        elif key == "dependsOn":
            target = defined.run_params.get(word)
        else:
            target = None
    if target is None:  # a reference to another document: a spec, a parameter's definition, a block
        return references.definition(analysis, positions.lines, position.line, end, word)
    return lsp.Location(uri=uri, range=positions.span_range(target[0]))


def symbols(analysis: Analysis, positions: Positions) -> list[lsp.DocumentSymbol]:
    """Steps, images and parameters, for the outline."""
    defined = analysis.definitions
    found = []
    groups = (("steps", defined.steps, lsp.SymbolKind.Function, "step"),
              ("images", defined.images, lsp.SymbolKind.Class, "image"),
              ("build parameters", defined.build_params, lsp.SymbolKind.Variable, "build parameter"),
              ("run parameters", defined.run_params, lsp.SymbolKind.Variable, "run parameter"))
    for title, names, kind, detail in groups:
        children = []
        for name, (span, node) in names.items():
            where = positions.span_range(span)
            if detail == "step" and isinstance(node, dict):
                label = f"step ({node.get('type', 'standard')})"
            else:
                label = detail
            children.append(lsp.DocumentSymbol(name=str(name), kind=kind, range=where, selection_range=where,
                                               detail=label))
        if children:
            whole = lsp.Range(start=children[0].range.start, end=children[-1].range.end)
            found.append(lsp.DocumentSymbol(name=title, kind=lsp.SymbolKind.Namespace, range=whole,
                                            selection_range=children[0].range, children=children))
    return found
