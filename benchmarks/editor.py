"""The editor loop's speed: `blocklint lsp` latencies and `check --fix` against `check`.

    python benchmarks/editor.py            # full run (a 1,000-file corpus)
    python benchmarks/editor.py --quick    # a smoke run (100 files, fewer repeats)

Every figure is CPU time (user + system, of the process or processes concerned), which other
work on a shared machine changes far less than wall time. Prints, with a PASS/MISS verdict
against the targets:
- diagnostics for a ~300-line workflow spec after a change (median, in-process: load, every
  rule, fixes attached, LSP diagnostics built): target 50 ms;
- completion of a parent name (median, in-process, as the server answers while typing): 20 ms;
- the server's start-up: `python -m blocklint lsp` started until its `initialize` response (the
  server's CPU time then), against importing pygls: at most 100 ms more (the interpreter and
  the command line; what the first lint needs is imported after the answer);
- first diagnostics: the server started, `initialize` answered, a ~300-line spec opened, until
  its diagnostics arrive (the server's CPU time then), against importing pygls (in a new
  process) plus one cold `blocklint check` of the file (a new process): at most 0.3 s more;
- an edit on a 10,000-step workflow (about 95,000 lines), analysed as the server does, against
  `check` of the same file (both in-process, warm): at most 1.5x;
- fixing the 1,000-file corpus in-process, as generated (valid) and with a fifth of its files
  given fixable findings: check and then fix (read again, fix, re-lint, write) against check
  alone: at most 1.3x.
Start-up and first diagnostics are measured in rounds with their references (pygls import,
cold check), and each difference is taken within its round, then the median of those.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # a sibling module, not an installed package  # noqa: E402

TARGETS = {"diagnostics": 0.050, "completion": 0.020, "startup_over": 0.100, "fix_ratio": 1.3,
           "first_diagnostics_over": 0.300, "big_edit_ratio": 1.5}


def median_time(func, repeats: int) -> float:
    """The median CPU time of `func` in this process, after one untimed warm-up."""
    func()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return statistics.median(times)


def cpu_of(pid: int) -> float:
    """The CPU time (user + system, all threads) a running process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


