"""Does any rule cost more than linear time in the size of a workflow? Every rule, alone, on
workflows of N and 4N steps (default 1,000 and 4,000), in six shapes: plain steps, with parents,
with parents and execution conditions, with watchers, with parameters, and all of these.

    python benchmarks/superlinear.py                  # 1,000 and 4,000 steps (a few minutes)
    python benchmarks/superlinear.py --steps 20       # a smoke run (20 and 80 steps; seconds)

For each rule and shape it prints the CPU time of checking the loaded document with that rule
alone (its fixtures included: a fixture's cost is its rules'), the least of `--repeats` runs
(each of enough calls to last CALIBRATION seconds on the smaller document, the collector paused
as the runner pauses it), and the ratio of 4N to N. Linear work gives about 4; the target is at most 5 (TARGET_RATIO).
A ratio is only read where the larger run takes at least FLOOR seconds: below it, timer noise
is the larger part, and such a rule costs little whatever its curve. The load itself (parsing,
spans) is a row of its own. CPU time, not wall time: other tenants of a busy machine change it
far less. Exit status 1 when a ratio misses the target (only with --strict).

The generated workflows are checked first: a shape must give no more findings than the caps
allow, or the caps (not the rules) would decide the time.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # a sibling module, not an installed package  # noqa: E402

TARGET_RATIO = 5.0
FLOOR = 0.010  # seconds of CPU for the larger run, below which a ratio is not read
CALIBRATION = 0.05  # seconds of CPU a timed run of the smaller document lasts, at the least
SHAPES = {
    "plain": {},
    "parents": {"parents": True},
    "conditions": {"parents": True, "conditions": True},
    "watchers": {"watchers": True},
    "parameters": {"parameters": True},
    "all": {"parents": True, "conditions": True, "watchers": True, "parameters": True},
}


def workflow(steps: int, *, parents=False, conditions=False, watchers=False, parameters=False) -> str:
    """A valid workflow of `steps` standard steps in the given shape."""
    lines = ["body:", "  version: 1", "  kind: workflow", "  metadata:", "    name: scaled", "    title: Scaled",
             "    summary: A workflow of many steps.", "  release:", '    version: "1.0.0"', "  config:",
             "    triggers:", '      - cron: "0 2 * * *"', "    images:", "      image0:", '        context: "."',
             "        dockerfile: Dockerfile", '        version: "0.1.0"']
    if watchers:
        lines.append("    watchers:")
        for n in range(steps // 4):
            kind = n % 3
            if kind == 0:
                lines += [f"      - user: owner{n}@example.com", "        events:", "          fail: true"]
            elif kind == 1:
                lines += ["      - webhook:", f"          name: hook{n}", f"          url: https://example.com/{n}",
                          f"          payload: '{{\"n\": {n}}}'",
                          "        events:", "          success: true"]
            else:
                lines += ["      - email:", f"          name: mail{n}", "          recipients:", "            to:",
                          f"              - team{n}@example.com", "        events:", "          runtimeExceeded: 10"]
    lines.append("    steps:")
    for n in range(steps):
        command = f'"@param:p{n // 2}"' if parameters else f"python main.py --part {n}"
        lines += [f"      step{n}:", "        type: standard", "        imageRef: image0",
                  f"        command: {command}",
                  "        resources:", "          instanceTypeId: 21", "          storage: 10GB"]
        named = sorted({n - 1, max(0, n - 6)}) if parents and n else []
        if named:
            lines += ["        parents:", *(f"          - step{p}" for p in named)]
        if conditions:
            lines += ["        outputParameters:", "          OUT: out.txt"]
            if named:
                lines += ["        executionParameters:", "          conditional:",
                          "            - condition: equals", "              paramName: OUT",
                          f"              stepName: step{named[-1]}", "              value: done",
                          "          parentStatus:", "            - condition: all-of", "              parents:",
                          *(f"                - step{p}" for p in named), "              status:",
                          "                - success"]
        if parameters:
            lines += ["        parameters:", "          env:", f'            PART: "@param:p{n // 2}"']
    lines += ["artifact:", f"  path: {corpus.ARTIFACT_DIR}", "  ignore_files:", "    - .dockerignore"]
    if parameters:
        lines += ["parameters:", "  build:"]
        for n in range((steps + 1) // 2):
            lines += [f"    - name: p{n}", "      type: string", "      required: false",
                      f"      defaultValue: value{n}"]
    return "\n".join(lines) + "\n"


def cpu(work, repeats: int, number: int = 1) -> float:
    """The least CPU time of `repeats` runs of `number` calls of `work`, per call; with the cyclic
    collector paused, as the runner checks a file (`runner.paused_collection`): else its passes
    over the whole document, more of them the more a rule allocates, would be counted as the
    rule's."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            for _ in range(number):
                work()
            best = min(best, (time.process_time() - started) / number)
        finally:
            gc.enable()
    return best


