"""Hostile input: features an attacker (or an unlucky typo) splices into a real spec never crash
the run, never leak out of the file, never turn into a usage error.

Hypothesis takes a bundled example (as YAML, as a `peak` CLI template, or as JSON) and splices
into its text, at random places, the constructs that broke 0.1.0: complex keys, tags PyYAML's
`safe_load` refuses, anchors and aliases, merge keys used well and badly, odd scalars, control
and bidi characters, Jinja expressions that raise or try to escape the sandbox. Each file is
checked in-process through the CLI (`check --format json`), and the run must exit 0 or 1, report
no BL000 (a crash), print no traceback, and place every finding inside the file.

Shapes of a size drawn too (`SHAPES`): lines and names tens of kilobytes long (the output
masker and the template size check were quadratic in them), templates Jinja folds at compile
time (a limit that fired there was switched off), and floods of findings (200,000 unknown keys
cost 18 s and 595 MB before findings were capped); `test_each_hostile_shape_at_its_largest`
runs each at its largest, cheaply, in every run.

Examples: 8 x `BLOCKLINT_FUZZ_EXAMPLES` (default 100, so 800; CI's 200 make 1,600: a few minutes of
CPU, since every file is offered to the native tree builder and most are declined back to Python).
Under `CI=true` the runs are derandomized.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocklint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".yaml", ".yml"))
HOSTILE_EXAMPLES = 8 * int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "100"))
HOSTILE = settings(max_examples=HOSTILE_EXAMPLES, deadline=None, database=None,
                   derandomize=bool(os.environ.get("CI")),
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture])

COMPLEX_KEYS = ["? [a]\n: 1", "[a, b]: x", "git_token: { { git_token } }", "{a: 1}: b", "? {a: 1}", "[[]]: 1",
                "k: {? [x] : 1}", "*anchor : 1"]
TAGS = ["!!python/object/apply:os.system [id]", "!foo 1", "!!binary aGk=", "!!timestamp 2001-01-01", "!!set {a}",
        "!!omap [{a: 1}]", "!<tag:example.com,2000:x> 1", "!!int abc", "!!float x", "!!bool maybe", "!!null x",
        "!!str", "!!map [1]", "!!seq {a: 1}", "!!python/name:os.system", "! 1", "!!str &anchor 1", "!e!x 1"]
ANCHORS = ["&anchor x", "*anchor", "*missing", "&anchor {x: 1}", "&anchor [1, 2]", "[*anchor, *anchor]",
           "&anchor ~", "{<<: *anchor}", "&a &b x"]
MERGES = ["<<: 1", "<<: [1]", "<<: *anchor", "[<<]", "<<", "<<: {a: 1}", "{<<: [{a: 1}, 2]}", "<<: ~",
          "<<: [*anchor, *anchor]", "<<: !!str x"]
ODD_SCALARS = ["~", ".nan", ".NaN", ".inf", "-.inf", "0x1F", "0o17", "017", "1:30", "1_000", "9" * 5000, "yes",
               "2001-12-14", '"\\ud83d\\ude80"', '"\\ud83d"', "'\\U0001F680'", '"\\x00"', '"\\uFFFE"', "1e400",
               "-0", "+12", "0b101", "=", "'", '"', "|", ">", "%", "@", "`", "- ", "? ", ": ", "#"]
CONTROLS = ["\x01", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\r", "\t", "\x1b[31m", "\ufeff", "\x0b",
            "\ufffe", "\x00", "\u200b", "\x1b]8;;x\x07"]
JINJA = ["{{ 1/0 }}", "{{ 1.5 ** 10000 }}", "{{ 'abc'|truncate(-5) }}", "{{ '{0}{1}'.format(1) }}",
         "{% include '/proc/self/mem' %}", "{% include '" + "x" * 5000 + "' %}", '{{ "x" * 2000000000 }}',
         "{{ cycler.__init__.__globals__.os.popen('id').read() }}", "{{ undefined_name }}", "{% if %}",
         "{{ os_env.HOME }}", "{% include '/etc/passwd' %}", "{{ x.y.z }}", "{{ [].pop() }}", "{{ range(10**9) }}",
         "{% for i in range(3) %}{{ i }}{% endfor %}", "{# note #}", "{% raw %}{{x}}{% endraw %}", "{{",
         "{% include 'spec.yaml' %}", "{{ 2 ** 10 ** 10 }}", "{{ '%999999999d' % 1 }}", "{{ lipsum(10**7) }}",
         "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{{ ''.__class__.__mro__ }}", "{{ os_env | string }}",
         "{{ 'x' | indent(10**9) }}", "{% set a = 'x' * 10**6 %}{{ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a }}",
         "{% extends '/etc/hosts' %}", "{% import 'nope' as n %}", "{{ self.__dict__ }}", "{{ {}.items() }}"]
FEATURES = COMPLEX_KEYS + TAGS + ANCHORS + MERGES + ODD_SCALARS + CONTROLS + JINJA

# Shapes, each made to a size in characters (at most MAX_SHAPE): what a second attack used.
MAX_SHAPE = 60_000
SHAPES = {
    "long quoted line": lambda n: '"' + "x" * n + '"',
    "long name-like line": lambda n: "'" + "a_" * (n // 2) + "'",
    "long key": lambda n: "k" * n + ": 1",
    "long step name and reference": lambda n: f"{'s' * (n // 2)}: {{command: x, parents: [{'s' * (n // 2)}]}}",
    "long format width": lambda n: "'{{ \"%" + "9" * min(n, 20_000) + "d\" % 1 }}'",
    "folded concatenation": lambda n: "'{{ " + " ~ ".join(["\"ab\""] * (n // 7)) + " }}'",
    "folded sum": lambda n: "'{{ " + "1 + " * (n // 4) + "1 }}'",
    "folded repetition": lambda n: "'{{ " + "(\"x\" * 1000) ~ " * (n // 18) + "\"x\" }}'",
    "flood of unknown keys": lambda n: "\n".join(f"unknown{i}: {i}" for i in range(n // 12)),
    "flood of wrong items": lambda n: "[" + ", ".join(str(i) for i in range(n // 6)) + "]",
    "flood of steps": lambda n: "\n".join(f"f{i}: {{command: x, parents: [nowhere{i}]}}" for i in range(n // 40)),
}
SHAPE = st.builds(lambda name, size: SHAPES[name](size), st.sampled_from(sorted(SHAPES)),
                  st.integers(1_000, MAX_SHAPE))

SOURCES = [path.read_text() for path in EXAMPLES]


def _as_json(text: str) -> str | None:
    data = yaml.safe_load(text)
    return json.dumps(data, indent=2) if isinstance(data, dict) else None


JSON_SOURCES = [text for text in map(_as_json, SOURCES) if text]


def splice(data, text: str) -> str:
    """Put a few hostile features into `text`: as a value, as a new line, or anywhere in a line."""
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        feature = data.draw(st.one_of(st.sampled_from(FEATURES), SHAPE))
        index = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[index]
        indent = line[: len(line) - len(line.lstrip())]
        how = data.draw(st.sampled_from(["value", "line", "key", "anywhere"]))
        if how == "value" and ":" in line:
            lines[index] = line[: line.index(":") + 1] + " " + feature
        elif how == "line":
            lines.insert(index + 1, indent + feature.replace("\n", "\n" + indent))
        elif how == "key":
            lines.insert(index + 1, f"{indent}hostile: {feature}".replace("\n", "\n" + indent))
        else:
            at = data.draw(st.integers(0, len(line)))
            lines[index] = line[:at] + feature + line[at:]
    return "\n".join(lines)


def spliced_document(data) -> tuple[str, str]:
    """(text, file name): a spliced example, a quarter of the time as JSON (`.json`, `.json.j2`),
    else as YAML (`.yaml`, `.yaml.j2`); the documents the property tests that read files draw."""
    if data.draw(st.integers(0, 3)) == 0:
        text = splice(data, data.draw(st.sampled_from(JSON_SOURCES)))
        return text, data.draw(st.sampled_from(["spec.json", "spec.json.j2"]))
    text = splice(data, data.draw(st.sampled_from(SOURCES)))
    return text, data.draw(st.sampled_from(["spec.yaml", "spec.yaml.j2"]))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A working directory where the examples' relative `artifact.path` resolves."""
    directory = tmp_path_factory.mktemp("hostile")
    (directory / "examples").symlink_to(ROOT / "examples")
    previous = os.getcwd()
    os.chdir(directory)
    yield directory
    os.chdir(previous)


