"""The plan: one place where configuration and a front door's options become a run."""

import json
import textwrap

SPEC = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: n, summary: s}
      release: {version: "1.0.0"}
      config:
        steps:
          a: {command: x, imageDetails: {id: 1}}
          b: {command: y, imageDetails: {id: 1}, parents: [a]}
    """)

LOCAL_RULE = textwrap.dedent('''\
    from blocklint import rule
    from helpers import owner_of

    @rule("TEAM001", "step-without-owner", severity="warning")
    def step_without_owner(step, step_name):
        """Every step names its owner in an OWNER env var."""
        if owner_of(step) is None:
            yield ("parameters",), f"step '{step_name}' has no OWNER env var"
    ''')
HELPER = textwrap.dedent('''\
    def owner_of(step):
        return ((step.get("parameters") or {}).get("env") or {}).get("OWNER")
    ''')


def test_a_rules_directory_may_hold_a_helper_module_its_rules_import(run, tmp_path):
    rules = tmp_path / "lint"
    rules.mkdir()
    (rules / "team.py").write_text(LOCAL_RULE)
    (rules / "helpers.py").write_text(HELPER)
    (tmp_path / "spec.yaml").write_text(SPEC)
    code, output = run("check", "--format", "concise", "--rules-dir", rules, "--select", "TEAM", tmp_path / "spec.yaml")
    assert code == 0, output
    assert output.count("TEAM001 warning step") == 2


def test_a_local_fixture_named_like_a_built_in_one_is_refused_naming_both_places(run, tmp_path):
    rules = tmp_path / "lint"
    rules.mkdir()
    (rules / "shadow.py").write_text(textwrap.dedent('''\
        from blocklint import fixture

        @fixture
        def steps(r):
            return None
        '''))
    (tmp_path / "spec.yaml").write_text(SPEC.replace("parents: [a]", "parents: [zz]"))
    code, output = run("check", "--rules-dir", rules, tmp_path / "spec.yaml")
    assert code == 2
    assert "fixture 'steps' is defined twice" in output
    assert "blocklint/fixtures.py:" in output and "shadow.py:3" in output


def test_a_params_file_that_is_a_press_document_is_a_usage_error(run, tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    code, output = run("check", "-v", tmp_path / "spec.yaml", tmp_path / "spec.yaml")
    assert code == 2
    assert "is a Press document (block-spec), not a file of template variables" in output
    code, output = run("check", "--params-file", tmp_path, tmp_path / "spec.yaml")
    assert code == 2 and "is a directory" in output


def test_the_closest_configuration_to_each_file_applies(run, tmp_path):
    project = tmp_path / "proj"
    (project / "specs").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.blocklint]\nignore = ["BL301"]\n')
    bad = SPEC.replace("parents: [a]", "parents: [zz]")
    (project / "specs" / "spec.yaml").write_text(bad)
    (tmp_path / "other.yaml").write_text(bad)
    code, output = run("check", "--format", "concise", "proj/specs", "other.yaml", cwd=tmp_path)
    assert "proj/specs/spec.yaml" not in output
    assert "other.yaml:9:" in output and "BL301" in output and code == 1
    code, output = run("check", "--format", "concise", "--isolated", "proj/specs", cwd=tmp_path)
    assert "proj/specs/spec.yaml:9:" in output and code == 1


def test_show_settings_prints_the_resolved_plan_for_a_file(run, tmp_path):
    (tmp_path / ".blocklint.toml").write_text('ignore = ["BL504"]\n[severity]\nBL611 = "error"\n')
    (tmp_path / "spec.yaml").write_text(SPEC)
    code, output = run("check", "--show-settings", "spec.yaml", cwd=tmp_path)
    settings = json.loads(output)
    assert code == 0
    assert settings["config"].endswith(".blocklint.toml")
    assert "BL504" not in settings["rules"] and "BL301" in settings["rules"]
    assert settings["severity"] == {"BL611": "error"}


def test_gitignored_files_are_skipped_when_walking_unless_asked(run, tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("rendered/\n*.generated.yaml\n!keep.generated.yaml\n")
    for name in ("rendered/a.yaml", "b.generated.yaml", "keep.generated.yaml", "c.yaml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(SPEC.replace("parents: [a]", "parents: [zz]"))
    code, output = run("check", "--format", "concise", ".", cwd=tmp_path)
    assert sorted({line.split(":")[0] for line in output.splitlines() if "BL301" in line}) == \
        ["c.yaml", "keep.generated.yaml"]
    code, output = run("check", "--format", "concise", "--no-respect-gitignore", ".", cwd=tmp_path)
    assert len({line.split(":")[0] for line in output.splitlines() if "BL301" in line}) == 4


def test_exit_zero_reports_errors_and_exits_0(run, tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC.replace("parents: [a]", "parents: [zz]"))
    code, output = run("check", "--exit-zero", tmp_path / "spec.yaml")
    assert code == 0 and "BL301" in output


def test_empty_codes_and_non_finite_options_are_refused(run, tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / ".blocklint.toml").write_text('select = [""]\n')
    code, output = run("check", "spec.yaml", cwd=tmp_path)
    assert code == 2 and "empty rule code" in output
    (tmp_path / ".blocklint.toml").write_text('[per-file-ignores]\n"*.yaml" = [" "]\n')
    code, output = run("check", "spec.yaml", cwd=tmp_path)
    assert code == 2 and "empty rule code" in output
    for value in ("inf", "nan", "-5"):
        (tmp_path / ".blocklint.toml").write_text(f"[options.BL204]\nmin-interval = {value}\n")
        code, output = run("check", "spec.yaml", cwd=tmp_path)
        assert code == 2 and "out of range" in output, value


def test_an_empty_code_in_a_json_suppression_switches_nothing_off(run, tmp_path):
    data = {"x-blocklint": {"disable": [""]},
            "body": {"version": 1, "kind": "workflow", "metadata": {"name": "n", "summary": "s"},
                     "release": {"version": "1.0.0"},
                     "config": {"steps": {"a": {"command": "x", "imageDetails": {"id": 1}, "parents": ["zz"]}}}}}
    (tmp_path / "spec.json").write_text(json.dumps(data, indent=2))
    code, output = run("check", "--format", "concise", tmp_path / "spec.json")
    assert code == 1 and "BL301" in output and "BL011" in output


def test_explain_lists_a_family_and_rules_lists_json(run):
    code, output = run("explain", "BL3")
    assert code == 0
    assert [line.split()[0] for line in output.splitlines()][:2] == ["BL301", "BL302"]
    code, output = run("rules", "--format", "json")
    rules = json.loads(output)
    assert code == 0 and {"id", "name", "severity", "summary", "url"} <= set(rules[0])
    assert any(entry["id"] == "BL301" for entry in rules)


TYPO = SPEC.replace("parents: [a]", "parent: [a]")


def test_fix_diff_and_the_fixable_marker_through_check(run, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(TYPO)
    code, output = run("check", spec)
    assert code == 1 and "BL101 error [*] unknown key 'parent'" in output and "(1 fixable with --fix)" in output
    code, output = run("check", "--diff", spec)
    assert code == 1 and "-      b: {command: y, imageDetails: {id: 1}, parent: [a]}" in output \
        and "+      b: {command: y, imageDetails: {id: 1}, parents: [a]}" in output
    assert spec.read_text() == TYPO  # --diff changes nothing
    code, output = run("check", "--fix", spec)
    assert code == 0 and spec.read_text() == SPEC
    code, output = run("check", "--fix", spec)  # idempotent
    assert code == 0 and spec.read_text() == SPEC


def test_the_diff_masks_tokens_and_escapes_control_characters(run, tmp_path):
    """`--diff` quotes the file: a token on a changed line is masked as in every report, and a bidi
    control in the file (YAML allows it, where it forbids ESC) is shown, not sent to the terminal."""
    token = "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    spec = tmp_path / "spec.yaml"
    spec.write_text(TYPO.replace("command: y,", f"command: 'y {token} \u202e',"))
    code, output = run("check", "--diff", spec)
    assert code == 1 and "+      b: {command: 'y **** \\u202e', imageDetails: {id: 1}, parents: [a]}" in output
    assert token not in output and "\u202e" not in output


def test_check_answers_unchanged_files_from_its_cache_and_clean_removes_it(run, tmp_path, monkeypatch):
    monkeypatch.delenv("BLOCKLINT_NO_CACHE")
    (tmp_path / "spec.yaml").write_text(TYPO)
    first = run("check", "spec.yaml", cwd=tmp_path)
    packs = list((tmp_path / ".blocklint_cache").glob("*.json"))
    assert first[0] == 1 and len(packs) == 1 and len(json.loads(packs[0].read_text())["entries"]) == 1
    assert run("check", "spec.yaml", cwd=tmp_path) == first
    assert run("check", "--no-cache", "spec.yaml", cwd=tmp_path) == first
    code, _ = run("clean", cwd=tmp_path)
    assert code == 0 and not (tmp_path / ".blocklint_cache").exists()


def test_configuration_baseline_and_ignore_files_that_are_not_regular_files_never_hang(tmp_path):
    """A hostile checkout's pyproject.toml, baseline or .gitignore may be a FIFO: refused or
    passed over at once (a FIFO opened without care blocks forever)."""
    import os
    import subprocess
    import sys

    (tmp_path / "spec.yaml").write_text(SPEC)
    os.mkfifo(tmp_path / "pyproject.toml")
    blocklint = [sys.executable, "-m", "blocklint", "check", "--no-cache"]
    done = subprocess.run([*blocklint, "spec.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # found by walking up: not a regular file, not a configuration
    done = subprocess.run([*blocklint, "--config", "pyproject.toml", "spec.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "pyproject.toml" in done.stderr and "Traceback" not in done.stderr
    os.remove(tmp_path / "pyproject.toml")
    os.mkfifo(tmp_path / "baseline.json")
    done = subprocess.run([*blocklint, "--baseline", "baseline.json", "spec.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "baseline.json" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / ".gitignore")
    done = subprocess.run([*blocklint, "."], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "1 file" in done.stdout, done.stdout + done.stderr


def test_a_configuration_from_the_checkout_cannot_run_code_read_elsewhere_or_expose_the_environment(
        run, tmp_path, monkeypatch):
    """A pull request can change `.blocklint.toml`: its rules-dir (Python code) is loaded only when
    trusted, its paths stay inside the project, and it cannot allow environment variables."""
    (tmp_path / "spec.yaml").write_text(SPEC)
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "pwn.py").write_text(f"open({str(tmp_path / 'PWNED')!r}, 'w').write('ran')\n")
    (tmp_path / ".blocklint.toml").write_text('rules-dir = ["evil"]\n')
    monkeypatch.delenv("BLOCKLINT_TRUST_RULES_DIR", raising=False)
    code, output = run("check", "spec.yaml", cwd=tmp_path)
    assert code == 2 and "--trust-rules-dir" in output and not (tmp_path / "PWNED").exists()
    code, output = run("check", "--trust-rules-dir", "spec.yaml", cwd=tmp_path)
    assert code == 0 and (tmp_path / "PWNED").exists()  # trusted on purpose: then it is the project's code
    for key, value in (("params-file", "../../etc/passwd"), ("baseline", "/etc/passwd"), ("rules-dir", "[\"/tmp\"]")):
        shown = value if value.startswith("[") else f'"{value}"'
        (tmp_path / ".blocklint.toml").write_text(f"{key} = {shown}\n")
        code, output = run("check", "spec.yaml", cwd=tmp_path)
        assert code == 2 and "lies outside" in output, (key, output)
    (tmp_path / ".blocklint.toml").write_text('template-env = ["HOME"]\n')
    code, output = run("check", "spec.yaml", cwd=tmp_path)
    assert code == 2 and "unknown key 'template-env'" in output