def startup() -> float:
    """The server's CPU time from its start to its initialize response."""
    body = json.dumps(INITIALIZE).encode()
    server = subprocess.Popen([sys.executable, "-m", "blocklint", "lsp"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()
    header = server.stdout.readline()
    elapsed = cpu_of(server.pid)
    server.kill()
    server.wait()
    if not header.startswith(b"Content-Length"):
        raise SystemExit(f"benchmark: the server answered {header!r}")
    return elapsed


def server_rounds(root: Path, rounds: int) -> dict:
    """Start-up and first diagnostics against their references, in rounds (each measures all
    four, after one untimed round), so that both sides of a difference saw the same moment of
    a shared machine: figure -> [one value per round]."""
    root.mkdir()
    corpus.write_artifact(root)
    text = spec_of_about(300)
    figures: dict = {"startup": [], "first": [], "imported": [], "checked": []}
    for attempt in range(rounds + 1):
        imported, checked = pygls_and_check(root, text)
        values = {"imported": imported, "checked": checked, "startup": startup(),
                  "first": first_diagnostics(root, text)}
        for name, value in values.items():
            if attempt:
                figures[name].append(value)
    return figures


def spread(values: list, scale: float = 1000, digits: int = 0) -> str:
    """`median (min-max)`, in ms by default."""
    low, middle, high = (f"{value * scale:.{digits}f}"
                         for value in (min(values), statistics.median(values), max(values)))
    return f"{middle} ({low}-{high})"


class RawClient:
    """A minimal LSP client over the server's pipes, for timing from the process's start."""

    def __init__(self, cwd: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "blocklint", "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict:
        length = 0
        while (line := self.process.stdout.readline().strip()):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        if not length:
            raise SystemExit("benchmark: the server closed its output")
        return json.loads(self.process.stdout.read(length))

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def first_diagnostics(root: Path, text: str) -> float:
    """The server's CPU time from its start to its first diagnostics of a document the editor
    opens as soon as the server has answered `initialize` (as editors do)."""
    path = root / "first.yaml"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client = RawClient(root)
    try:
        client.send({"id": 1, "method": "initialize",
                     "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}})
        while client.receive().get("id") != 1:
            pass
        client.send({"method": "initialized", "params": {}})
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
        while True:
            message = client.receive()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return cpu_of(client.process.pid)
    finally:
        client.close()


def pygls_and_check(root: Path, text: str) -> tuple[float, float]:
    """What the first diagnostics cannot beat: importing pygls (in a new process) and one cold
    `blocklint check` of the file (a new process, no cache), both in CPU time."""
    path = root / "first.yaml"
    path.write_text(text, encoding="utf-8")
    imported = subprocess.run([sys.executable, "-c", "import time; start = time.process_time(); "
                               "import pygls.lsp.server, lsprotocol.types; print(time.process_time() - start)"],
                              capture_output=True, text=True, check=True)
    before = children_cpu()
    subprocess.run([sys.executable, "-m", "blocklint", "check", "--no-cache", "--isolated", str(path)], cwd=root,
                   capture_output=True)
    return float(imported.stdout), children_cpu() - before


def big_edit(root: Path, steps: int, repeats: int) -> tuple[list, list, int]:
    """An edit on a workflow of `steps` steps, analysed as the server does (in-process), against
    `check` of the same file in-process (both warm: plan and rules built), taking turns: the
    CPU times of each, one per round."""
    from blocklint import runner, walk
    from blocklint.lsp import features
    from blocklint.lsp.session import Session
    from blocklint.plan import Overrides, Planner

    corpus.write_artifact(root)
    text = corpus.workflow_spec(1, random.Random(3), steps=steps)
    path = root / "big.yaml"
    path.write_text(text, encoding="utf-8")
    planner = Planner(Overrides(isolated=True, registry=False), start=root)
    target = next(iter(walk.discover([str(path)], planner.default)))
    session = Session(Overrides(isolated=True, registry=False), root=str(root))
    edits = iter(range(10**9))

    def edit():
        changed = text.replace("notes: Generated release.", f"notes: Generated release {next(edits)}.")
        analysis = session.analyze(path.as_uri(), str(path), changed)
        features.diagnostics(analysis, features.Positions(changed))

    def check():
        runner.check_target(target, planner.for_path(str(path)))

    check_times, edit_times = [], []
    for attempt in range(repeats + 1):
        for work, times in ((check, check_times), (edit, edit_times)):
            start = time.process_time()
            work()
            if attempt:
                times.append(time.process_time() - start)
    return check_times, edit_times, text.count("\n")


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
    from blocklint import runner, walk
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
        targets = walk.discover([str(work)], planner.default)
        start = time.process_time()
        results = list(runner.check_all(targets, planner.for_path, jobs=1))
        checked = time.process_time() - start
        summary = FixSummary()
        for result in results:  # as `check --fix` does, result by result
            fix_result(result, planner.for_path(result.path), summary=summary)
        both = time.process_time() - start
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
        rounds = server_rounds(root / "first", 3 if args.quick else 9)
        (root / "big").mkdir()
        big_check, big_analysis, big_lines = big_edit(root / "big", 2_000 if args.quick else 10_000,
                                                      1 if args.quick else 5)
        ratios = [(share, *fix_ratio(root / f"corpus-{share}", files, 1 if args.quick else repeats, share))
                  for share in (0.0, 0.2)]
    print("## editor (CPU time)")
    print(f"diagnostics after a change ({lines}-line spec, median, in-process): {diagnostics * 1000:7.1f} ms")
    print(f"completion of a parent (median, in-process):                  {completion * 1000:7.2f} ms")
    over_startup = [started - imported for started, imported in zip(rounds["startup"], rounds["imported"])]
    over_first = [first - imported - checked
                  for first, imported, checked in zip(rounds["first"], rounds["imported"], rounds["checked"])]
    print(f"pygls import, in a new process (median (min-max)):             {spread(rounds['imported'])} ms")
    print(f"a cold check of the ~300-line spec, a new process:             {spread(rounds['checked'])} ms")
    print(f"server start-up to its initialize response:                    {spread(rounds['startup'])} ms, "
          f"over the pygls import of its round {spread(over_startup)} ms")
    print(f"first diagnostics from the server's start:                     {spread(rounds['first'])} ms, "
          f"over pygls import + check of its round {spread(over_first)} ms")
    big_ratios = [edit / check for edit, check in zip(big_analysis, big_check)]
    print(f"an edit on a {big_lines}-line workflow: analysis {spread(big_analysis, 1, 2)} s, check "
          f"{spread(big_check, 1, 2)} s: {statistics.median(big_ratios):.2f}x "
          f"({min(big_ratios):.2f}-{max(big_ratios):.2f})")
    for share, check, check_fix, fixable, fixed in ratios:
        print(f"{files} files, {fixable} fixable ({share:.0%}): check {check:6.2f} s, check then fix "
              f"{check_fix:6.2f} s ({fixed} fixes applied): {check_fix / check:.2f}x")
    ratio = max(check_fix / check for _, check, check_fix, _, _ in ratios)
    print("## targets")
    print(f"{verdict(diagnostics <= TARGETS['diagnostics'])} diagnostics <= 50 ms")
    print(f"{verdict(completion <= TARGETS['completion'])} completion <= 20 ms")
    print(f"{verdict(statistics.median(over_startup) <= TARGETS['startup_over'])} start-up <= pygls import + 100 ms")
    print(f"{verdict(ratio <= TARGETS['fix_ratio'])} check --fix <= 1.3x check")
    print(f"{verdict(statistics.median(over_first) <= TARGETS['first_diagnostics_over'])} first diagnostics "
          "<= pygls import + check + 300 ms")
    print(f"{verdict(statistics.median(big_ratios) <= TARGETS['big_edit_ratio'])} an edit on a 10,000-step workflow "
          "<= 1.5x check")


if __name__ == "__main__":
    main()
