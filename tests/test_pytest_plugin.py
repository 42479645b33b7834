"""`pytest --blocklint`, run by pytester on copies of the examples and on bad files.

Each run is a subprocess, as users run pytest: an in-process run swaps `sys.modules` back
afterwards, which re-imports ruamel.yaml's Python half beside its C parser.
"""

import json
import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases"


def test_registered_as_a_pytest11_entry_point():
    found = [entry for entry in entry_points(group="pytest11") if entry.value == "blocklint.pytest_plugin"]
    assert found, "reinstall blocklint (pip install -e .) to register the pytest11 entry point"


def test_examples_pass_one_item_per_press_file(pytester, run):
    # A project below pytester's HOME (the home directory itself is never a project): its
    # includes may reach examples/fragments.
    project = pytester.mkdir("project")
    shutil.copytree(ROOT / "examples", project / "examples")
    (project / ".blocklint.toml").write_text("")
    code, output = run("check", "--format", "json", "examples", cwd=project)
    result = pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "examples")  # from project/
    checked = json.loads(output)["summary"]["files"]
    assert code == 0 and checked >= 20, output
    result.assert_outcomes(passed=checked)
    assert result.ret == 0


def test_bad_file_fails_with_the_findings_and_the_code(pytester):
    shutil.copy(CASES / "BL101" / "bad.yaml", pytester.path / "bad.yaml")
    result = pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "--blocklint-select", "BL101")
    result.assert_outcomes(failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "*_ bad.yaml (blocklint) _*",
        "bad.yaml:12:5: BL101 error unknown key 'trigers' in config; did you mean 'triggers'?",
        "   12 |     trigers: []",
        "      |     ^^^^^^^",
        "bad.yaml:32:9: BL101 error unknown key 'parent' in config.steps.report; did you mean 'parents'?",
        "*",
        "*",
        "bad.yaml:34:1: BL101 warning unknown key 'paramters' in the file's top level; did you mean 'parameters'? "
        "The peak CLI drops unknown top-level keys without a word and sends the rest",
        "*",
        "*",
        "2 errors, 1 warning in 1 file",
        "*short test summary info*",
        "FAILED bad.yaml::blocklint - bad.yaml:12:5: BL101 error*",
    ])


def test_off_unless_asked(pytester):
    shutil.copy(CASES / "BL101" / "bad.yaml", pytester.path / "bad.yaml")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_select_ignore_and_config(pytester):
    shutil.copy(CASES / "BL101" / "bad.yaml", pytester.path / "bad.yaml")
    shutil.copy(CASES / "BL010" / "bad.yaml", pytester.path / "nulls.yaml")
    pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "--blocklint-select", "BL3").assert_outcomes(passed=2)
    pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "--blocklint-select", "BL101,BL010",
                       "--blocklint-ignore", "BL101").assert_outcomes(passed=2)
    # Warnings pass unless strict.
    pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "--blocklint-select", "BL010",
                       "--blocklint-strict").assert_outcomes(passed=1, failed=1)
    # The project's blocklint configuration applies.
    pytester.makepyprojecttoml('[tool.blocklint]\nselect = ["BL101", "BL010"]\nignore = ["BL101"]\n')
    pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_non_press_yaml_is_skipped_when_found_and_reported_when_named(pytester):
    (pytester.path / ".github" / "workflows").mkdir(parents=True)
    (pytester.path / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    (pytester.path / "data.json").write_text('{"a": 1}\n')
    shutil.copy(CASES / "BL101" / "good.yaml", pytester.path / "spec.yaml")
    result = pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "-v", "--blocklint-select", "BL0,BL1")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["spec.yaml::blocklint PASSED*"])
    named = pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "compose.yaml")
    named.assert_outcomes(failed=1)
    named.stdout.fnmatch_lines(["compose.yaml:1:1: BL006 error not a Press document*"])


def test_items_carry_the_blocklint_marker(pytester):
    shutil.copy(CASES / "BL101" / "good.yaml", pytester.path / "spec.yaml")
    pytester.makepyfile(test_other="def test_other():\n    pass\n")
    result = pytester.runpytest_subprocess("--blocklint", "-p", "no:cacheprovider", "-m", "blocklint", "-v")
    result.assert_outcomes(passed=1, deselected=1)
