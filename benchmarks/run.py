"""blocklint's speed against its peers, measured side by side in one run.

    python benchmarks/run.py            # the full run (about 3 minutes on 2 cores)
    python benchmarks/run.py --quick    # a smoke run with small counts (seconds; numbers meaningless)
    python benchmarks/run.py --profile  # where the in-process time goes (cProfile, top 25 cumulative)

The corpora are generated in a temporary directory (see corpus.py) and checked to be valid
(blocklint finds no error in any file) before anything is timed. Every figure is a median over
repeats; every comparison is a ratio of two figures measured in this same run. Subprocess
timings are wall times of the whole command, start-up included, as a pre-commit hook or CI sees
them. The peers are yamllint and check-jsonschema (run with blocklint's own JSON Schema of the
kind, `blocklint schema block-spec`); if the ones installed next to this Python are missing or
broken, the script installs them once into a venv of their own under ~/.cache/blocklint-bench
(`--no-install` skips that, and their comparisons print n/a).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # a sibling module, not an installed package

PEER_VENV = Path(os.environ.get("BLOCKLINT_BENCH_PEERS", Path.home() / ".cache" / "blocklint-bench" / "peers"))
TARGET_START_OVER_PYTHON = 0.200
TARGET_START_VS_CHECK_JSONSCHEMA = 2.0
TARGET_THROUGHPUT_VS_CHECK_JSONSCHEMA = 5.0
TARGET_TOTAL_OVER_PARSE = 2.0
TARGET_BIG_WORKFLOW = 2.0


# --- measuring ---------------------------------------------------------------------------


def wall(command: list[str], repeats: int, *, cwd: Path, expect=(0,)) -> float:
    """Median wall time of a command, after one untimed warm-up run (page cache, .pyc files)."""
    times = []
    for attempt in range(repeats + 1):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode not in expect:
            raise SystemExit(f"benchmark: {' '.join(command[:3])} ... exited {done.returncode}:\n"
                             f"{done.stdout.decode()[-2000:]}{done.stderr.decode()[-2000:]}")
        if attempt:
            times.append(elapsed)
    return statistics.median(times)


def in_process(func, items, repeats: int) -> float:
    """Median over repeats of the time `func` takes over all items, per item."""
    func(items[0])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            func(item)
        times.append((time.perf_counter() - start) / len(items))
    return statistics.median(times)


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:9.1f} ms"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


# --- tools -------------------------------------------------------------------------------


def _works(executable: Path | str | None) -> bool:
    if not executable:
        return False
    try:
        return subprocess.run([str(executable), "--version"], capture_output=True, timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_tool(name: str, *, install: bool) -> str | None:
    """The peer next to this Python if it runs, else one in the benchmark's own venv."""
    here = Path(sys.executable).parent / name
    for candidate in (here, shutil.which(name), PEER_VENV / "bin" / name):
        if candidate and _works(candidate):
            return str(candidate)
    if not install:
        return None
    print(f"  ({name} is missing or broken here; installing it into {PEER_VENV})", flush=True)
    if not (PEER_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", name], check=False)
    installed = PEER_VENV / "bin" / name
    return str(installed) if _works(installed) else None


def blocklint_command() -> list[str]:
    script = Path(sys.executable).parent / "blocklint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "blocklint"]


# --- in-process blocklint ----------------------------------------------------------------


def make_checker():
    """A function that checks one file in-process: load + all rules, as `blocklint check` does."""
    from blocklint import runner
    from blocklint.plan import Overrides, build_plan

    plan = build_plan(Overrides(isolated=True, registry=False))

    def check(path: Path):
        return runner.check_target(runner.Target(str(path), True), plan)

    return check


def load_only(path: Path):
    from blocklint.load import load_path

    return load_path(path)


def pyyaml_compose(path: Path):
    import yaml

    return yaml.compose(path.read_text(), Loader=yaml.CSafeLoader)


def ruamel_compose(path: Path):
    from ruamel.yaml.cyaml import CSafeLoader

    return CSafeLoader(path.read_text()).get_single_node()


def ruamel_events(path: Path):
    from _ruamel_yaml import CParser
    from ruamel.yaml.events import StreamEndEvent

    parser = CParser(path.read_text())
    while not isinstance(parser.get_event(), StreamEndEvent):
        pass


def assert_valid(paths: list[Path], cwd: Path) -> int:
    """The corpora must lint clean of errors, or the comparison measures error reporting.

    Returns the number of warnings (none when written; a new rule may add some).
    """
    check = make_checker()
    previous = os.getcwd()
    os.chdir(cwd)
    warnings = 0
    try:
        for path in paths:
            result = check(path)
            errors = [f for f in result.findings if f.severity == "error"]
            assert not result.skipped and not errors, f"generated {path.name} is not valid: {errors[:3]}"
            warnings += sum(f.severity == "warning" for f in result.findings)
    finally:
        os.chdir(previous)
    return warnings


# --- the run -----------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run, not a measurement")
    parser.add_argument("--profile", action="store_true", help="print where the in-process time goes, then stop")
    parser.add_argument("--no-install", action="store_true", help="never install missing peers")
    parser.add_argument("--keep", metavar="DIR", help="generate the corpora here and keep them")
    options = parser.parse_args(argv)

    quick = options.quick
    files = 20 if quick else 1000
    steps = 500 if quick else 10_000
    start_repeats, bulk_repeats, process_repeats = (2, 1, 2) if quick else (15, 3, 5)
    overhead_files = 10 if quick else 300
    scale_counts = (1, 10) if quick else (1, 10, 100, 1000)

    root = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="blocklint-bench-"))
    try:
        return _run(root, options, quick=quick, files=files, steps=steps, start_repeats=start_repeats,
                    bulk_repeats=bulk_repeats, process_repeats=process_repeats,
                    overhead_files=overhead_files, scale_counts=scale_counts)
    finally:
        if not options.keep:
            shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, options, *, quick, files, steps, start_repeats, bulk_repeats, process_repeats,
         overhead_files, scale_counts) -> int:
    import platform

    print(f"blocklint benchmarks{' (--quick: small counts, the numbers mean nothing)' if quick else ''}")
    print(f"  {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; corpora in {root}")
    specs_dir = root / "specs"
    paths = corpus.corpus(specs_dir, files)
    big = corpus.big_workflow(root / "big", steps)
    lines = sorted(len(p.read_text().splitlines()) for p in paths)
    print(f"  corpus: {len(paths)} block specs (3 workflows : 1 service), {lines[0]}-{lines[-1]} lines, "
          f"median {statistics.median(lines):.0f}; one workflow of {steps:,} steps "
          f"({len(big.read_text().splitlines()):,} lines, {big.stat().st_size / 2**20:.1f} MiB)")
    warnings = assert_valid(paths, specs_dir) + assert_valid([big], big.parent)
    print(f"  every generated file lints clean of errors (asserted); {warnings} warnings")
    one = min(paths[::4], key=lambda p: abs(len(p.read_text().splitlines()) - 180))

    if options.profile:
        return profile(paths[:overhead_files], big, specs_dir)

    install = not options.no_install and not quick
    yamllint = find_tool("yamllint", install=install)
    check_jsonschema = find_tool("check-jsonschema", install=install)
    blocklint = blocklint_command()
    schema = root / "block-spec.schema.json"
    schema.write_text(subprocess.run([*blocklint, "schema", "block-spec"], check=True, capture_output=True,
                                     text=True).stdout)
    results: dict[str, float | None] = {}

    print(f"\n## cold start: one spec ({len(one.read_text().splitlines())} lines), median of {start_repeats} runs")
    results["python"] = wall([sys.executable, "-c", "pass"], start_repeats, cwd=specs_dir)
    results["start"] = wall([*blocklint, "check", one.name], start_repeats, cwd=specs_dir)
    # yamllint's default style flags long lines (exit 1); its verdict is not what is timed.
    results["yamllint"] = wall([yamllint, one.name], start_repeats, cwd=specs_dir, expect=(0, 1)) if yamllint else None
    results["cjs_one"] = (wall([check_jsonschema, "--schemafile", str(schema), one.name], start_repeats,
                               cwd=specs_dir) if check_jsonschema else None)
    print(f"  python -c pass            {ms(results['python'])}")
    print(f"  blocklint check           {ms(results['start'])}   python + {ms(results['start'] - results['python']).strip()}")
    print(f"  yamllint                  {ms(results['yamllint'])}")
    print(f"  check-jsonschema          {ms(results['cjs_one'])}   "
          f"blocklint is {_x(ratio(results['cjs_one'], results['start']))} faster")

    print(f"\n## throughput: {len(paths):,} files, median of {bulk_repeats} runs")
    results["bulk"] = wall([*blocklint, "check", "."], bulk_repeats, cwd=specs_dir)
    results["cjs_bulk"] = (wall([check_jsonschema, "--schemafile", str(schema), *[p.name for p in paths]],
                                bulk_repeats, cwd=specs_dir) if check_jsonschema else None)
    print(f"  blocklint check DIR (all rules)          {ms(results['bulk'])}   "
          f"{ms(results['bulk'] / len(paths)).strip()} per file")
    if results["cjs_bulk"] is not None:
        print(f"  check-jsonschema --schemafile (schema)   {ms(results['cjs_bulk'])}   "
              f"{ms(results['cjs_bulk'] / len(paths)).strip()} per file")
    else:
        print("  check-jsonschema --schemafile (schema)   n/a")
    print(f"  ratio: blocklint is {_x(ratio(results['cjs_bulk'], results['bulk']))} faster")

    sample = paths[:overhead_files]
    print(f"\n## overhead over parsing: in-process, per file, {len(sample)} files, median of {process_repeats}")
    previous = os.getcwd()
    os.chdir(specs_dir)
    try:
        check = make_checker()
        results["total"] = in_process(check, sample, process_repeats)
        results["load"] = in_process(load_only, sample, process_repeats)
    finally:
        os.chdir(previous)
    results["compose"] = in_process(pyyaml_compose, sample, process_repeats)
    results["ruamel_compose"] = in_process(ruamel_compose, sample, process_repeats)
    results["events"] = in_process(ruamel_events, sample, process_repeats)
    print(f"  blocklint total (load + all rules)        {ms(results['total'])}")
    print(f"    of which load (parse + spans)           {ms(results['load'])}")
    print(f"  PyYAML compose, CSafeLoader (nodes+marks) {ms(results['compose'])}   "
          f"blocklint total / this = {_r(ratio(results['total'], results['compose']))}")
    print(f"  ruamel.yaml C compose (nodes+marks)       {ms(results['ruamel_compose'])}   "
          f"blocklint total / this = {_r(ratio(results['total'], results['ruamel_compose']))}")
    print(f"  ruamel.yaml C parser, events only         {ms(results['events'])}   "
          f"blocklint total / this = {_r(ratio(results['total'], results['events']))}")

    print(f"\n## scaling: one workflow of {steps:,} steps; then 1..{scale_counts[-1]:,} files")
    results["big"] = wall([*blocklint, "check", big.name], bulk_repeats, cwd=big.parent)
    os.chdir(big.parent)
    try:
        big_in_process = in_process(check, [big], bulk_repeats)
        big_load = in_process(load_only, [big], bulk_repeats)
    finally:
        os.chdir(previous)
    print(f"  {steps:,}-step workflow: blocklint check {ms(results['big'])} wall "
          f"(in-process {ms(big_in_process).strip()}, of which load {ms(big_load).strip()})")
    print("  files     wall total   wall per file   in-process per file")
    per_file = {}
    for count in scale_counts:
        directory = root / f"scale-{count}"
        directory.mkdir()
        corpus.write_artifact(directory)
        for path in paths[:count]:
            os.link(path, directory / path.name)
        total = wall([*blocklint, "check", "."], bulk_repeats, cwd=directory)
        os.chdir(directory)
        try:
            per_file[count] = in_process(check, sorted(directory.glob("*.yaml")), bulk_repeats)
        finally:
            os.chdir(previous)
        print(f"  {count:5,}  {ms(total)}    {ms(total / count)}       {ms(per_file[count])}")
    if len(scale_counts) > 1:
        flat = ratio(per_file[scale_counts[-1]], per_file[scale_counts[1]])
        print(f"  in-process per file at {scale_counts[-1]:,} files / at {scale_counts[1]:,} files = {_r(flat)} "
              "(1.0 is linear growth)")

    print("\n## targets")
    over_python = results["start"] - results["python"]
    start_ratio = ratio(results["cjs_one"], results["start"])
    bulk_ratio = ratio(results["cjs_bulk"], results["bulk"])
    total_ratio = ratio(results["total"], results["compose"])
    rows = [
        ("cold start <= python + 200 ms", f"python + {over_python * 1000:.0f} ms",
         over_python <= TARGET_START_OVER_PYTHON),
        ("cold start >= 2x faster than check-jsonschema", _x(start_ratio),
         None if start_ratio is None else start_ratio >= TARGET_START_VS_CHECK_JSONSCHEMA),
        ("throughput >= 5x check-jsonschema (1,000 files)" if not quick else "throughput >= 5x check-jsonschema",
         _x(bulk_ratio), None if bulk_ratio is None else bulk_ratio >= TARGET_THROUGHPUT_VS_CHECK_JSONSCHEMA),
        ("total <= 2x parse-only (PyYAML compose)", _r(total_ratio), total_ratio <= TARGET_TOTAL_OVER_PARSE),
        (f"{steps:,}-step workflow < 2 s", ms(results["big"]).strip(), results["big"] < TARGET_BIG_WORKFLOW),
    ]
    for name, value, ok in rows:
        print(f"  {verdict(ok)}  {name:<50} {value}")
    return 0


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def _r(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def profile(paths: list[Path], big: Path, specs_dir: Path) -> int:
    """cProfile of the in-process run: the corpus sample, then the big workflow."""
    previous = os.getcwd()
    for title, items, cwd in ((f"{len(paths)} typical specs", paths, specs_dir), (big.name, [big], big.parent)):
        os.chdir(cwd)
        try:
            check = make_checker()
            check(items[0])
            profiler = cProfile.Profile()
            profiler.enable()
            for item in items:
                check(item)
            profiler.disable()
        finally:
            os.chdir(previous)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(25)
        print(f"\n## profile: {title}, in-process (load + all rules), top 25 by cumulative time")
        print(_trim(out.getvalue()))
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(f"## profile: {title}, top 15 by own time")
        print(_trim(out.getvalue()))
    return 0


def _trim(report: str) -> str:
    """pstats output without its preamble, with site-packages paths shortened."""
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    prefix = str(Path(sys.executable).parent.parent)
    root = str(Path(__file__).resolve().parent.parent)
    return "\n".join(line.replace(prefix + "/lib/python3.11/site-packages/", "").replace(root + "/", "")
                     for line in lines[start:] if line.strip())


if __name__ == "__main__":
    sys.exit(main())
