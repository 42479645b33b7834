"""What following references costs (issue targets: at most 10 % on the 1,000-file corpus; one
staged deployment in a project of 10,000 documents in under 0.5 s of CPU beyond start-up).

    python benchmarks/references.py [--quick]

In-process CPU time (`time.process_time`), interleaved passes, `median (min-max)`:

- the 1,000-file corpus (`corpus.py`), and the same corpus with a deployment next to every
  fourth spec (half naming their spec by path, half by name) walked as `check .` walks it,
  checked with references followed (`Overrides.follow_references`, the default) and without,
  passes taking turns (with deployments, following references also means checking each
  deployment's parameters against its spec: work the run without references does not do);
- a project of 10,000 documents (the corpus ten times over, hard links) with one deployment
  staged, as pre-commit checks it (`check --skip-unknown FILE`): the CPU of planning and checking
  that one file beyond the start-up (imports and rules collected), with its spec named by path
  (nothing is walked) and by name (the project is indexed once: one bounded read per file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

DEPLOYMENT = """body:
  metadata:
    name: deployment-{index}
    title: Deployment {index}
  parameters:
    run:
      run_agg: AVG
  spec:
    id: {reference}
    release:
      version: "1.0.0"
"""


def spec_name(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.strip().startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"{path} has no name")


def with_deployments(root: Path, specs: list) -> list:
    paths = []
    for index, spec in enumerate(specs[::4]):
        reference = spec.name if index % 2 == 0 else spec_name(spec)
        path = root / f"deployment-{index:05d}.yaml"
        path.write_text(DEPLOYMENT.format(index=index, reference=reference))
        paths.append(path)
    return paths


def check_cpu(paths, *, follow: bool) -> float:
    from blocklint import runner, walk
    from blocklint.plan import Overrides, Planner

    start = time.process_time()
    planner = Planner(Overrides(registry=False, follow_references=follow))
    targets = walk.iter_targets([os.path.relpath(path) for path in paths], planner.default)
    for result in runner.check_all(targets, planner.for_path, jobs=1):
        assert not result.failed, result
    return time.process_time() - start


def shown(samples) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms ({min(samples) * 1000:.1f}-{max(samples) * 1000:.1f})"


def overhead(paths, repeats: int, label: str, *, target: bool = True) -> bool:
    """Checks of `paths` with references followed and not, interleaved: whether the first costs at
    most 10 % more (a line with no `target` only reports)."""
    check_cpu(paths[:20], follow=True)  # warm-up: imports, rules
    followed, plain = [], []
    for turn in range(repeats):
        for follow in ((True, False) if turn % 2 == 0 else (False, True)):
            (followed if follow else plain).append(check_cpu(paths, follow=follow))
    ratios = [a / b for a, b in zip(followed, plain)]
    ok = statistics.median(ratios) <= 1.10
    print(f"  {label:<44} followed {shown(followed)}  not followed {shown(plain)}  "
          f"ratio {statistics.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f})  "
          f"{('PASS' if ok else 'MISS') if target else 'no target'}")
    return ok


def staged(root: Path, deployment: Path, repeats: int, label: str, *, target: bool = True) -> bool:
    from blocklint import runner, walk
    from blocklint.plan import Overrides, Planner

    samples = []
    for _ in range(repeats):
        start = time.process_time()
        planner = Planner(Overrides(registry=False, skip_unknown=True))
        targets = walk.iter_targets([os.path.relpath(deployment)], planner.default)
        [result] = list(runner.check_all(targets, planner.for_path, jobs=1))
        samples.append(time.process_time() - start)
        assert not result.failed and result.kind == "block-deployment", result
    ok = statistics.median(samples) < 0.5
    print(f"  {label:<44} {shown(samples)}  {('PASS' if ok else 'MISS') if target else 'no target'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 and 1,000 files, 1 repeat")
    options = parser.parse_args()
    count, copies, repeats = (100, 10, 1) if options.quick else (1_000, 10, 5)
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        specs = corpus.corpus(root / "corpus", count)
        (root / "corpus" / "pyproject.toml").write_text("[tool.blocklint]\n")
        os.chdir(root / "corpus")  # artifact paths resolve against the working directory
        print(f"## following references: {count} files, {repeats} interleaved passes each (CPU)")
        ok &= overhead(specs, repeats, f"the corpus ({count} specs)")
        deployments = with_deployments(root / "corpus", specs)
        # walked as `check .` walks it: in name order, deployments before the specs they name
        # no target: following references here also checks each deployment against its spec
        overhead([root / "corpus"], repeats, f"`check .` with {len(deployments)} deployments (by path, by name)",
                 target=False)

        big = root / "big"
        for copy in range(copies):
            folder = big / f"copy-{copy:02d}"
            folder.mkdir(parents=True)
            for spec in specs:
                os.link(spec, folder / spec.name)
        (big / "pyproject.toml").write_text("[tool.blocklint]\n")
        wanted = specs[0]
        (big / "zz-staged").mkdir()
        by_path = big / "zz-staged" / "by-path.yaml"
        by_path.write_text(DEPLOYMENT.format(index=0, reference=f"../copy-00/{wanted.name}"))
        by_name = big / "zz-staged" / "by-name.yaml"
        by_name.write_text(DEPLOYMENT.format(index=1, reference=spec_name(wanted)))
        os.chdir(big)
        print(f"## one staged deployment in a project of {count * copies:,} documents (CPU beyond start-up)")
        staged(big, by_path, 1, "warm-up", target=False)
        ok &= staged(big, by_path, repeats, "spec named by path")
        ok &= staged(big, by_name, repeats, "spec named by name (the project indexed)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