def check_hostile_file(path: Path, raw: bytes) -> dict:
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    report = json.loads(result.output)
    lines = re.split(r"\r\n|\r|\n", raw.decode("utf-8", "replace").removeprefix("\ufeff"))
    for finding in report["findings"]:
        assert finding["rule"] != "BL000", finding
        assert "bug in blocklint" not in finding["message"], finding
        assert 1 <= finding["line"] <= len(lines), (finding, len(lines))
        assert 1 <= finding["column"] <= len(lines[finding["line"] - 1]) + 1, (finding, lines[finding["line"] - 1])
        assert (finding["line"], finding["column"]) <= (finding["end_line"], finding["end_column"]), finding
        assert finding["end_line"] <= len(lines) + 1, finding
    return report


@pytest.mark.slow
@HOSTILE
@given(data=st.data())
def test_hostile_features_spliced_into_specs_are_findings_inside_the_file(workdir, data):
    if data.draw(st.integers(0, 3)) == 0:
        text = splice(data, data.draw(st.sampled_from(JSON_SOURCES)))
        name = data.draw(st.sampled_from(["spec.json", "spec.json.j2"]))
    else:
        text = splice(data, data.draw(st.sampled_from(SOURCES)))
        name = data.draw(st.sampled_from(["spec.yaml", "spec.yaml", "spec.yaml.j2"]))
    raw = text.encode("utf-8", "surrogatepass")
    path = workdir / name
    path.write_bytes(raw)
    check_hostile_file(path, raw)


