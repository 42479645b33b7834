"""Render `peak` CLI files as the peak CLI does (peak/template.py), in a sandbox, noting undefined names.

As the CLI: no autoescape, `{% include %}` resolved against `.` and the directory of every file
loaded so far, included text indented to the column of its tag, `os_env` in the context, and
`context:` paths in included files rewritten relative to the root file.

Unlike the CLI, on purpose (a spec file is untrusted input):
- templates run in a bounded sandbox (`sandbox.py`): no Python internals, no huge values, a
  bound on the work done (steps counted, never the clock), and the rendered text is capped at
  `MAX_VALUE_CHARS`;
- `os_env` holds only the variables the user allowed (`LoadSettings.env`), not the environment;
- includes must resolve (symlinks followed) to regular files under the include root, and are
  read with the same size limit as spec files;
- an undefined variable still renders as an empty string (so the result is what the CLI would
  send) but each use is recorded, with its place in the rendered text, so that it can be reported;
- every error, whatever raised it, comes back as a message and the template line it happened on.

As the CLI, the rendered text has no final line break (jinja2's `keep_trailing_newline=False`):
a block scalar at the end of the file ends without one.
"""

from __future__ import annotations

import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.ext import Extension

from blocklint.load import sandbox, taint
from blocklint.load.read import MAX_FILE_BYTES, UnreadableFile, read_bounded
from blocklint.project_root import project_root
from blocklint.words import split_lines

MAX_INCLUDE_NAME = 1024
MAX_INCLUDES = 100
_ROOT = "<root>"
_ROOT_FILENAME = "<the rendered file>"
_CONTEXT_LINE = re.compile(r"^(\s*context\s*:\s+)(.+)$", flags=re.MULTILINE)
# Undefined variables render as one private-use character each (one per name) so their places
# can be found in the output, then removed. Not used when the source holds such characters.
_MARKERS = range(0xE000, 0xF900)
_MARKER_CHARACTERS = re.compile("[\ue000-\uf8ff]")
_MESSAGE_CHARS = 300


@dataclass
class Rendered:
    text: str = ""
    undefined: list = field(default_factory=list)  # (name, 0-based source line), first use of each name
    uses: list = field(default_factory=list)  # (name, offset in `text`), every use that rendered as ""
    error: str | None = None
    error_line: int = 0


class IncludeRefused(jinja2.TemplateError):
    """An `{% include %}` blocklint will not read (outside the root, not a regular file, too large, ...)."""


