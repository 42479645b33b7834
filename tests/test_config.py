"""Configuration files, suppressions and baselines, as a user meets them."""

import json
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "tests" / "cases" / "BL101" / "good.yaml").read_text()
# Two problems: an unknown key (BL101) and a wrong type (BL103).
BAD = GOOD.replace("        parents:", "        parent:").replace("instanceTypeId: 21", "instanceTypeId: large")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text(BAD)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.yaml").write_text(BAD)
    return tmp_path


def _rules(output):
    return sorted((f["file"].rsplit("/", 1)[-1], f["rule"]) for f in json.loads(output)["findings"])


def test_pyproject_config_is_found_by_walking_up(run, project):
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.blocklint]\nignore = ['BL103']\n")
    code, output = run("check", "--format", "json", "specs", cwd=project)
    assert _rules(output) == [("a.yaml", "BL101")]
    code, output = run("check", "--format", "json", "a.yaml", cwd=project / "specs")
    assert _rules(output) == [("a.yaml", "BL101")]


def test_command_line_wins_and_lists_merge(run, project):
    (project / ".blocklint.toml").write_text("select = ['BL101']\n")
    assert _rules(run("check", "--format", "json", "specs", cwd=project)[1]) == [("a.yaml", "BL101")]
    # --select replaces the file's select
    assert _rules(run("check", "--format", "json", "--select", "BL103", "specs", cwd=project)[1]) == [
        ("a.yaml", "BL103")]
    # --extend-select adds to it
    assert _rules(run("check", "--format", "json", "--extend-select", "BL103", "specs", cwd=project)[1]) == [
        ("a.yaml", "BL101"), ("a.yaml", "BL103")]
    # --ignore adds to the file's ignore
    (project / ".blocklint.toml").write_text("ignore = ['BL101']\n")
    assert _rules(run("check", "--format", "json", "--ignore", "BL103", "specs", cwd=project)[1]) == []
    # --isolated ignores the file
    assert len(_rules(run("check", "--format", "json", "--isolated", "specs", cwd=project)[1])) == 2


def test_per_file_ignores_and_exclude(run, project):
    (project / ".blocklint.toml").write_text(textwrap.dedent("""\
        exclude = ["legacy"]

        [per-file-ignores]
        "specs/*.yaml" = ["BL103"]
        """))
    assert _rules(run("check", "--format", "json", ".", cwd=project)[1]) == [("a.yaml", "BL101")]


def test_severity_overrides_and_strict(run, project):
    (project / ".blocklint.toml").write_text('[severity]\nBL101 = "warning"\nBL103 = "warning"\n')
    code, output = run("check", "--format", "json", "specs", cwd=project)
    assert json.loads(output)["summary"] == {"files": 1, "errors": 0, "warnings": 2} and code == 0
    (project / ".blocklint.toml").write_text('strict = true\n[severity]\nBL101 = "warning"\nBL103 = "warning"\n')
    assert run("check", "specs", cwd=project)[0] == 1


@pytest.mark.parametrize("content, message", [
    ("selct = ['BL1']\n", "unknown key 'selct'"),
    ("select = 'BL1'\nignore = 3\n", "'ignore' must be a list of strings"),
    ("[severity]\nBL101 = 'fatal'\n", "'severity' must be a table"),
    ("ignore = ['BL999']\n", "unknown rule code 'BL999'"),
    ("ignore = ['B']\n", "ignore 'B' in --ignore or .blocklint.toml would switch off every rule"),
    ("[per-file-ignores]\n'*.yaml' = ['ALL']\n", "ignore 'ALL' in --ignore or .blocklint.toml would switch off"),
    ("select = [\n", "invalid TOML"),
])
def test_a_bad_config_is_a_usage_error_with_a_reason(run, project, content, message):
    (project / ".blocklint.toml").write_text(content)
    code, output = run("check", "specs", cwd=project)
    assert code == 2 and message in output, output
    if "selct" in content:
        assert "did you mean 'select'" in output