@pytest.mark.parametrize("feature", FEATURES, ids=lambda feature: repr(feature[:40]))
def test_each_hostile_feature_as_a_value_in_a_template_spec(workdir, feature):
    text = (ROOT / "examples/workflow/workflow-private.yaml").read_text()
    text = text.replace("  metadata:\n", "  metadata:\n    hostile: " + feature.replace("\n", "\n    ") + "\n", 1)
    path = workdir / "spec.yaml.j2"
    raw = text.encode("utf-8", "surrogatepass")
    path.write_bytes(raw)
    check_hostile_file(path, raw)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_hostile_shape_at_its_largest(workdir, shape):
    """Each shape at its largest as a step, as a metadata value and as template text: findings
    inside the file, and a flood summed up by one BL005 rather than listed."""
    text = (ROOT / "examples/workflow/workflow-private.yaml").read_text()
    made = SHAPES[shape](MAX_SHAPE)
    if re.match(r"[\w-]+: ", made):  # keys: as steps, and as a mapping in metadata
        step, meta = made, "hostile:\n  " + made.replace("\n", "\n  ")
    else:  # a value: a step's parents, and a metadata value
        step, meta = "hostile-step: {command: x, parents: " + made + "}", "hostile: " + made
    text = text.replace("    steps:\n", "    steps:\n      " + step.replace("\n", "\n      ") + "\n", 1)
    text = text.replace("  metadata:\n", "  metadata:\n    " + meta.replace("\n", "\n    ") + "\n", 1)
    path = workdir / "spec.yaml.j2"
    raw = text.encode("utf-8")
    path.write_bytes(raw)
    report = check_hostile_file(path, raw)
    if shape.startswith("flood"):
        assert any(f["rule"] == "BL005" and "more than" in f["message"] for f in report["findings"]), shape
