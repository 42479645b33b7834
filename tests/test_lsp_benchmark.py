"""`benchmarks/editor.py --quick` runs end to end and prints every figure with a verdict.

Times are not asserted: speed is measured by running the script, never by a timed test."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_quick_editor_benchmark_prints_every_figure():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "editor.py"), "--quick"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for words in ("diagnostics after a change", "completion of a parent", "server start-up",
                  "0 fixable (0%)", "fixes applied", "first diagnostics from the server's start",
                  "-line workflow: analysis"):
        assert words in done.stdout, f"{words!r} missing from:\n{done.stdout}"
    targets = done.stdout.split("## targets", 1)[1].strip().splitlines()
    assert len(targets) == 6 and all(line.split()[0] in ("PASS", "MISS") for line in targets), targets
