"""File → Document: bounded read, text checks, templating, parsing, the peak CLI's own touches.

Whatever goes wrong with one file (an unreadable path, a device, a template that raises, a
construct the parser refuses, a bug) becomes a Problem on that file at the best-known place;
nothing is raised out of `load_path`, `load_bytes`, `load_text` or `load_stream`.
"""

from __future__ import annotations

import bisect
import os
import re
from pathlib import Path

from blocklint import kinds
from blocklint.load import json_syntax
from blocklint.load.document import FILE_START, Document, Problem, Span, UndefinedUse
from blocklint.load.settings import LoadSettings
from blocklint.load.read import FileTooLarge, UnreadableFile, read_bounded, read_bounded_stream
from blocklint.load.tree import TreeBuilder
from blocklint.project_root import folder_root
from blocklint.shared import once_per_run
from blocklint.words import split_lines

TEMPLATE_SUFFIX = ".j2"
DIRECTIVE_KEY = "x-blocklint"
_JINJA_MARKER = re.compile(r"\{[{%#]")  # `{{`, `{%` or `{#`
_CLI_BODY_LINE = re.compile(r"""^(?:body|"body"|'body')\s*:""", re.M)
_JSON_CLI_BODY = re.compile(r"""^\s*\{\s*"body"\s*:""")
_ANY_BODY_KEY = re.compile(r"""(?:body|"body"|'body')\s*:""")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MESSAGE_CHARS = 300


def load_path(path: str | os.PathLike, settings: LoadSettings | None = None, *, display=None) -> Document:
    """Read (bounded: regular files only, at most `settings.max_bytes`) and load one file."""
    settings = settings or LoadSettings()
    display = display or str(path)
    escaped = _link_leaving(path, settings.include_root)
    if escaped:
        return _refused(display, "BL012", f"the file is a link to {escaped}, outside the project; blocklint reads "
                        "files of the project only (check the target where it lives)")
    try:
        raw = read_bounded(path, settings.max_bytes, what="the file")
    except FileTooLarge as error:
        return _refused(display, "BL005", f"{error} (blocklint reads Press documents up to "
                        f"{settings.max_bytes / 2**20:.0f} MiB; real specs are far smaller)")
    except UnreadableFile as error:
        return _refused(display, "BL012", str(error))
    except OSError as error:
        return _refused(display, "BL012", f"cannot read the file: {error.strerror or error}")
    return load_bytes(raw, display, settings, file_path=Path(path))


def _link_leaving(path, root: str | None) -> str | None:
    """The target of `path` when the path lies in the project but links out of it: a checkout
    must not make blocklint read (and quote) a file elsewhere on the machine."""
    named = os.path.abspath(path)
    project = _real_project(os.path.dirname(named), root)
    if project is None or not _within(named, project):
        return None
    target = _real_path(os.fspath(path))
    return None if _within(target, project) else target