def render(source: str, file_path: Path | None, params: dict, *, env: dict | None = None,
           include_root: str | None = None, max_bytes: int = MAX_FILE_BYTES, reads: list | None = None) -> Rendered:
    """`source` rendered as the peak CLI renders it. `reads`, if given, receives every path the
    include search looked at, found or not, in order (what a result cache must watch)."""
    env = taint.tainted_env(env)  # printed whole or refused: a transformed secret could not be masked
    seen: list[str] = []
    use_markers = not _MARKER_CHARACTERS.search(source)
    marker_of: dict[str, str] = {}

    class RecordingUndefined(jinja2.Undefined):
        def _record(self):
            if self._undefined_exception is not jinja2.UndefinedError:
                self._fail_with_undefined_error()  # the sandbox refused an attribute: say so
            name = self._undefined_name
            if name and name not in seen:
                seen.append(name)
            return name

        def __str__(self):
            name = self._record()
            if not (use_markers and name):
                return ""
            if name not in marker_of and len(marker_of) < len(_MARKERS):
                marker_of[name] = chr(_MARKERS[len(marker_of)])
            return marker_of.get(name, "")

        def __iter__(self):
            self._record()
            return iter(())

        def __bool__(self):
            self._record()
            return False

    root_dir = str(file_path.parent) if file_path else "."
    root = Path(include_root) if include_root is not None else project_root(file_path)
    loader = _PeakLoader(root_dir, root, source, file_path, max_bytes, reads)
    environment = taint.TaintedSandbox(loader=loader, autoescape=False, undefined=RecordingUndefined,
                                       extensions=[_IncludeWithIndentation], cache_size=0)
    try:
        template = environment.get_template(_ROOT)
        text = "".join(_bounded_chunks(template.generate(params, os_env=dict(env or {}))))
    except jinja2.TemplateSyntaxError as error:
        in_root = error.name in (None, _ROOT)
        where = "" if in_root else f" in {error.filename or error.name}"
        line = (error.lineno or 1) - 1 if in_root else _root_line(error, source)
        return Rendered(error=_short(f"template syntax error{where}: {error.message}"), error_line=line)
    except jinja2.TemplateNotFound as error:
        return Rendered(error=_short(f"included file not found: {error.message or error.name} (include paths "
                                     f"are relative to the working directory or to "
                                     f"{'the file' + chr(39) + 's own directory' if root_dir == '.' else root_dir})"),
                        error_line=_root_line(error, source, str(error.name)))
    except IncludeRefused as error:
        return Rendered(error=_short(str(error)), error_line=_root_line(error, source))
    except sandbox.RenderLimit as error:
        return Rendered(error=_short(f"template refused: {error}"), error_line=_root_line(error, source))
    except (Exception, RecursionError, MemoryError) as error:  # noqa: BLE001 - any error is the file's finding
        return Rendered(error=_short(f"template error: {type(error).__name__}: {error}"),
                        error_line=_root_line(error, source))
    uses: list = []
    if marker_of:
        name_of = {marker: name for name, marker in marker_of.items()}
        pieces, position, offset = [], 0, 0
        for match in _MARKER_CHARACTERS.finditer(text):
            pieces.append(text[position:match.start()])
            offset += match.start() - position
            if match.group() in name_of:
                uses.append((name_of[match.group()], offset))
            position = match.end()
        pieces.append(text[position:])
        text = "".join(pieces)
    lines = _name_lines(source) if seen else {}
    return Rendered(text=text, undefined=[(name, lines.get(name, 0)) for name in seen], uses=uses)


def _bounded_chunks(chunks):
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > sandbox.MAX_VALUE_CHARS:
            raise sandbox.RenderLimit(f"the rendered text passes {sandbox.MAX_VALUE_CHARS:,} characters")
        yield chunk


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MESSAGE_CHARS else message[:_MESSAGE_CHARS] + "…"


def _root_line(error: BaseException, source: str, name: str = "") -> int:
    """The 0-based line of the rendered file where the error happened: jinja2 rewrites tracebacks
    to template lines; for an error inside an include, that is the include's line."""
    try:
        frames = traceback.extract_tb(error.__traceback__)
    except Exception:  # noqa: BLE001 - a position is a nicety
        frames = []
    lines = [frame.lineno for frame in frames if frame.filename == _ROOT_FILENAME and frame.lineno]
    if lines:
        return max(lines[-1] - 1, 0)
    return _include_line(source, name)