def test_a_config_key_cannot_forge_ci_commands_or_terminal_escapes_on_stderr(project):
    """An unknown key comes from a pull request's configuration: quoted, escaped as findings are."""
    import subprocess
    import sys

    (project / ".blocklint.toml").write_text(
        '"x\\n::add-mask::y\\r\\n::error file=README.md::forged\\u001b[2J\\u202e" = 1\n')
    done = subprocess.run([sys.executable, "-m", "blocklint", "check", "specs"], cwd=project,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("blocklint: ")
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr
    assert "x\\n::add-mask::y\\r\\n::error file=README.md::forged\\x1b[2J\\u202e" in done.stderr


def test_baseline_round_trip_reports_only_new_findings(run, project):
    code, output = run("check", "--write-baseline", "baseline.json", "specs", cwd=project)
    assert code == 0 and (project / "baseline.json").exists()
    code, output = run("check", "--baseline", "baseline.json", "--format", "json", "specs", cwd=project)
    assert json.loads(output)["findings"] == [] and code == 0
    # Lines move: the baseline, keyed by node path, still holds.
    (project / "specs" / "a.yaml").write_text("# a new comment line\n" + BAD)
    code, output = run("check", "--baseline", "baseline.json", "--format", "json", "specs", cwd=project)
    assert json.loads(output)["findings"] == [] and code == 0
    # A new problem is reported.
    (project / "specs" / "a.yaml").write_text(BAD.replace("storage: 10GB", "storage: 10GB\n          extra: 1"))
    code, output = run("check", "--baseline", "baseline.json", "--format", "json", "specs", cwd=project)
    assert [(f["rule"], f["message"]) for f in json.loads(output)["findings"]] == [
        ("BL101", "unknown key 'extra' in config.steps.load.resources (allowed: instanceTypeId, storage)")]
    assert code == 1


def test_json_documents_suppress_in_the_document(run, tmp_path):
    import yaml

    data = yaml.safe_load(BAD)
    data["x-blocklint"] = {"disable": ["BL103"]}
    (tmp_path / "spec.json").write_text(json.dumps(data, indent=2))
    assert _rules(run("check", "--format", "json", "spec.json", cwd=tmp_path)[1]) == [("spec.json", "BL101")]


def test_each_output_takes_the_format_before_it(run, tmp_path):
    (tmp_path / "a.yaml").write_text(BAD)
    code, output = run("check", "--format", "json", "--output", "out.json", "--format", "concise", "a.yaml",
                       cwd=tmp_path)
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["errors"] == 2
    assert output.splitlines()[0].startswith("a.yaml:")
    assert run("check", "--output", "x.json", "a.yaml", cwd=tmp_path)[0] == 2
    assert run("check", "--format", "json", "--format", "concise", "a.yaml", cwd=tmp_path)[0] == 2


def test_parallel_and_serial_runs_agree(run, tmp_path):
    for index in range(20):
        (tmp_path / f"s{index:02}.yaml").write_text(BAD if index % 3 else GOOD)
    serial = run("check", "--format", "json", "-j", "1", ".", cwd=tmp_path)
    parallel = run("check", "--format", "json", "-j", "2", ".", cwd=tmp_path)
    assert serial == parallel and json.loads(serial[1])["summary"]["files"] == 20


def test_rule_options_from_the_config_reach_the_rule(run, tmp_path):
    spec = (ROOT / "tests" / "cases" / "BL204" / "good.yaml").read_text()
    (tmp_path / "spec.yaml").write_text(spec)
    code, output = run("check", "--format", "json", "--select", "BL204", "spec.yaml", cwd=tmp_path)
    assert json.loads(output)["findings"] == []
    (tmp_path / ".blocklint.toml").write_text("[options.BL204]\nmin-interval = 60\n")
    code, output = run("check", "--format", "json", "--select", "BL204", "spec.yaml", cwd=tmp_path)
    assert [f["message"] for f in json.loads(output)["findings"]] == [
        "cron '*/5 9-17 * * 1-5' runs every 5 minutes at its most frequent; the minimum is 60 (option min-interval)"]
    (tmp_path / ".blocklint.toml").write_text("[options.BL999]\nmin-interval = 60\n")
    assert run("check", "spec.yaml", cwd=tmp_path)[0] == 2
