"""The editor loop's speed: `blocklint lsp` latencies and `check --fix` against `check`.

    python benchmarks/editor.py            # full run (a 1,000-file corpus)
    python benchmarks/editor.py --quick    # a smoke run (100 files, fewer repeats)

Prints, with a PASS/MISS verdict against the targets:
- diagnostics for a ~300-line workflow spec after a change (median, in-process: load, every
  rule, fixes attached, LSP diagnostics built): target 50 ms;
- completion of a parent name (median, in-process, as the server answers while typing): 20 ms;
- the server's start-up: `python -m blocklint lsp` started until its `initialize` response: 300 ms;
- fixing the 1,000-file corpus in-process, as generated (valid) and with a fifth of its files
  given fixable findings: check and then fix (read again, fix, re-lint, write) against check
  alone: at most 1.3x.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # a sibling module, not an installed package  # noqa: E402

TARGETS = {"diagnostics": 0.050, "completion": 0.020, "startup": 0.300, "fix_ratio": 1.3}


def median_time(func, repeats: int) -> float:
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def spec_of_about(lines: int) -> str:
    """A generated workflow spec of about `lines` lines."""
    steps = 3
    while True:
        text = corpus.workflow_spec(1, random.Random(3), steps=steps)
        if text.count("\n") >= lines or steps > 200:
            return text
        steps += 1


def diagnostics_and_completion(root: Path, repeats: int) -> tuple[float, float, int]:
    from lsprotocol import types as lsp

    from blocklint.lsp import features
    from blocklint.lsp.session import Session
    from blocklint.plan import Overrides

    corpus.write_artifact(root)
    text = spec_of_about(300)
    path = root / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    session = Session(Overrides(isolated=True, registry=False), root=str(root))
    edits = iter(range(10**9))

    def after_a_change():
        changed = text.replace("notes: Generated release.", f"notes: Generated release {next(edits)}.")
        analysis = session.analyze("file:///spec.yaml", str(path), changed)
        features.diagnostics(analysis, features.Positions(changed))

    diagnostics_time = median_time(after_a_change, repeats)
    lines = text.split("\n")
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("parents:"))
    typed_lines = list(lines)
    typed_lines[number] = typed_lines[number].split("parents:")[0] + "parents: [st"
    typed = "\n".join(typed_lines)
    analysis = session.analyze("file:///spec.yaml", str(path), text)  # the last lint, before typing

    def complete():
        items = features.completion(analysis, lsp.Position(line=number, character=len(typed_lines[number])),
                                    features.Positions(typed))
        assert items, "completion found no step names"

    return diagnostics_time, median_time(complete, repeats * 3), text.count("\n")


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": None, "rootUri": None, "capabilities": {}}}


def startup(repeats: int) -> float:
    """From starting the server process to reading its initialize response."""
    body = json.dumps(INITIALIZE).encode()
    message = b"Content-Length: %d\r\n\r\n" % len(body) + body
    times = []
    for attempt in range(repeats + 1):
        start = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "blocklint", "lsp"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        server.stdin.write(message)
        server.stdin.flush()
        header = server.stdout.readline()
        elapsed = time.perf_counter() - start
        server.kill()
        server.wait()
        if not header.startswith(b"Content-Length"):
            raise SystemExit(f"benchmark: the server answered {header!r}")
        if attempt:
            times.append(elapsed)
    return statistics.median(times)


def make_fixable(paths: list, share: float, seed: int = 5) -> int:
    """Give a share of the files findings that safe fixes repair: a typo'd key (`parent:`), a
    cron alias, an http method in capitals."""
    rng = random.Random(seed)
    chosen = [path for path in paths if rng.random() < share]
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        text = text.replace("    parents:", "    parent:", 1).replace('cron: "0 2 * * *"', 'cron: "@daily"', 1)
        path.write_text(text.replace("method: get", "method: GET", 1), encoding="utf-8")
    return len(chosen)


def fix_ratio(root: Path, files: int, repeats: int, share: float) -> tuple[float, float, int, int]:
    from blocklint import runner
    from blocklint.fixing import FixSummary, fix_result
    from blocklint.plan import Overrides, Planner

    source = root / "source"
    paths = corpus.corpus(source, files)
    fixable = make_fixable(paths, share)
    check_times, fix_times, fixed = [], [], 0
    for attempt in range(repeats + 1):
        work = root / f"run-{attempt}"
        shutil.copytree(source, work)
        planner = Planner(Overrides(isolated=True, registry=False), start=work)
        targets = runner.discover([str(work)], planner.default)
        start = time.perf_counter()
        results = list(runner.check_all(targets, planner.for_path, jobs=1))
        checked = time.perf_counter() - start
        summary = FixSummary()
        for result in results:  # as `check --fix` does, result by result
            fix_result(result, planner.for_path(result.path), summary=summary)
        both = time.perf_counter() - start
        fixed = summary.fixed
        shutil.rmtree(work)
        if attempt:
            check_times.append(checked)
            fix_times.append(both)
    return statistics.median(check_times), statistics.median(fix_times), fixable, fixed


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 files, few repeats")
    args = parser.parse_args()
    files, repeats = (100, 3) if args.quick else (1000, 3)
    with tempfile.TemporaryDirectory(prefix="blocklint-editor-") as directory:
        root = Path(directory)
        diagnostics, completion, lines = diagnostics_and_completion(root / "editor", 5 if args.quick else 30)
        started = startup(3 if args.quick else 7)
        ratios = [(share, *fix_ratio(root / f"corpus-{share}", files, 1 if args.quick else repeats, share))
                  for share in (0.0, 0.2)]
    print("## editor")
    print(f"diagnostics after a change ({lines}-line spec, median, in-process): {diagnostics * 1000:7.1f} ms")
    print(f"completion of a parent (median, in-process):                  {completion * 1000:7.2f} ms")
    print(f"server start-up to its initialize response (median):          {started * 1000:7.1f} ms")
    for share, check, check_fix, fixable, fixed in ratios:
        print(f"{files} files, {fixable} fixable ({share:.0%}): check {check:6.2f} s, check then fix "
              f"{check_fix:6.2f} s ({fixed} fixes applied): {check_fix / check:.2f}x")
    ratio = max(check_fix / check for _, check, check_fix, _, _ in ratios)
    print("## targets")
    print(f"{verdict(diagnostics <= TARGETS['diagnostics'])} diagnostics <= 50 ms")
    print(f"{verdict(completion <= TARGETS['completion'])} completion <= 20 ms")
    print(f"{verdict(started <= TARGETS['startup'])} start-up <= 300 ms")
    print(f"{verdict(ratio <= TARGETS['fix_ratio'])} check --fix <= 1.3x check")


if __name__ == "__main__":
    main()