class _PeakLoader(jinja2.BaseLoader):
    """peak-sdk's _CustomJinjaLoader, with the root template given as text, confined to a root."""

    def __init__(self, root_dir: str, include_root: Path | None, source: str, file_path: Path | None,
                 max_bytes: int, reads: list | None = None):
        self.reads = reads if reads is not None else []
        self.search_path = [".", root_dir]
        self.root_dir = root_dir
        self.include_root = include_root.resolve() if include_root is not None else None
        self.source = source
        self.max_bytes = max_bytes
        self.seen = {file_path.resolve()} if file_path else set()

    def load(self, environment, name, globals=None):
        if name == _ROOT:
            code = environment.compile(self.source, _ROOT, _ROOT_FILENAME)
            return environment.template_class.from_code(environment, code, globals or {}, None)
        candidate = self._find(str(name).strip())
        if candidate in self.seen:
            raise IncludeRefused(f"circular include of {name!r}")
        if len(self.seen) > MAX_INCLUDES:
            raise IncludeRefused(f"more than {MAX_INCLUDES} included files")
        self.seen.add(candidate)
        try:
            raw = read_bounded(candidate, self.max_bytes, what="included file")
        except UnreadableFile as error:
            raise IncludeRefused(f"include of {name!r} refused: {error}") from None
        except OSError as error:
            raise IncludeRefused(f"include of {name!r}: cannot read it ({error.strerror or error})") from None
        try:
            contents = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IncludeRefused(f"included file {name!r} is not UTF-8 text") from None
        contents = self._rewrite_contexts(contents, str(candidate.parent))
        self.search_path.append(str(candidate.parent))
        code = environment.compile(contents, name, str(candidate))
        return environment.template_class.from_code(environment, code, globals or {}, None)

    def _find(self, name: str) -> Path:
        if len(name) > MAX_INCLUDE_NAME:
            raise IncludeRefused(f"an include name of {len(name):,} characters (at most {MAX_INCLUDE_NAME})")
        if not name or "\x00" in name:
            raise jinja2.TemplateNotFound(name, message=f"{name!r} is not a file name")
        if self.include_root is None:
            raise IncludeRefused(f"include of {name!r} refused: the file is not in a project (its folder is the "
                                 "file system's root or the home directory); put it in a project folder, or give "
                                 "a configuration file")
        outside = None
        for directory in list(self.search_path):
            try:
                resolved = (Path(directory) / name).resolve()
                self.reads.append(str(resolved))
                if not resolved.is_relative_to(self.include_root):
                    if outside is None and os.path.lexists(resolved):
                        outside = resolved
                    continue
                if os.path.lexists(resolved):
                    return resolved
            except (OSError, RuntimeError, ValueError):
                continue
        if outside is not None:
            raise IncludeRefused(f"include of {name!r} refused: it is outside {self.include_root} "
                                 "(includes are confined to the project)")
        raise jinja2.TemplateNotFound(name, message=f"{name!r} does not exist")

    def _rewrite_contexts(self, contents: str, parent_dir: str) -> str:
        def substitute(match):
            context = match.group(2).strip().strip('"').strip("'")
            return f"{match.group(1)}{os.path.relpath(str(Path(parent_dir) / context), self.root_dir)}"

        return _CONTEXT_LINE.sub(substitute, contents)


class _IncludeWithIndentation(Extension):
    """Indent included text to the column of its `{% include %}` tag, as the peak CLI does."""

    def preprocess(self, source, name, filename=None):
        start, end = self.environment.block_start_string, self.environment.block_end_string
        pattern = re.compile(
            rf"(^.*)(?=({re.escape(start)}(?P<open>[+|-]?)(?P<statement>\s*include\s+.*?)"
            rf"(?P<close>[+|-]?){re.escape(end)})).*$",
            flags=re.MULTILINE,
        )

        def wrap(match):
            before = match.group(1)
            statement = match.group("statement").replace("indent content", "")
            return (f"{before}{start}{match.group('open') or ''} filter indent({len(before)}) {end}"
                    f"{start} {statement} {end}{start} endfilter {match.group('close') or ''}{end}")

        return pattern.sub(wrap, source)


_TAG = re.compile(r"\{[{%][^}]*")
_WORD = re.compile(r"\w+")


def _name_lines(source: str) -> dict:
    """The first source line on which each name appears inside a `{{ }}` or `{% %}` tag: one
    pass over the source, whatever the number of names."""
    first: dict[str, int] = {}
    for number, line in enumerate(split_lines(source)):
        for tag in _TAG.findall(line):
            for word in _WORD.findall(tag):
                first.setdefault(word, number)
    return first


def _include_line(source: str, name: str = "") -> int:
    for number, line in enumerate(split_lines(source)):
        if "include" in line and "{%" in line and name.strip("'\" ") in line:
            return number
    return 0
