"""The peak CLI is the oracle: blocklint reads every file exactly as the CLI does.

For each document, peak-sdk's own functions read it as `peak blocks specs create` does:
`peak.template.load_template` (Jinja, `yaml.safe_load`, `remove_none_values`), then the body as
`requests` sends it, `json.dumps(..., allow_nan=False)`. blocklint loads the same file, and:

- where the CLI fails (loading or sending), blocklint reports an error;
- where the CLI reads the file, blocklint does not call it unreadable (no loading error);
- and the values blocklint lints are the values the CLI sends (compared as the JSON sent; the
  `x-blocklint` key, which blocklint takes out and the CLI drops, aside).

Documents: the bundled examples, the hostile generator of tests/test_hostile.py (tags, anchors,
merge keys, odd scalars, controls, Jinja) with what YAML 1.1 reads its own way added (directives,
document markers, tagged merge keys, timestamps, keys that are not strings), the mutated documents of tests/test_fuzz.py
written as YAML or JSON, and JSON variants the CLI reads but strict JSON refuses (trailing commas,
`//` comments, single quotes, bare words, duplicate keys, tabs).

Jinja: a file without `{{`, `{%` or `{#` renders to itself, so `load_template` runs as it is. A
hostile template is never rendered with the CLI's unsandboxed environment: it is rendered with the
CLI's settings (its include loader, confined to the working directory, its indentation extension,
no autoescape, jinja2's default `Undefined`, an empty `os_env` as blocklint's default) inside
blocklint's bounded sandbox. A template the sandbox refuses (a limit, an attribute of Python's
internals, an include outside the directory, `lipsum`) has no CLI reading to compare with: it is
counted as refused by design and must be a BL007 for blocklint.

`BLOCKLINT_FUZZ_EXAMPLES` sets the size (default 100: 800 hostile documents, 500 mutated ones and
500 JSON variants; CI's 200 make 3,600). Under `CI=true` the runs are derandomized.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path

import jinja2
import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from peak.helpers import remove_none_values
from peak.template import _CustomJinjaLoader, _IncludeWithIndentation, load_template

import test_fuzz
import test_hostile
from blocklint.load.sandbox import BoundedSandbox
from blocklint.plan import Overrides, build_plan
from blocklint.runner import Target, check_document, load_target

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(path.relative_to(ROOT) for path in (ROOT / "examples").rglob("*")
                  if path.name.endswith((".yaml", ".yml", ".json", ".j2")))
SIZE = int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100"))
# No shrinking: the failing document is in the assertion's message, and shrinking a slow
# differential test takes minutes.
ORACLE = settings(deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.function_scoped_fixture])
# What blocklint says when it cannot give the file's values: the CLI reads none of these files.
UNREADABLE = {"BL001", "BL002", "BL003", "BL005", "BL007", "BL009", "BL012"}
JINJA_MARKERS = ("{{", "{%", "{#")


class SandboxRefused(Exception):
    """blocklint's sandbox will not render this template (by design): no CLI reading to compare."""


class _ConfinedCliLoader(_CustomJinjaLoader):
    """The CLI's own include loader, refusing files outside the working directory."""

    def get_source(self, environment, template_path):
        for directory in self.search_path:
            candidate = (Path(directory) / template_path.strip()).resolve()
            if candidate.is_file() and not candidate.is_relative_to(Path.cwd().resolve()):
                raise SandboxRefused(f"include outside the working directory: {candidate}")
        return super().get_source(environment, template_path)


class _RefusingSandbox(BoundedSandbox):
    """jinja2's sandbox renders an unsafe attribute as an empty Undefined; the CLI (no sandbox) reads
    the attribute itself, so there is no CLI reading to compare with."""

    def unsafe_undefined(self, obj, attribute):
        raise SandboxRefused(f"access to attribute {attribute!r} of {type(obj).__name__!r} is unsafe")


def _render_as_the_cli_in_a_sandbox(path: Path) -> str:
    environment = _RefusingSandbox(loader=_ConfinedCliLoader(), autoescape=False, extensions=[_IncludeWithIndentation])
    try:
        return environment.get_template(str(path)).render({}, os_env={})
    except jinja2.sandbox.SecurityError as error:  # blocklint's limits subclass it
        raise SandboxRefused(str(error)) from error
    except jinja2.UndefinedError as error:
        if "lipsum" in str(error):  # blocklint's sandbox has no `lipsum`; the CLI's has
            raise SandboxRefused(str(error)) from error
        raise


def cli_reading(path: Path):
    """(True, what the CLI sends) or (False, why the CLI fails); SandboxRefused when unknown."""
    try:
        text = path.read_text(encoding="utf-8")  # as jinja2's loader reads it (a BOM stays)
        if any(marker in text for marker in JINJA_MARKERS):
            data = remove_none_values(yaml.safe_load(_render_as_the_cli_in_a_sandbox(path)))
        else:
            data = load_template(path, {})  # peak-sdk's own function: rendering plain text runs nothing
        data.items()  # the CLI's remove_unknown_args takes the top level's items: a non-mapping fails
        return True, json.loads(json.dumps(data, allow_nan=False))
    except SandboxRefused:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the CLI raises, the command fails with it
        return False, f"{type(error).__name__}: {error}"[:300]