def _within(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies below it, both absolute and normalised: what
    `os.path.commonpath([folder, path]) == folder` says, without its cost for every file."""
    if path.startswith("//"):  # the one spelling `abspath` keeps that `realpath` never gives
        return os.path.commonpath([folder, path]) == folder
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _real_path(path: str) -> str:
    """`os.path.realpath(path)`, with the real path of the file's folder worked out once per run: a
    file that is no link is its real folder's entry (one `lstat`, not one per folder on the way)."""
    folder, name = os.path.split(path)
    if name in ("", os.curdir, os.pardir) or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(_real_folder(folder or os.curdir), name)


@once_per_run
def _real_folder(folder: str) -> str:
    """The real path of a folder as a run names it (relative ones from the run's working directory)."""
    return os.path.realpath(folder)


@once_per_run
def _real_project(folder: str, root: str | None) -> str | None:
    """The real path of the project of the files in `folder`: `root` (the configuration's
    folder) when given, else the files' own project (`blocklint.project_root.folder_root`)."""
    if not root:
        root = folder_root(Path(folder))
    return None if root is None else os.path.realpath(root)


def load_stream(stream, display: str = "<stdin>", settings: LoadSettings | None = None) -> Document:
    """Read (bounded) and load a binary stream: standard input."""
    settings = settings or LoadSettings()
    try:
        raw = read_bounded_stream(stream, settings.max_bytes)
    except FileTooLarge as error:
        return _refused(display, "BL005", f"{error}; blocklint reads Press documents up to "
                        f"{settings.max_bytes / 2**20:.0f} MiB")
    except OSError as error:
        return _refused(display, "BL012", f"cannot read standard input: {error.strerror or error}")
    return load_bytes(raw, display, settings)


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
    try:
        claim = kinds.claim_of(str(file_path or display), text, settings.claims, settings.kind)
        render = settings.template and _is_cli_template(text, display)
        # `body` elsewhere than at a line's start (flow style, after a tag): rendered as the CLI
        # renders every file, kept only if the rendering is a CLI file; else a bare SDK body.
        maybe = settings.template and not render and _may_be_cli_template(text)
        _claim(doc, claim)
        _load(doc, text, display, settings, file_path, claim.kind if claim is not None else None, render or maybe)
        if maybe and not doc.cli:
            doc = Document(path=display, source=text)
            _claim(doc, claim)
            _load(doc, text, display, settings, file_path, claim.kind if claim is not None else None, False)
    except (Exception, RecursionError, MemoryError) as error:  # noqa: BLE001 - one file's failure is its finding
        doc.data, doc.kind, doc.cli, doc.spans, doc.key_spans, doc._ids = None, None, False, {}, {}, {}
        doc.problems.append(Problem("BL001", FILE_START, _short(
            f"blocklint could not load this file ({type(error).__name__}: {error}); "
            "this is a bug in blocklint, please report it")))
    return doc


def _claim(doc: Document, claim) -> None:
    doc.claimed = claim is not None
    if claim is not None and claim.kind is None:
        doc.problems.append(Problem("BL006", Span(claim.line, claim.column, claim.line,
                                                  claim.column + len(claim.written)), claim.unknown))


def _load(doc: Document, text: str, display: str, settings: LoadSettings, file_path, claimed: str | None,
          render: bool) -> None:
    parsed_text = text
    uses: list = []
    if render:
        from blocklint.load import template
        from blocklint.load.source_map import SourceMap

        reads: list = []
        result = template.render(text, Path(file_path) if file_path else None, settings.params, env=settings.env,
                                 include_root=settings.include_root, max_bytes=settings.max_bytes, reads=reads)
        doc.reads = tuple(dict.fromkeys(reads))
        if result.error is not None:
            doc.problems.append(Problem("BL007", _line_span(text, result.error_line), result.error))
            return
        parsed_text = result.text
        as_rendered = _without_final_line_break(text)  # the source, in the form rendering gives it
        doc.rendered = parsed_text != as_rendered
        if doc.rendered:
            doc.source_map = SourceMap(parsed_text, as_rendered)
        undefined, uses = result.undefined, result.uses
    else:
        undefined = []
        if settings.template and _is_cli_file_text(text):
            parsed_text = _without_final_line_break(text)
    # The peak CLI reads `.json` files with its YAML loader too; where strict JSON would read
    # them otherwise, json_syntax says how (BL014).
    is_json = display.endswith((".json", ".json.j2"))
    builder = TreeBuilder()
    if is_json:
        build_text, shifts = json_syntax.without_surrogate_escapes(parsed_text)
        builder.build(build_text, original=parsed_text if shifts else None, shifts=shifts)
        if shifts and not builder.failed and json_syntax.rewrite_shows(builder.root):
            builder = TreeBuilder()
            builder.build(parsed_text)
        if not builder.failed and not any(problem.rule == "BL001" for problem in builder.problems):
            builder.problems.extend(json_syntax.differences(parsed_text, builder.spans, builder.key_spans))
    else:
        builder.build(parsed_text)
    doc.problems.extend(Problem(p.rule, doc.to_source(p.span), p.message) for p in builder.problems)
    if builder.failed:
        return
    doc.data, doc.spans, doc.key_spans, doc._ids = builder.root, builder.spans, builder.key_spans, builder.ids
    if doc.data is None and not builder.problems:
        doc.problems.append(Problem("BL002", FILE_START, "the file is empty; a Press document is a YAML "
                                    "or JSON mapping (a `peak` CLI file starts with `body:`)"))
        return
    _take_directives(doc)
    doc.cli = kinds.is_cli_file(doc.data)
    doc.kind = claimed or kinds.detect(doc.data, display)
    doc.other = kinds.other_command(doc.data) if doc.kind is None else None
    if doc.cli and doc.kind is None and doc.other is None:
        doc.problems.append(Problem("BL006", doc.span_of(("body",), key=True), kinds.no_kind_message(doc.body)))
    doc.undefined = tuple(_undefined_uses(doc, parsed_text, uses))
    first_use: dict = {}
    for use in doc.undefined:
        first_use.setdefault(use.name, use)
    for name, line in undefined:
        doc.problems.append(_undefined_problem(doc, name, line, first_use.get(name)))
    if doc.cli and builder.null_values:
        _drop_nulls(doc, doc.data, (), {use.path for use in doc.undefined})


def _short(message: str) -> str:
    return message if len(message) <= _MESSAGE_CHARS else message[:_MESSAGE_CHARS] + "…"


def _take_directives(doc: Document) -> None:
    """JSON has no comments: `"x-blocklint": {"disable": ["BL504"]}` at the top level disables
    codes for the file. The key is removed before linting (the peak CLI drops unknown top-level
    keys too; strip it before passing a bare body to the SDK yourself)."""
    if not isinstance(doc.data, dict) or DIRECTIVE_KEY not in doc.data:
        return
    directive = doc.data.pop(DIRECTIVE_KEY)
    # Its containers leave the id table with it: once freed, another object could take an id.
    doc._ids = {identity: path for identity, path in doc._ids.items() if path[:1] != (DIRECTIVE_KEY,)}
    codes = directive.get("disable") if isinstance(directive, dict) else None
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        doc.problems.append(Problem("BL011", doc.span_of((DIRECTIVE_KEY,), key=True), (
            f'"{DIRECTIVE_KEY}" must be {{"disable": ["BL504", ...]}}, so it suppresses nothing; '
            "the peak CLI drops the key either way")))
        return
    doc.disabled = tuple(code.strip().upper() for code in codes)


def _refused(display: str, rule: str, message: str) -> Document:
    return Document(path=display, problems=[Problem(rule, FILE_START, message)])


def _line_span(text: str, line: int) -> Span:
    """A template error's place: from the first `{{` or `{%` of its (0-based) line to the line's end."""
    lines = split_lines(text)
    content = lines[line] if 0 <= line < len(lines) else ""
    tags = [found for found in (content.find("{{"), content.find("{%")) if found >= 0]
    start = min(tags) if tags else len(content) - len(content.lstrip())
    return Span(line, start, line, max(len(content.rstrip()), start))


def _is_cli_template(text: str, display: str) -> bool:
    """The peak CLI renders every file it reads; SDK bodies are never rendered."""
    if display.endswith(TEMPLATE_SUFFIX):
        return True
    if not _has_tags(text):
        return False
    return _is_cli_file_text(text)


def _may_be_cli_template(text: str) -> bool:
    return _has_tags(text) and bool(_ANY_BODY_KEY.search(text))


def _has_tags(text: str) -> bool:
    """Whether the text holds a Jinja tag's start (`_JINJA_MARKER`). Looking for `{` alone first:
    one `memchr`, where `"{{" in text` costs ~8 us on a 5 kB text (CPython's search for short
    needles) and the pattern ~2.5 us."""
    return "{" in text and _JINJA_MARKER.search(text) is not None


def _is_cli_file_text(text: str) -> bool:
    return bool(_CLI_BODY_LINE.search(text) or _JSON_CLI_BODY.match(text))


def _without_final_line_break(text: str) -> str:
    """The text as the CLI's Jinja renders a file without tags: less one final line break (jinja2's
    `keep_trailing_newline=False`), which a block scalar at the end of the file would keep."""
    for line_break in ("\r\n", "\n", "\r"):
        if text.endswith(line_break):
            return text[: -len(line_break)]
    return text


def _undefined_uses(doc: Document, rendered: str, uses: list):
    """Each use of an undefined variable: where it is in the source, and the node it fell in."""
    if not uses:
        return
    starts = [0] + [match.end() for match in _LINE_BREAK.finditer(rendered)]
    keys_by_line: dict[int, list] = {}
    for path, span in doc.key_spans.items():
        keys_by_line.setdefault(span.line, []).append((span.end_column, path))
    values_by_line: dict[int, list] = {}
    for path, span in doc.spans.items():
        values_by_line.setdefault(span.line, []).append((span, path))
    source_lines = doc.source_lines
    for name, offset in uses:
        line = bisect.bisect_right(starts, offset) - 1
        column = offset - starts[line]
        span = doc.to_source(Span(line, column, line, column))
        yield UndefinedUse(name, _name_in(span, name, source_lines), _path_at(line, column, keys_by_line,
                                                                               values_by_line))


def _path_at(line: int, column: int, keys_by_line: dict, values_by_line: dict) -> tuple | None:
    """The path of the node a rendered position falls in: the value of the last key before it on
    its line, or else the deepest node that starts on the line and contains it."""
    keys = [(end, path) for end, path in keys_by_line.get(line, ()) if end <= column]
    if keys:
        return max(keys, key=lambda item: (item[0], len(item[1])))[1]
    containing = [path for span, path in values_by_line.get(line, ())
                  if (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)]
    return max(containing, key=len) if containing else None


def _name_in(span: Span, name: str, source_lines: list[str]) -> Span:
    """Narrow a `{{ ... }}` span to the variable's name inside it."""
    if span.line < len(source_lines) and span.line == span.end_line:
        found = source_lines[span.line].find(name, span.column, max(span.end_column, span.column + len(name)))
        if found >= 0:
            return Span(span.line, found, span.line, found + len(name))
    return span


def _undefined_problem(doc: Document, name: str, source_line: int, use) -> Problem:
    if use is not None:
        span, path = use.span, use.path or ()
    else:
        lines = doc.source_lines
        column = max(lines[source_line].find(name), 0) if 0 <= source_line < len(lines) else 0
        span = Span(source_line, column, source_line, column + len(name))
        path = ()
    if "payload" in path:
        return Problem("BL008", span, (
            f"template variable '{name}' is undefined, so the peak CLI sends an empty string in its place; "
            f"this `{{{{{name}}}}}` is a placeholder for the platform, so wrap the payload in "
            "{% raw %}…{% endraw %} to send it as written"))
    return Problem("BL008", span, (
        f"template variable '{name}' is undefined, so the peak CLI renders it as an empty string "
        f"(and drops a key left empty); pass it with -p {name}=VALUE or --params-file, "
        f"or give it a default: {{{{ {name} | default(...) }}}}"))


def _drop_nulls(doc: Document, node: dict, path: tuple, from_undefined: set) -> None:
    """The peak CLI removes null-valued keys from nested mappings (not inside lists) before sending.
    A key left null by an undefined template variable is BL008's finding, not a second one."""
    if None in node.values():  # most mappings hold none: one pass in C
        for key in [key for key, value in node.items() if value is None]:
            del node[key]
            if path + (key,) not in from_undefined:
                doc.problems.append(Problem("BL010", doc.to_source(doc.key_spans.get(path + (key,), FILE_START)),
                                            f"'{key}' is null, so the peak CLI drops the key before sending; "
                                            "give it a value or remove the line"))
    for key, value in node.items():
        if isinstance(value, dict):
            _drop_nulls(doc, value, path + (key,), from_undefined)
