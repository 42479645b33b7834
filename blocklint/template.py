"""Render `peak` CLI files as the peak CLI does (peak/template.py), noting undefined names.

Same environment: no autoescape, `{% include %}` resolved against `.` and the directory of
every file loaded so far, included text indented to the column of its tag, `os_env` in the
context, and `context:` paths in included files rewritten relative to the root file. One
difference on purpose: an undefined variable still renders as an empty string (so the result
is what the CLI would send) but is recorded, so that blocklint can report it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2.ext import Extension

from blocklint.words import split_lines


@dataclass
class Rendered:
    text: str = ""
    undefined: list = field(default_factory=list)  # (name, 0-based source line)
    error: str | None = None
    error_line: int = 0


def render(source: str, file_path: Path | None, params: dict) -> Rendered:
    seen: list[str] = []

    class RecordingUndefined(jinja2.Undefined):
        def _record(self):
            if self._undefined_name and self._undefined_name not in seen:
                seen.append(self._undefined_name)

        def __str__(self):
            self._record()
            return ""

        def __iter__(self):
            self._record()
            return iter(())

        def __bool__(self):
            self._record()
            return False

    root_dir = str(file_path.parent) if file_path else "."
    loader = _PeakLoader(root_dir, source, file_path)
    env = jinja2.Environment(loader=loader, autoescape=False, undefined=RecordingUndefined,
                             extensions=[_IncludeWithIndentation])
    try:
        template = env.get_template(_ROOT)
        text = template.render(params, os_env=os.environ)
    except jinja2.TemplateSyntaxError as error:
        where = "" if error.name in (None, _ROOT) else f" in {error.filename or error.name}"
        line = (error.lineno or 1) - 1 if error.name in (None, _ROOT) else _include_line(source)
        return Rendered(error=f"template syntax error{where}: {error.message}", error_line=line)
    except jinja2.TemplateNotFound as error:
        here = "the file's own directory" if root_dir == "." else root_dir
        return Rendered(error=f"included file not found: {error.message or error.name} "
                        f"(include paths are relative to the working directory or to {here})",
                        error_line=_include_line(source, str(error.name)))
    except _CircularInclude as error:
        return Rendered(error=str(error), error_line=_include_line(source))
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, RecursionError) as error:
        return Rendered(error=f"template error: {error}", error_line=0)
    if source.endswith("\n") and not text.endswith("\n"):
        text += "\n"
    return Rendered(text=text, undefined=[(name, _name_line(source, name)) for name in seen])


_ROOT = "<root>"
_CONTEXT_LINE = re.compile(r"^(\s*context\s*:\s+)(.+)$", flags=re.MULTILINE)


class _CircularInclude(Exception):
    pass


class _PeakLoader(jinja2.BaseLoader):
    """peak-sdk's _CustomJinjaLoader, with the root template given as text."""

    def __init__(self, root_dir: str, source: str, file_path: Path | None):
        self.search_path = [".", root_dir]
        self.root_dir = root_dir
        self.source = source
        self.seen = {file_path.resolve()} if file_path else set()

    def load(self, environment, name, globals=None):
        if name == _ROOT:
            code = environment.compile(self.source, _ROOT)
            return environment.template_class.from_code(environment, code, globals or {}, None)
        name = name.strip()
        for directory in list(self.search_path):
            candidate = Path(directory) / name
            if candidate.is_file():
                break
        else:
            raise jinja2.TemplateNotFound(name, message=f"{name!r} does not exist")
        resolved = candidate.resolve()
        if resolved in self.seen:
            raise _CircularInclude(f"circular include of {name!r}")
        self.seen.add(resolved)
        contents = candidate.read_text(encoding="utf-8")
        contents = self._rewrite_contexts(contents, str(candidate.parent))
        self.search_path.append(str(candidate.parent))
        code = environment.compile(contents, name, str(candidate))
        return environment.template_class.from_code(environment, code, globals or {}, None)

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



def _name_line(source: str, name: str) -> int:
    pattern = re.compile(r"\{[{%][^}]*?\b" + re.escape(name) + r"\b")
    for number, line in enumerate(split_lines(source)):
        if pattern.search(line):
            return number
    return 0


def _include_line(source: str, name: str = "") -> int:
    for number, line in enumerate(split_lines(source)):
        if "include" in line and "{%" in line and name.strip("'\" ") in line:
            return number
    return 0