def judge(path: Path) -> str:
    """Read `path` both ways and assert they agree; the verdict, for the counts. blocklint's side
    is `blocklint check PATH`: the file named, loaded and checked by the run's own plan."""
    text = path.read_bytes().decode("utf-8", "replace")
    doc = load_target(Target(str(path), explicit=True), _load_settings())
    # A file with tags that blocklint takes for a bare SDK body (no `body:` line) is not rendered:
    # the CLI is never given such a file, unless its rendering holds a `body` after all.
    bare = any(marker in text for marker in JINJA_MARKERS) and not doc.rendered and \
        not any(problem.rule == "BL007" for problem in doc.problems)
    if doc.other is not None:
        return "the file of another peak command"
    try:
        cli_reads, cli_value = cli_reading(path)
    except SandboxRefused as refused:
        if bare:
            return "a template blocklint reads as a bare body (no `body:` line)"
        assert "BL007" in {problem.rule for problem in doc.problems}, (str(refused), doc.problems)
        return "refused by the sandbox"
    if bare and not (cli_reads and isinstance(cli_value, dict) and "body" in cli_value):
        return "a template blocklint reads as a bare body (no `body:` line)"
    if not cli_reads:
        findings = check_document(doc, _plan()).findings
        assert any(finding.severity == "error" for finding in findings), (
            f"the peak CLI fails ({cli_value}) and blocklint reports no error:\n{_shown(path)}")
        return "the CLI fails"
    unreadable = [problem for problem in doc.problems if problem.rule in UNREADABLE]
    assert doc.data is not None and not unreadable, (
        f"the peak CLI reads the file and blocklint calls it unreadable: {unreadable}\n{_shown(path)}")
    if not doc.cli:
        return "read, not a CLI file"
    if isinstance(cli_value, dict):
        cli_value.pop("x-blocklint", None)
    assert json.loads(json.dumps(doc.data)) == cli_value, f"values differ:\n{_shown(path)}"
    return "read, values equal"


@functools.cache
def _plan():
    """`check`'s plan without a configuration, with no registry and no project to follow."""
    return build_plan(Overrides(isolated=True, registry=False, follow_references=False))


def _load_settings():
    """The plan's load settings, includes read from the working directory, as the CLI reads them."""
    settings = copy.copy(_plan().load)
    settings.include_root = os.getcwd()
    return settings


def _shown(path: Path) -> str:
    return path.read_bytes()[:3000].decode("utf-8", "replace")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working directory where the examples' relative paths resolve, as the CLI runs from it."""
    directory = tmp_path_factory.mktemp("oracle")
    (directory / "examples").symlink_to(ROOT / "examples")
    previous = os.getcwd()
    os.chdir(directory)
    yield directory
    os.chdir(previous)


def _write(workdir: Path, name: str, text: str) -> Path:
    path = workdir / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_bundled_examples_are_read_as_the_cli_reads_them(monkeypatch, example):
    monkeypatch.chdir(ROOT)
    verdict = judge(example)
    # A fragment (a list of watchers, included by a template) is never given to the CLI on its own.
    assert verdict in ("read, values equal", "read, not a CLI file") or \
        (verdict == "the CLI fails" and example.parts[1] == "fragments"), verdict


# The readings the peak CLI and blocklint once disagreed on: each judged as the generators' are.
KNOWN = {
    "a date the request cannot carry": ("body: {metadata: {name: a, summary: 2024-01-01}}\n", "spec.yaml", "the CLI fails"),
    "bytes": ("body:\n  metadata:\n    name: !!binary aGVsbG8=\n", "spec.yaml", "the CLI fails"),
    "a sequence tag on a scalar": ("body:\n  metadata:\n    name: !!seq a\n", "spec.yaml", "the CLI fails"),
    "a timestamp PyYAML cannot build": ("body:\n  metadata:\n    name: 2024-13-45\n", "spec.yaml", "the CLI fails"),
    "1.0e+400, an infinity": ('{"body": {"parameters": {"n": 1.0e+400}}}', "spec.json", "the CLI fails"),
    "1e400, a string to YAML 1.1": ('{"body": {"parameters": {"n": 1e400}}}', "spec.json", "read, values equal"),
    "a list at the top": ('- {"body": {"metadata": {"name": "a"}}}\n', "spec.json", "the CLI fails"),
    "a tagged merge key": ("base: &b {name: a}\nbody:\n  metadata:\n    !!merge <<: *b\n", "spec.yaml",
                           "read, values equal"),
    "an unknown directive": ("%FOO bar\n---\nbody:\n  metadata:\n    name: a\n", "spec.yaml", "read, values equal"),
    "a malformed x-blocklint": ('{"x-blocklint": 3, "body": {"metadata": {"name": "a"}}}', "spec.json",
                                "read, values equal"),
    "a trailing comma": ('{"body": {"metadata": {"name": "a",}}}', "spec.json", "read, values equal"),
    "a block scalar at the end": ("body:\n  metadata:\n    name: a\n    description: |\n      text\n",
                                  "spec.yaml", "read, values equal"),
    "a surrogate pair in a plain scalar": ('{"body": {"metadata": {"name": a \\ud83d\\ude80}}}', "spec.json",
                                           "read, values equal"),
    "a tag before a JSON body": ('{ {# note #} "body": {"metadata": {"name": "a"}}}', "spec.json", "read, values equal"),
    "a tag in flow-style YAML": ("{body: {metadata: {name: '{{ \"a\" ~ \"b\" }}'}}}\n", "spec.yaml",
                                 "read, values equal"),
    "an unsafe attribute": ("body:\n  metadata:\n    name: a{{ self.__dict__ }}\n", "spec.yaml",
                            "refused by the sandbox"),
}


