"""Bad input never crashes: each case gives a clear BL0xx finding at the right line (exit 1),
or exit 2 for a path that cannot be read; never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _check(run, path, *extra):
    code, output = run("check", "--format", "json", *extra, str(path))
    return code, json.loads(output)


def _only(report):
    assert len(report["findings"]) == 1, report
    return report["findings"][0]


@pytest.mark.parametrize("name, content, rule, line", [
    ("empty.yaml", b"", "BL002", 1),
    ("comments.yaml", b"# nothing here\n", "BL002", 1),
    ("bracket.yaml", b"[", "BL001", 1),
    ("tabs.yaml", b"body:\n\tversion: 1\n", "BL001", 2),
    ("latin1.yaml", b"body:\n  metadata:\n    title: caf\xe9\n", "BL003", 3),
    ("binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "BL003", 1),
    ("unclosed.json", b'{"body": {"version": 1,', "BL001", 1),
    ("two-docs.yaml", b"body: {agg: 1}\n---\nbody: {agg: 2}\n", "BL009", 2),
])
def test_bad_file_gives_one_loading_finding_at_its_line(run, tmp_path, name, content, rule, line):
    path = tmp_path / name
    path.write_bytes(content)
    code, report = _check(run, path)
    finding = _only(report)
    assert (finding["rule"], finding["line"], code) == (rule, line, 1)
    assert finding["column"] >= 1 and finding["message"]


def test_duplicate_keys_report_both_lines(run, tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("body:\n  version: 1\n  kind: workflow\n  kind: service\n")
    code, report = _check(run, path, "--select", "BL004")
    finding = _only(report)
    assert finding["line"] == 4 and "first on line 3" in finding["message"] and code == 1


def test_alias_bomb_is_refused_quickly(run, tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, report = _check(run, path)
    assert _only(report)["rule"] == "BL005" and code == 1


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  "body: " + "{a: " * 100_000 + "1" + "}" * 100_000,
                                  "".join("  " * depth + "- \n" for depth in range(3000))])
def test_deep_nesting_is_refused_at_the_depth_limit(run, tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    code, report = _check(run, path)
    finding = _only(report)
    assert finding["rule"] == "BL005" and "nesting deeper than" in finding["message"] and code == 1


def test_deep_json_is_refused(run, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, report = _check(run, path)
    assert _only(report)["rule"] == "BL005" and code == 1


def test_huge_file_is_refused_with_its_size(run, tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"body:\n  metadata:\n    description: |\n")
        chunk = b"      " + b"x" * 1018 + b"\n"
        for _ in range(50 * 1024):
            handle.write(chunk)
    code, report = _check(run, path)
    finding = _only(report)
    assert finding["rule"] == "BL005" and "50.0 MiB" in finding["message"] and code == 1


def test_directory_without_press_documents_exits_zero(run, tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("name: ci\non: push\njobs: {}\n")
    (tmp_path / "docker-compose.yaml").write_text("version: '3'\nservices:\n  web:\n    image: nginx\n")
    (tmp_path / "notes.txt").write_text("not yaml")
    code, output = run("check", str(tmp_path))
    assert code == 0 and "no Press documents found" in output


def test_non_press_file_named_on_the_command_line_is_reported(run, tmp_path):
    path = tmp_path / "docker-compose.yaml"
    path.write_text("version: '3'\nservices:\n  web:\n    image: nginx\n")
    code, report = _check(run, path)
    assert _only(report)["rule"] == "BL006" and code == 1


def test_missing_path_exits_two(run, tmp_path):
    code, output = run("check", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file or directory" in output


def test_an_unreadable_file_is_that_files_finding(run, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "secret.yaml"
    path.write_text("body: {}\n")
    path.chmod(0)
    code, report = _check(run, path)
    finding = _only(report)
    assert (finding["rule"], code) == ("BL012", 1) and "Permission denied" in finding["message"]


@pytest.mark.parametrize("make, words", [
    (lambda tmp: "/dev/zero", "character device"),
    (lambda tmp: os.mkfifo(tmp / "fifo.yaml") or tmp / "fifo.yaml", "FIFO"),
    (lambda tmp: (tmp / "zero.yaml").symlink_to("/dev/zero") or tmp / "zero.yaml", "a link to /dev/zero, outside the project"),
])
def test_devices_and_fifos_named_are_refused_with_a_finding(run, tmp_path, make, words):
    code, report = _check(run, make(tmp_path))
    finding = _only(report)
    assert (finding["rule"], finding["line"], code) == ("BL012", 1, 1) and words in finding["message"]


def test_a_device_or_fifo_in_a_walked_directory_never_blocks_the_run(run, tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "spec.yaml").write_text("body:\n  kind: workflow\n  bogus: 1\n")
    code, report = _check(run, tmp_path)
    assert code == 1 and "spec.yaml" in {Path(f["file"]).name for f in report["findings"]}
    assert {f["rule"] for f in report["findings"]} - {"BL012"} and "BL000" not in {f["rule"] for f in report["findings"]}


@pytest.mark.parametrize("name, content, words, line", [
    ("complex.yaml", "body:\n  kind: workflow\n  git_token: { { git_token } }\n", "broken `{{ git_token }}`", 3),
    ("tag.yaml", "body:\n  kind: workflow\n  version: !!python/object/apply:os.system [id]\n", "tag", 3),
    ("merge.yaml", "body:\n  kind: workflow\n  metadata: {<<: 1}\n", "merge key", 3),
    ("template.yaml", "body:\n  kind: workflow\n  version: {{ 1/0 }}\n", "ZeroDivisionError", 3),
    ("include.yaml", "body:\n  kind: workflow\n  version: {% include '/proc/self/mem' %}\n", "outside", 3),
])
def test_constructs_that_crashed_the_run_are_findings_and_the_run_goes_on(run, tmp_path, name, content, words, line):
    path = tmp_path / name
    path.write_text(content)
    other = tmp_path / "other.yaml"
    other.write_text("body:\n  kind: workflow\n  bogus: 1\n")
    code, output = run("check", "--format", "json", "--select", "BL0", str(path), str(other))
    report = json.loads(output)
    findings = [f for f in report["findings"] if f["file"].endswith(name)]
    assert code == 1 and len(findings) == 1, report
    assert findings[0]["line"] == line and words in findings[0]["message"]


def test_wrong_types_everywhere_give_findings_not_crashes(run, tmp_path):
    path = tmp_path / "types.yaml"
    path.write_text(
        "body:\n  version: [1]\n  kind: workflow\n  metadata: 7\n  release: yes\n"
        "  config:\n    steps: [a, b]\n    triggers: {cron: 1}\n    images: 3\n    watchers: x\n"
        "parameters: [1, 2]\nartifact: true\ntenants: {a: 1}\n")
    code, report = _check(run, path)
    rules = {finding["rule"] for finding in report["findings"]}
    assert code == 1
    assert "BL000" not in rules, report
    assert {"BL103"} <= rules


def test_the_installed_command_never_prints_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"body:\n  kind: [\x00\xff")
    process = subprocess.run([sys.executable, "-m", "blocklint", "check", str(bad), str(tmp_path / "missing")],
                             capture_output=True, text=True)
    assert "Traceback" not in process.stdout + process.stderr
    assert process.returncode == 2
