"""The benchmark script runs end to end (`--quick`): its corpora are valid, every section prints.

Times are not asserted: speed is measured by `python benchmarks/run.py`, never by a timed test.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("## cold start", "## throughput", "## cache", "## overhead over parsing", "## scaling",
            "## worker threshold", "## targets")


@pytest.mark.slow
def test_quick_benchmark_run_prints_every_section():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--no-install"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "every generated file lints clean of errors" in done.stdout
    assert "cold / warm (CPU)" in done.stdout and "in-process CPU per file" in done.stdout
    for section in SECTIONS:
        assert section in done.stdout, f"{section!r} missing from:\n{done.stdout}"
    assert "rules run on every file" in done.stdout and "with the collector paused" in done.stdout
    heading, targets = done.stdout.split("## targets", 1)[1].split("\n", 1)
    assert "rules; load average" in heading
    targets = targets.strip().splitlines()
    assert len(targets) == 7 and all(line.split()[0] in ("PASS", "MISS", "n/a") for line in targets), targets


def test_profile_prints_the_top_functions_by_cumulative_time():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--profile"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "top 25 by cumulative time" in done.stdout
    assert "check_target" in done.stdout and "cumtime" in done.stdout


def test_the_superlinearity_check_runs_every_rule_on_every_shape_tiny():
    """`benchmarks/superlinear.py` at 10 and 40 steps: its workflows are clean, and it prints a
    row for every rule in every shape and the worst ratio (not asserted: a tiny run measures nothing)."""
    command = [sys.executable, str(ROOT / "benchmarks" / "superlinear.py"), "--steps", "10", "--repeats", "1",
               "--calibration", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "warning" not in done.stderr, done.stderr  # every shape lints clean of errors
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import superlinear

    from blocklint.collect import collect_rules

    rows = [line.split()[:2] for line in done.stdout.splitlines()[2:]
            if line.split()[:1] and line.split()[0] in superlinear.SHAPES]
    expected = {(shape, rule.id) for shape in superlinear.SHAPES for rule in collect_rules()} | {
        (shape, "load") for shape in superlinear.SHAPES}
    assert {tuple(row) for row in rows} == expected
    assert "worst ratio" in done.stdout


@pytest.mark.slow
def test_the_references_benchmark_runs_every_line():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "references.py"), "--quick"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert "## following references" in done.stdout and "## one staged deployment" in done.stdout, done.stderr
    lines = done.stdout.splitlines()
    # one overhead line and two staged ones have a target; the deployments' line and the warm-up do not
    assert len([line for line in lines if line.rstrip().endswith(("PASS", "MISS"))]) == 3, done.stdout
    assert len([line for line in lines if line.rstrip().endswith("no target")]) == 2, done.stdout
