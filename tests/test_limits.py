"""Hostile inputs finish in bounded time and memory (docs/limits.md).

Each case runs `blocklint check --format json` in a fresh Python process, which reports its own
wall time and peak RSS (`resource.getrusage`), so the measurement covers this file alone. The
bounds are generous on purpose: they are limits that a broken guard would blow through (an alias
bomb expanded, a 100 MB file read, a quadratic walk), not benchmarks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

MAX_SECONDS = 10.0
MAX_RSS_MIB = 1024.0
CHILD = r"""
import json, resource, sys, time
from blocklint.cli import cli
start = time.perf_counter()
try:
    cli(["check", "--format", "json", *sys.argv[1:]], prog_name="blocklint")
    code = 0
except SystemExit as stop:
    code = stop.code
print(json.dumps({"code": code, "seconds": time.perf_counter() - start,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""


def run_limited(*args, stdin_path: Path | None = None):
    """(exit code, findings, seconds, peak RSS in MiB) of one check in a fresh process."""
    with open(stdin_path or "/dev/null", "rb") as stdin:
        done = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], stdin=stdin,
                              capture_output=True, timeout=120, check=False)
    stats = json.loads(done.stderr.decode().strip().splitlines()[-1])
    report = json.loads(done.stdout)
    return stats["code"], report["findings"], stats["seconds"], stats["rss_mib"]


@pytest.fixture(scope="module")
def baseline_rss(tmp_path_factory):
    path = tmp_path_factory.mktemp("baseline") / "small.yaml"
    path.write_text("body:\n  version: 1\n  kind: workflow\n")
    return run_limited(path)[3]


def _assert_refused(findings, code, rule="BL005", words=""):
    assert code == 1
    assert [f["rule"] for f in findings] == [rule], findings
    assert words in findings[0]["message"]


def _bounded(seconds, rss):
    assert seconds < MAX_SECONDS, f"{seconds:.1f} s"
    assert rss < MAX_RSS_MIB, f"{rss:.0f} MiB"


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for index in range(1, levels):
        name = f"l{index}"
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_by_the_node_limit(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs())
    code, findings, seconds, rss = run_limited(path)
    _assert_refused(findings, code, words="alias bomb")
    _bounded(seconds, rss)


def test_alias_bomb_in_a_press_document_stops_before_any_rule_runs(tmp_path):
    path = tmp_path / "bomb-spec.yaml"
    bomb = billion_laughs().replace("\n", "\n  ")
    path.write_text(f"body:\n  version: 1\n  kind: workflow\n  {bomb}config:\n    steps: {{s: *l8}}\n")
    code, findings, seconds, rss = run_limited(path)
    _assert_refused(findings, code, words="alias bomb")
    _bounded(seconds, rss)


def test_aliases_just_under_the_node_limit_are_checked_in_bounded_time(tmp_path):
    """~990,000 nodes through aliases: accepted, every rule runs over the shared subtrees."""
    path = tmp_path / "wide-aliases.yaml"
    row = "[" + ",".join(["1"] * 990) + "]"
    triggers = ", ".join(["*row"] * 999)
    path.write_text(f"body:\n  version: 1\n  kind: workflow\n  x-row: &row {row}\n"
                    f"  config:\n    triggers: [{triggers}]\n")
    code, findings, seconds, rss = run_limited(path)
    assert code == 1 and not any(f["rule"] in ("BL000", "BL005") for f in findings)
    _bounded(seconds, rss)


def test_merge_key_chains_do_not_multiply(tmp_path):
    lines = ["base: &m0 {" + ", ".join(f"k{n}: {n}" for n in range(50)) + "}"]
    for level in range(1, 60):
        lines.append(f"m{level}: &m{level} {{<<: *m{level - 1}, own{level}: 1}}")
    path = tmp_path / "merges.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, findings, seconds, rss = run_limited(path)
    assert code == 1 and [f["rule"] for f in findings] == ["BL006"]
    _bounded(seconds, rss)


def test_a_100_mb_file_is_refused_by_its_size_without_being_read(tmp_path, baseline_rss):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as sparse:
        sparse.seek(100 * 2**20)
        sparse.write(b"x")
    code, findings, seconds, rss = run_limited(path)
    _assert_refused(findings, code, words="100.0 MiB")
    _bounded(seconds, rss)
    assert rss < baseline_rss + 50, f"{rss:.0f} MiB against {baseline_rss:.0f} MiB for a small file: was it read?"


def test_a_100_mb_stdin_is_refused_by_its_size(tmp_path):
    """Standard input has no size to ask for: it is read to one byte past the limit, then refused."""
    path = tmp_path / "huge-stdin"
    with open(path, "wb") as sparse:
        sparse.seek(100 * 2**20)
        sparse.write(b"x")
    code, findings, seconds, rss = run_limited("-", stdin_path=path)
    _assert_refused(findings, code, words="standard input holds more than 10")
    _bounded(seconds, rss)


def test_a_million_element_list_is_refused_by_the_node_limit(tmp_path):
    path = tmp_path / "million.yaml"
    path.write_bytes(b"- 1\n" * 1_000_000)
    assert path.stat().st_size < 10 * 2**20
    code, findings, seconds, rss = run_limited(path)
    _assert_refused(findings, code, words="nodes")
    # About 7 s and 330 MiB here: the whole list is built, with a span per item, before the
    # limit trips at node 1,000,001 (reported; a lower MAX_NODES would cut it).
    assert seconds < 2 * MAX_SECONDS and rss < MAX_RSS_MIB, (seconds, rss)


def test_a_long_list_in_a_valid_spec_is_checked_in_bounded_time(tmp_path):
    """300,000 secrets in one step: loaded, and every rule runs over them.

    At 900,000 (still under every limit) this takes ~9 s and 520 MiB here, about 5 s of it in
    the loader; reported, with the suggestion of a lower MAX_NODES.
    """
    path = tmp_path / "many-secrets.yaml"
    path.write_text("body:\n  version: 1\n  kind: workflow\n"
                    "  metadata: {name: many, title: Many, summary: Many secrets.}\n"
                    '  release: {version: "1.0.0"}\n  config:\n    steps:\n      one:\n'
                    "        type: standard\n        imageDetails: {id: 1, versionId: 1}\n"
                    "        command: python main.py\n        resources: {instanceTypeId: 21, storage: 10GB}\n"
                    "        parameters:\n          secrets: [" + ",".join(["S"] * 300_000) + "]\n")
    code, findings, seconds, rss = run_limited(path)
    assert not any(f["severity"] == "error" for f in findings) and code == 0, findings[:3]
    _bounded(seconds, rss)


@pytest.mark.xfail(run=False, reason="findings are not capped: ~0.3 ms of jsonschema per wrong item, "
                                     "so 990,000 wrong triggers take ~5 minutes (reported)")
def test_a_list_of_wrong_items_under_the_node_limit_is_checked_in_bounded_time(tmp_path):
    path = tmp_path / "many-triggers.yaml"
    path.write_text("body:\n  version: 1\n  kind: workflow\n  config:\n    triggers: ["
                    + ",".join(["1"] * 990_000) + "]\n")
    code, findings, seconds, rss = run_limited(path)
    assert code == 1 and not any(f["rule"] in ("BL000", "BL005") for f in findings)
    _bounded(seconds, rss)


@pytest.mark.parametrize("name, text", [
    ("flow.yaml", "[" * 10_000 + "]" * 10_000),
    ("flow-mappings.yaml", "{a: " * 10_000 + "1" + "}" * 10_000),
    ("block.yaml", "- " * 10_000 + "1\n"),
    ("block-mappings.yaml", "".join(" " * depth + "a:\n" for depth in range(1200)) + " " * 1200 + "b: 1\n"),
    ("deep.json", "[" * 10_000 + "]" * 10_000),
    ("deep-objects.json", '{"a": ' * 10_000 + "1" + "}" * 10_000),
], ids=lambda value: value if len(value) < 30 else None)
def test_deep_nesting_is_refused_at_the_depth_limit(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    code, findings, seconds, rss = run_limited(path)
    _assert_refused(findings, code, words="nesting deeper than")
    _bounded(seconds, rss)


def test_a_file_just_under_the_size_limit_is_checked_in_bounded_time(tmp_path):
    """Over 8 MiB of spec: one long description and many parameters."""
    path = tmp_path / "big.yaml"
    parameters = "".join(f"    - name: p{n}\n      type: string\n      defaultValue: v{n}\n" for n in range(10_000))
    text = ("body:\n  version: 1\n  kind: workflow\n  metadata:\n    name: big\n    description: "
            + "x" * 8_600_000 + "\nparameters:\n  run:\n" + parameters)
    path.write_text(text)
    assert 8 * 2**20 < path.stat().st_size < 10 * 2**20
    code, findings, seconds, rss = run_limited(path)
    # checked, not refused: a BL005 here is only the cap on one rule's findings (10,000 parameters)
    refused = [f for f in findings if f["rule"] == "BL000" or (f["rule"] == "BL005" and "more than" not in f["message"])]
    assert code == 1 and not refused and any(f["rule"] not in ("BL000", "BL005") for f in findings)
    _bounded(seconds, rss)


# --- under a memory cap: what stat() cannot see ---------------------------------------------

MEMORY_CAP_MIB = 512  # address space of the child: a read without bound dies of MemoryError at once
CAPPED_SECONDS = 30


def run_capped(*args, stdin_path: str = "/dev/null", code: str | None = None):
    """(exit code, stdout, stderr) of `blocklint check --format json ARGS` (or of `code`) in a child
    process limited to MEMORY_CAP_MIB of address space and CAPPED_SECONDS of wall time."""
    import resource

    def cap():
        limit = MEMORY_CAP_MIB * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "blocklint", "check", "--format",
                                                          "json", *map(str, args)]
    with open(stdin_path, "rb") as stdin:
        done = subprocess.run(command, stdin=stdin, capture_output=True, timeout=CAPPED_SECONDS,
                              preexec_fn=cap, check=False)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


@pytest.mark.parametrize("make, words", [
    (lambda tmp: "/dev/zero", "character device"),
    (lambda tmp: "/dev/urandom", "character device"),
    (lambda tmp: os.mkfifo(tmp / "pipe.yaml") or tmp / "pipe.yaml", "FIFO"),
    (lambda tmp: (tmp / "spec.yaml").symlink_to("/dev/zero") or tmp / "spec.yaml", "link to /dev/zero, outside the project"),
], ids=["dev-zero", "dev-urandom", "fifo", "symlink-to-dev-zero"])
def test_devices_and_fifos_are_refused_under_a_memory_cap(tmp_path, make, words):
    code, output, errors = run_capped(make(tmp_path))
    findings = json.loads(output)["findings"]
    assert code == 1 and [f["rule"] for f in findings] == ["BL012"], (output, errors)
    assert words in findings[0]["message"]


def test_a_directory_with_a_device_symlink_and_a_fifo_is_walked_under_a_memory_cap(tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "spec.yaml").write_text("body:\n  kind: workflow\n  bogus: 1\n")
    code, output, errors = run_capped(tmp_path)
    assert code == 1 and "Traceback" not in errors
    assert any(f["file"].endswith("spec.yaml") for f in json.loads(output)["findings"])


def test_an_alias_bomb_of_one_long_string_is_refused_quickly(tmp_path):
    """143 KB aliasing one 100 KiB string 10,000 times: 1 GB of text once expanded."""
    path = tmp_path / "strings.yaml"
    path.write_text("body:\n  kind: workflow\n  a: &a \"" + "x" * 102_400 + "\"\n  b: [" + ",".join(["*a"] * 10_000)
                    + "]\n")
    started = time.perf_counter()
    code, output, errors = run_capped(path)
    assert time.perf_counter() - started < 5  # includes starting Python; the load itself is ~0.1 s
    findings = json.loads(output)["findings"]
    assert code == 1 and [f["rule"] for f in findings] == ["BL005"], (output, errors)
    assert "alias bomb" in findings[0]["message"]


def test_standard_input_is_read_up_to_the_limit_only(tmp_path):
    code, output, errors = run_capped(stdin_path="/dev/zero", code=(
        "import sys\nfrom blocklint.load import load_stream\n"
        "doc = load_stream(sys.stdin.buffer)\nprint([p.rule for p in doc.problems])\n"))
    assert code == 0 and output.strip() == "['BL005']", errors


def test_check_of_an_endless_standard_input_is_refused_under_a_memory_cap(tmp_path):
    code, output, errors = run_capped("-", stdin_path="/dev/zero")
    assert code == 1 and [f["rule"] for f in json.loads(output)["findings"]] == ["BL005"], errors