def test_a_bare_sdk_body_naming_body_in_a_value_is_not_rendered():
    from blocklint.load import load_text

    text = '{"steps": {"s": {"type": "http", "payload": "{\\"body\\": \\"{{data}}\\"}"}}}'
    doc = load_text(text, "workflow.json")
    assert not doc.rendered and not doc.undefined
    assert doc.data["steps"]["s"]["payload"] == '{"body": "{{data}}"}'


@pytest.mark.parametrize("name", KNOWN)
def test_known_differences_are_read_as_the_cli_reads_them(workdir, name):
    text, file_name, verdict = KNOWN[name]
    assert judge(_write(workdir, file_name, text)) == verdict


# Beside the hostile generator's features: what YAML 1.1 and PyYAML read in their own way
# (directives, document markers, tagged merge keys, timestamps, keys that are not strings).
READING_FEATURES = ["%YAML 1.1\n---", "%YAML 1.2\n---", "%TAG !e! tag:example.com,2000:\n---", "%FOO bar\n---",
                    "---", "...", "--- |\n  text", "!!merge <<: *anchor", "!!merge <<: {a: 1}", "<<: &anchor {a: 1}",
                    "2024-01-01 10:00:00", "2024-1-1", "2001-12-14t21:59:43.10-05:00", "2024-02-30", "1.0e+400",
                    "-.INF", "1: a", "true: x", "null: x", "~: x", "2024-01-01: x", "1.5: x", "!!str 1: x",
                    "0.1.2", "1__0", "0b", "0x", "+.5", "._", "190:20:30", "1_2:3", "!!float 1", "!!int '7'",
                    "!!bool yes", "'it''s'", '"\\ud83d\\ude80"', "a\u2028b", "{a: 1, a: 2}", "[a, b, ]"]


def _with_reading_features(data, text: str) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(0, 2))):
        feature = data.draw(st.sampled_from(READING_FEATURES))
        index = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[index]
        indent = line[: len(line) - len(line.lstrip())]
        how = data.draw(st.sampled_from(["value", "line", "key", "start"]))
        if how == "value" and ":" in line:
            lines[index] = line[: line.index(":") + 1] + " " + feature
        elif how == "line":
            lines.insert(index + 1, indent + feature)
        elif how == "key":
            lines.insert(index + 1, f"{indent}hostile: {feature}")
        else:
            lines.insert(0, feature)
    return "\n".join(lines)


@pytest.mark.slow
@settings(ORACLE, max_examples=8 * SIZE)
@given(data=st.data())
def test_hostile_documents_are_read_as_the_cli_reads_them(workdir, data):
    text, name = test_hostile.spliced_document(data)
    event(judge(_write(workdir, name, _with_reading_features(data, text))))


@pytest.mark.slow
@settings(ORACLE, max_examples=5 * SIZE)
@given(data=st.data())
def test_mutated_documents_are_read_as_the_cli_reads_them(workdir, data):
    doc = copy.deepcopy(data.draw(st.sampled_from(test_fuzz.SEEDS)))
    for _ in range(data.draw(st.integers(1, 4))):
        doc = test_fuzz.mutate(data, doc)
    name, text = test_fuzz.serialise(data, doc)
    event(judge(_write(workdir, name, text)))


# Strict JSON refuses these, and YAML (so the CLI) may read them: each is put at a line's end,
# as a line of its own, or in place of a line's first space.
JSON_VARIANTS = [",", ", ", "// a comment", "/* a comment */", "'single'", "True", "None", "NaN", "Infinity",
                 "1e5", "1.5E+3", "-0", "0x1F", "\t", "\ufeff", '"dup": 1,', '"dup": 2', "#", "'", "{", "}", "]"]


@pytest.mark.slow
@settings(ORACLE, max_examples=5 * SIZE)
@given(data=st.data())
def test_json_variants_are_read_as_the_cli_reads_them(workdir, data):
    lines = data.draw(st.sampled_from(test_hostile.JSON_SOURCES)).split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        variant = data.draw(st.sampled_from(JSON_VARIANTS))
        index = data.draw(st.integers(0, len(lines) - 1))
        how = data.draw(st.sampled_from(["end", "line", "first space"]))
        if how == "end":
            lines[index] += variant
        elif how == "line":
            lines.insert(index + 1, "    " + variant)
        else:
            lines[index] = lines[index].replace(" ", variant, 1)
    event(judge(_write(workdir, "spec.json", "\n".join(lines))))
