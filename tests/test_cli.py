"""The `blocklint` command: output shapes, exit codes, options."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
GOOD = CASES / "BL101" / "good.yaml"
BAD = CASES / "BL101" / "bad.yaml"


def test_json_output_has_exactly_the_documented_shape(run):
    code, output = run("check", "--format", "json", "--select", "BL101", BAD, GOOD)
    report = json.loads(output)
    assert set(report) == {"findings", "summary"}
    assert report["summary"] == {"files": 2, "errors": 2, "warnings": 1}  # a top-level key: dropped by the CLI
    assert [set(f) for f in report["findings"]] == [{"file", "line", "column", "end_line", "end_column", "rule",
                                                    "name", "severity", "message"}] * 3
    first = report["findings"][0]
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (12, 5, 12, 12)
    assert (first["rule"], first["name"], first["severity"]) == ("BL101", "unknown-key", "error")
    assert code == 1


def test_text_output_is_pytest_like(run):
    code, output = run("check", "--select", "BL101", GOOD, BAD)
    lines = output.splitlines()
    assert lines[0].endswith("good.yaml .") and lines[1].endswith("bad.yaml E")
    assert any(line.endswith("bad.yaml:32:9: BL101 error [*] unknown key 'parent' in config.steps.report; "
                             "did you mean 'parents'?") for line in lines)
    frame = lines.index(next(line for line in lines if line.endswith("did you mean 'parents'?")))
    assert lines[frame + 1] == "   32 |         parent:"
    assert lines[frame + 2] == "      |         ^^^^^^"
    assert lines[-1] == "2 errors, 1 warning in 2 files (2 fixable with --fix)"


def test_exit_codes(run, tmp_path):
    assert run("check", GOOD)[0] == 0
    assert run("check", BAD)[0] == 1
    warning_only = CASES / "BL010" / "bad.yaml"
    code, output = run("check", "--select", "BL010", warning_only)
    assert code == 0 and "0 errors, 2 warnings" in output
    assert run("check", "--strict", "--select", "BL010", warning_only)[0] == 1
    assert run("check", "--format", "xml", GOOD)[0] == 2
    assert run("check", "--select", "BL101", "-k", "and", GOOD)[0] == 2


def test_exitfirst_stops_after_the_first_failing_file(run):
    code, output = run("check", "-x", "--format", "json", BAD, BAD.with_name("bad.yaml"), GOOD)
    assert json.loads(output)["summary"]["files"] == 1 and code == 1


def test_stdin(run):
    code, output = run("check", "--format", "concise", "--select", "BL101", "--stdin-filename", "spec.yaml", "-",
                       input=BAD.read_text())
    assert output.splitlines()[0].startswith("spec.yaml:12:5: BL101") and code == 1


def test_template_params_from_file_and_command_line(run, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(GOOD.read_text().replace("name: nightly-load", "name: {{ name }}")
                    .replace('version: "0.0.1"', 'version: "{{ image_version }}"'))
    params = tmp_path / "params.yaml"
    params.write_text("name: from-file\nimage_version: 0.0.2\n")
    code, output = run("check", "--format", "json", spec)
    assert {f["rule"] for f in json.loads(output)["findings"]} >= {"BL008"}
    code, output = run("check", "--params-file", params, "-p", "name=cli", spec)
    assert code == 0, output
    assert run("check", "-p", "novalue", spec)[0] == 2


def test_kind_can_be_forced(run, tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text("agg_type: MAX\n")
    assert run("check", path)[0] == 1
    assert run("check", "--kind", "fallback-parameters", path)[0] == 0


def test_schema_command_prints_a_usable_schema(run):
    code, output = run("schema", "block-spec")
    schema = json.loads(output)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    import yaml

    assert validator.is_valid(yaml.safe_load(GOOD.read_text()))
    assert not validator.is_valid(yaml.safe_load(BAD.read_text()))
    assert run("schema")[1].split() == [
        "block-spec", "block-spec-release", "spec-metadata", "block-deployment", "block-deployment-revision",
        "deployment-metadata", "parameters-patch", "app-spec", "app-spec-release", "app-deployment",
        "app-deployment-revision", "fallback-parameters"]
    assert run("schema", "nope")[0] == 2


def test_rules_lists_and_explain_documents(run):
    code, output = run("rules")
    assert code == 0 and "BL101  unknown-key" in output
    code, output = run("explain", "BL101")
    assert code == 0 and "## Why is this bad?" in output and "parents" in output
    assert run("explain", "unknown-key")[0] == 0
    by_name, by_code = run("explain", "invalid-cron"), run("explain", "BL201")
    assert by_name == by_code and by_name[1].startswith("BL201 invalid-cron (error)\n")
    assert run("explain", "Invalid-Cron") == by_code and run("explain", "bl201") == by_code
    code, output = run("explain", "BL1O1")
    assert code == 2 and "did you mean" in output


def test_version(run):
    code, output = run("--version")
    assert code == 0 and "blocklint" in output and "(loader: " in output


def test_the_pure_python_loader_is_forced_by_the_environment():
    forced = subprocess.run([sys.executable, "-m", "blocklint", "--version"], capture_output=True, text=True,
                            env={**os.environ, "BLOCKLINT_PURE_PYTHON": "1"}, check=True).stdout
    assert forced.startswith("blocklint, version") and "(loader: pure Python (BLOCKLINT_PURE_PYTHON is set))" in forced


def test_schema_write_puts_every_kind_in_a_directory(run, tmp_path):
    code, output = run("schema", "--write", tmp_path / "schemas")
    written = sorted(path.name for path in (tmp_path / "schemas").iterdir())
    assert code == 0 and len(written) == 24 and "block-spec.json" in written and "block-spec.body.json" in written
    body_schema = json.loads((tmp_path / "schemas" / "block-spec.body.json").read_text())
    assert body_schema["$ref"] == "#/$defs/block-spec-body"


def test_fix_says_what_it_fixed_on_stdout_just_before_the_summary_line(tmp_path):
    """The fix count belongs to the summary: on stdout, right above the summary line (text and
    concise); with a machine format on stdout it goes to stderr, leaving that output parseable."""
    import shutil
    import subprocess
    import sys

    def fix(*options):
        shutil.copy(ROOT / "tests" / "cases" / "BL101" / "bad.yaml", tmp_path / "spec.yaml")
        return subprocess.run([sys.executable, "-m", "blocklint", "check", "--fix", "--no-cache", *options, "spec.yaml"],
                              cwd=tmp_path, capture_output=True, text=True)

    for options in ((), ("--format", "concise")):
        result = fix(*options)
        lines = result.stdout.splitlines()
        assert result.returncode == 1 and result.stderr == "", result.stderr
        assert lines[-2] == "blocklint: fixed 2 finding(s) in 1 file(s)", result.stdout
        assert lines[-1].startswith("2 errors, 0 warnings in 1 file"), result.stdout
    result = fix("--format", "json")
    assert json.loads(result.stdout)["summary"]["errors"] == 2
    assert result.stderr == "blocklint: fixed 2 finding(s) in 1 file(s)\n"