def calls_for(work, calibration: float) -> int:
    """How many calls of `work` make a run of about `calibration` seconds: short runs are mostly
    the timer's noise. Found on the smaller document, and kept for the larger."""
    if calibration <= 0:
        return 1
    once = max(cpu(work, 1), 1e-6)
    return max(1, min(1_000, round(calibration / once)))


def measure(steps: int, repeats: int, only: set | None = None, calibration: float = CALIBRATION) -> dict:
    """{(shape, rule id or "load"): (seconds at N, seconds at 4N)}."""
    from blocklint.plan import Overrides, Planner

    times: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".blocklint.toml").write_text("")
        corpus.write_artifact(root)
        previous = os.getcwd()
        os.chdir(root)
        try:
            base = Planner(Overrides(verbose=True, registry=False))
            rule_ids = sorted(found.id for found in base.default.available if only is None or found.id in only)
            for shape, options in SHAPES.items():
                paths = []
                for size in (steps, 4 * steps):
                    paths.append(root / f"{shape}-{size}.yaml")
                    paths[-1].write_text(workflow(size, **options))
                loads, docs = _loaded(base, paths, shape)
                times[(shape, "load")] = _paired(loads, repeats, calibration)
                for rule_id in rule_ids:
                    alone = Planner(Overrides(verbose=True, registry=False, select=(rule_id,)))
                    checks = [(lambda engine=alone.for_path(str(path)).engine, doc=doc: engine.check(doc))
                              for path, doc in zip(paths, docs)]
                    times[(shape, rule_id)] = _paired(checks, repeats, calibration)
        finally:
            os.chdir(previous)
    return times


def _loaded(base, paths, shape) -> tuple[list, list]:
    """The loads of both documents (to time), the documents, each checked to be clean: a shape
    with more findings than the caps would measure the caps, not the rules."""
    from blocklint.engine.api import MAX_FINDINGS_PER_RULE
    from blocklint.runner import Target, load_target

    loads, docs = [], []
    for path in paths:
        plan = base.for_path(str(path))
        loads.append(lambda target=Target(str(path), True), settings=plan.load: load_target(target, settings))
        docs.append(loads[-1]())
        findings = plan.engine.check(docs[-1])
        errors = sorted({f.rule for f in findings if f.severity == "error"})
        if errors:
            print(f"warning: shape {shape} at {path.stem} has errors {errors}", file=sys.stderr)
        assert len(findings) < MAX_FINDINGS_PER_RULE, f"{shape}: {len(findings)} findings"
    return loads, docs


def _paired(works: list, repeats: int, calibration: float) -> tuple[float, float]:
    """The least per-call CPU time of the smaller and the larger run, measured in turns (small,
    large, small, ...) so that both see the same load of the machine."""
    number = calls_for(works[0], calibration)
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for index, work in enumerate(works):
            best[index] = min(best[index], cpu(work, 1, number))
    return best[0], best[1]


def report(times: dict, steps: int) -> float:
    """Print the table; the worst ratio read (0 when none could be)."""
    print(f"CPU seconds of one check, the rule alone, least of the repeats: {steps:,} and {4 * steps:,} steps")
    print(f"{'shape':<11} {'rule':<6} {steps:>10,} {4 * steps:>10,}  ratio")
    worst, rows = 0.0, []
    for (shape, rule_id), (small, large) in times.items():
        ratio = large / small if large >= FLOOR and small > 0 else None
        rows.append((ratio or 0, shape, rule_id, small, large, ratio))
        worst = max(worst, ratio or 0)
    for _, shape, rule_id, small, large, ratio in sorted(rows, reverse=True):
        shown = f"{ratio:5.1f}" if ratio is not None else "    -"
        flag = "  MISS" if ratio is not None and ratio > TARGET_RATIO else ""
        print(f"{shape:<11} {rule_id:<6} {small:10.4f} {large:10.4f}  {shown}{flag}")
    read = sum(1 for row in rows if row[5] is not None)
    print(f"\n{read} of {len(rows)} ratios read (the larger run at least {FLOOR * 1000:.0f} ms); "
          f"worst ratio {worst:.1f} (target at most {TARGET_RATIO:.0f})")
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1_000, help="N: workflows of N and 4N steps (default 1,000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement; the least counts")
    parser.add_argument("--rules", help="only these rule ids, comma-separated")
    parser.add_argument("--calibration", type=float, default=CALIBRATION,
                        help=f"least seconds of a timed run of the smaller document (default {CALIBRATION}; 0: one call)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a ratio misses the target")
    args = parser.parse_args(argv)
    only = set(args.rules.split(",")) if args.rules else None
    worst = report(measure(args.steps, args.repeats, only, args.calibration), args.steps)
    return 1 if args.strict and worst > TARGET_RATIO else 0


if __name__ == "__main__":
    sys.exit(main())
