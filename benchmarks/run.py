"""blocklint's speed against its peers and against itself, measured side by side in one run.

    python benchmarks/run.py            # the full run (about 5 minutes on 2 busy cores)
    python benchmarks/run.py --quick    # a smoke run with small counts (seconds; numbers meaningless)
    python benchmarks/run.py --profile  # where the in-process time goes (cProfile, top 25 cumulative)
    python benchmarks/run.py --huge     # also 100,000 files: time and the main process's peak memory

Made to be trusted on a shared, noisy machine:

- every comparison of two commands runs them interleaved (A B, B A, A B, ...) so that both see
  the same load, and its ratio is taken per pair, then summarised;
- ratios are of CPU time (user + system of the command and every process it starts, from
  `resource.getrusage(RUSAGE_CHILDREN)`), which other tenants of the machine change far less
  than wall time; wall times are printed too;
- every figure is printed with its spread, `median (min-max)` over the repeats.

The corpora are generated in a temporary directory (see corpus.py) and checked to be valid
(blocklint finds no error in any file) before anything is timed. Commands run with bytecode
caching on (PYTHONDONTWRITEBYTECODE removed from their environment), as an installed blocklint
runs. The peers are yamllint and check-jsonschema (run with blocklint's own JSON Schema of the
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
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # a sibling module, not an installed package

HERE = Path(__file__).resolve().parent
PEER_VENV = Path(os.environ.get("BLOCKLINT_BENCH_PEERS", Path.home() / ".cache" / "blocklint-bench" / "peers"))
TARGET_START_OVER_PYTHON = 0.090
TARGET_START_VS_CHECK_JSONSCHEMA = 3.0
TARGET_THROUGHPUT_VS_CHECK_JSONSCHEMA = 8.0
TARGET_WARM_CACHE = 15.0  # on the corpus where a fifth of the files have a fixable finding
TARGET_CPU_PER_FILE = 0.0015
TARGET_TOTAL_OVER_PARSE = 3.0  # like for like: both sides with the collector paused, start-up excluded
TARGET_BIG_WORKFLOW = 1.0
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


# --- measuring ---------------------------------------------------------------------------


class Sample(list):
    """Repeated measurements of one quantity; prints as `median (min-max)`."""

    @property
    def median(self) -> float:
        return statistics.median(self)

    def ms(self) -> str:
        return f"{self.median * 1000:8.1f} ms ({min(self) * 1000:.1f}-{max(self) * 1000:.1f})"

    def x(self) -> str:
        return f"{self.median:.2f}x ({min(self):.2f}-{max(self):.2f})"


def run_once(command: list[str], *, cwd: Path, expect=(0,)) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU is user + system of the command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=ENVIRONMENT)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in expect:
        raise SystemExit(f"benchmark: {' '.join(map(str, command[:4]))} ... exited {done.returncode}:\n"
                         f"{done.stdout.decode()[-2000:]}{done.stderr.decode()[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def paired(commands: dict, repeats: int, *, cwd: Path, before_each=None) -> dict:
    """Interleaved runs: each repeat runs every command once, in an order that alternates, after
    one untimed warm-up of each (page cache, .pyc files). Returns {name: (wall Sample, CPU Sample)}.

    `commands`: name -> (command, exit codes accepted). `before_each(name)` runs untimed first.
    """
    names = list(commands)
    for name in names:
        if before_each:
            before_each(name)
        run_once(commands[name][0], cwd=cwd, expect=commands[name][1])
    found = {name: (Sample(), Sample()) for name in names}
    for repeat in range(repeats):
        for name in (names if repeat % 2 == 0 else reversed(names)):
            if before_each:
                before_each(name)
            wall_time, cpu_time = run_once(commands[name][0], cwd=cwd, expect=commands[name][1])
            found[name][0].append(wall_time)
            found[name][1].append(cpu_time)
    return found


def pair_ratio(numerator: Sample, denominator: Sample) -> Sample:
    """Ratios of paired runs (the i-th of one over the i-th of the other)."""
    return Sample(a / b for a, b in zip(numerator, denominator) if b > 0)


def pair_difference(first: Sample, second: Sample) -> Sample:
    return Sample(a - b for a, b in zip(first, second))


def in_process(func, items, repeats: int) -> Sample:
    """CPU seconds per item of `func` over all items, once per repeat (after one warm-up call)."""
    func(items[0])
    found = Sample()
    for _ in range(repeats):
        start = time.process_time()
        for item in items:
            func(item)
        found.append((time.process_time() - start) / len(items))
    return found


def in_process_paired(funcs, items, repeats: int) -> list[Sample]:
    """`in_process` for several functions, their passes interleaved (so a ratio of the i-th
    passes compares the same moment of the machine)."""
    for func in funcs:
        func(items[0])
    found = [Sample() for _ in funcs]
    for repeat in range(repeats):
        order = list(enumerate(funcs))
        for index, func in (order if repeat % 2 == 0 else reversed(order)):
            start = time.process_time()
            for item in items:
                func(item)
            found[index].append((time.process_time() - start) / len(items))
    return found


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes): printed with every section's figures."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


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


def _version() -> str:
    """blocklint's version and the commit of this checkout, when it is one."""
    from blocklint import __version__

    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                          check=False)
    return f"{__version__} at {done.stdout.strip()}" if done.returncode == 0 else __version__


def blocklint_command() -> list[str]:
    script = Path(sys.executable).parent / "blocklint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "blocklint"]


# --- in-process blocklint ----------------------------------------------------------------


def make_checker():
    """A function that checks one file in-process: load + all rules, as `blocklint check` does
    (its calls are one run: what the files share is worked out once, as `runner.check_all` does)."""
    from blocklint import runner
    from blocklint.shared import run_store
    from blocklint.plan import Overrides, build_plan

    plan = build_plan(Overrides(isolated=True, registry=False))
    shared: dict = {}

    def check(path: Path):
        with run_store(shared):
            return runner.check_target(runner.Target(str(path), True), plan)

    check.rule_count = len(plan.rules)
    return check


def collector_paused(func):
    """`func` with the cyclic garbage collector paused for each call, as blocklint pauses it for
    each file (`runner.paused_collection`): a parser compared with blocklint runs like for like."""
    from blocklint.runner import paused_collection

    def paused(path: Path):
        return paused_collection(func, path)

    return paused


def load_only(path: Path):
    """Reading and loading alone, as `check_target` does it (collection paused)."""
    from blocklint import runner
    from blocklint.load import LoadSettings

    return runner.load_target(runner.Target(str(path), True), LoadSettings())


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
    previous = os.getcwd()
    os.chdir(cwd)
    check = make_checker()  # planned where the corpus lives: that is its project
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
    parser.add_argument("--huge", action="store_true", help="also check 100,000 files (minutes; peak memory)")
    parser.add_argument("--no-install", action="store_true", help="never install missing peers")
    parser.add_argument("--keep", metavar="DIR", help="generate the corpora here and keep them")
    options = parser.parse_args(argv)

    quick = options.quick
    counts = {
        "files": 20 if quick else 1000,
        "steps": 500 if quick else 10_000,
        "start_repeats": 2 if quick else 15,
        "bulk_repeats": 1 if quick else 5,
        "process_repeats": 1 if quick else 3,
        "scale": (1, 10) if quick else (1, 10, 100, 1000),
        "workers": (4, 16) if quick else (16, 100, 256),
        "settle": 0.0 if quick else 3.5,  # seconds since a cache line's files last changed
        "huge": (200, 2000) if quick else (10_000, 100_000),
    }
    root = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="blocklint-bench-"))
    try:
        return _run(root, options, counts)
    finally:
        if not options.keep:
            shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, options, counts: dict) -> int:
    import platform

    quick = options.quick
    print(f"blocklint benchmarks{' (--quick: small counts, the numbers mean nothing)' if quick else ''}")
    print(f"  {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {load_average()}; corpora in {root}")
    specs_dir = root / "specs"
    paths = corpus.corpus(specs_dir, counts["files"])
    big = corpus.big_workflow(root / "big", counts["steps"])
    lines = sorted(len(p.read_text().splitlines()) for p in paths)
    print(f"  corpus: {len(paths)} block specs (3 workflows : 1 service), {lines[0]}-{lines[-1]} lines, "
          f"median {statistics.median(lines):.0f}; one workflow of {counts['steps']:,} steps "
          f"({len(big.read_text().splitlines()):,} lines, {big.stat().st_size / 2**20:.1f} MiB)")
    warnings = assert_valid(paths, specs_dir) + assert_valid([big], big.parent)
    print(f"  every generated file lints clean of errors (asserted); {warnings} warnings")
    rule_count = make_checker().rule_count
    print(f"  blocklint {_version()}: {rule_count} rules run on every file (the default selection)")
    one = min(paths[::4], key=lambda p: abs(len(p.read_text().splitlines()) - 180))

    if options.profile:
        return profile(paths[:300], big, specs_dir)

    install = not options.no_install and not quick
    yamllint = find_tool("yamllint", install=install)
    check_jsonschema = find_tool("check-jsonschema", install=install)
    blocklint = blocklint_command()
    schema = root / "block-spec.schema.json"
    schema.write_text(subprocess.run([*blocklint, "schema", "block-spec"], check=True, capture_output=True,
                                     text=True).stdout)
    rows = []
    # every figure but the cache's checks every file: the result cache is off (a warm cache would
    # answer the repeats of a comparison from the first run)
    cached_command, how = _cached_command(blocklint)
    check_command = [*blocklint, "check", "--no-cache"] if how == "blocklint check ." else [*blocklint, "check"]
    print(f"  commands: {' '.join(Path(part).name for part in check_command)} (the cache line: {how})")

    # -- one file, cold --
    repeats = counts["start_repeats"]
    print(f"\n## cold start: one spec ({len(one.read_text().splitlines())} lines); interleaved runs, {repeats} each; load average {load_average()}")
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], (0,)),
                "blocklint check": ([*check_command, one.name], (0,))}
    if yamllint:  # its default style flags long lines (exit 1); its verdict is not what is timed
        commands["yamllint"] = ([yamllint, one.name], (0, 1))
    if check_jsonschema:
        commands["check-jsonschema"] = ([check_jsonschema, "--schemafile", str(schema), one.name], (0,))
    start = paired(commands, repeats, cwd=specs_dir)
    _print_commands(start)
    over_python = pair_difference(start["blocklint check"][1], start["python -c pass"][1])
    print(f"  blocklint - python (CPU, per pair)        {over_python.ms()}")
    print(f"  blocklint - python (wall, per pair)       "
          f"{pair_difference(start['blocklint check'][0], start['python -c pass'][0]).ms()}")
    start_ratio = None
    if check_jsonschema:
        start_ratio = pair_ratio(start["check-jsonschema"][1], start["blocklint check"][1])
        print(f"  check-jsonschema / blocklint (CPU)        {start_ratio.x()}")
    rows.append(("one file cold <= python + 90 ms (CPU)", f"python + {over_python.median * 1000:.0f} ms",
                 over_python.median <= TARGET_START_OVER_PYTHON))
    rows.append(("one file cold >= 3x faster than check-jsonschema (CPU)",
                 start_ratio.x() if start_ratio else "n/a",
                 None if start_ratio is None else start_ratio.median >= TARGET_START_VS_CHECK_JSONSCHEMA))

    # -- throughput --
    repeats = counts["bulk_repeats"]
    print(f"\n## throughput: {len(paths):,} files; interleaved runs, {repeats} each; load average {load_average()}")
    commands = {"blocklint check DIR (all rules)": ([*check_command, "."], (0,)),
                # one process, as check-jsonschema runs: the CPU two workers add on this machine
                "blocklint check -j 1 DIR": ([*check_command, "-j", "1", "."], (0,))}
    if check_jsonschema:
        commands["check-jsonschema (schema only)"] = (
            [check_jsonschema, "--schemafile", str(schema), *[p.name for p in paths]], (0,))
    bulk = paired(commands, repeats, cwd=specs_dir)
    _print_commands(bulk, per=len(paths))
    bulk_ratio = None
    if check_jsonschema:
        bulk_ratio = pair_ratio(bulk["check-jsonschema (schema only)"][1], bulk["blocklint check DIR (all rules)"][1])
        print(f"  check-jsonschema / blocklint (CPU)        {bulk_ratio.x()}")
        print(f"  check-jsonschema / blocklint (wall)       "
              f"{pair_ratio(bulk['check-jsonschema (schema only)'][0], bulk['blocklint check DIR (all rules)'][0]).x()}")
        print(f"  check-jsonschema / blocklint -j 1 (CPU)   "
              f"{pair_ratio(bulk['check-jsonschema (schema only)'][1], bulk['blocklint check -j 1 DIR'][1]).x()}")
    rows.append((f"throughput >= 8x check-jsonschema ({len(paths):,} files, CPU)",
                 bulk_ratio.x() if bulk_ratio else "n/a",
                 None if bulk_ratio is None else bulk_ratio.median >= TARGET_THROUGHPUT_VS_CHECK_JSONSCHEMA))

    # -- the cache --
    fixable_dir = _linked(root / "fixable", paths)
    fixable = corpus.add_fixable_findings(sorted(fixable_dir.glob("*.yaml")), share=5)
    for title, directory in ((f"{len(paths):,} unchanged files, no finding", specs_dir),
                             (f"{len(paths):,} unchanged files, {fixable} of them with a fixable finding", fixable_dir)):
        print(f"\n## cache: {title}, cold (empty cache) vs warm; interleaved runs, {repeats} each; "
              f"load average {load_average()}")
        print(f"  command: {how}")
        _settled(directory, counts["settle"])
        warm_ratio = _cache_ratio(cached_command, directory, repeats, len(paths))  # the target: the last
    shutil.rmtree(fixable_dir, ignore_errors=True)
    rows.append(("warm cache >= 15x less CPU than cold (a fifth fixable, CPU)", warm_ratio.x(),
                 warm_ratio.median >= TARGET_WARM_CACHE))

    # -- in-process --
    repeats = counts["process_repeats"]
    print(f"\n## overhead over parsing: in-process CPU per file, all {len(paths):,} files, {repeats} passes "
          f"interleaved; every side with the collector paused per file, start-up excluded; load average {load_average()}")
    previous = os.getcwd()
    os.chdir(specs_dir)
    try:
        check = make_checker()
        total, load, compose = in_process_paired((check, load_only, collector_paused(pyyaml_compose)), paths, repeats)
    finally:
        os.chdir(previous)
    total_ratio = pair_ratio(total, compose)
    print(f"  blocklint total (load + {check.rule_count} rules)      {total.ms()}")
    print(f"    of which load (parse + spans)           {load.ms()}")
    print(f"  PyYAML compose, CSafeLoader (nodes+marks) {compose.ms()}   blocklint / this = {total_ratio.x()}")
    for label, func in (("ruamel.yaml C compose (nodes+marks)", ruamel_compose),
                        ("ruamel.yaml C parser, events only", ruamel_events)):
        other = in_process(collector_paused(func), paths, repeats)
        print(f"  {label:<41} {other.ms()}   blocklint / this = {statistics.median(total) / other.median:.2f}x")
    rows.append(("in-process CPU per file <= 1.5 ms (all rules)", f"{total.median * 1000:.2f} ms",
                 total.median <= TARGET_CPU_PER_FILE))
    rows.append(("in-process total <= 3x PyYAML CSafeLoader compose (CPU)", total_ratio.x(),
                 total_ratio.median <= TARGET_TOTAL_OVER_PARSE))

    # -- scaling --
    repeats = counts["bulk_repeats"]
    print(f"\n## scaling: one workflow of {counts['steps']:,} steps; then "
          f"{', '.join(f'{c:,}' for c in counts['scale'])} files; load average {load_average()}")
    big_runs = paired({"big": ([*check_command, big.name], (0,))}, repeats, cwd=big.parent)["big"]
    os.chdir(big.parent)
    try:
        big_in_process = in_process(check, [big], repeats)
        big_load = in_process(load_only, [big], repeats)
    finally:
        os.chdir(previous)
    print(f"  {counts['steps']:,}-step workflow, blocklint check: wall {big_runs[0].ms()}, CPU {big_runs[1].ms()}")
    print(f"    in-process CPU {big_in_process.ms()}, of which load {big_load.ms()}")
    print("  files   wall (whole command)             CPU per file (whole command)   in-process CPU per file")
    per_file = {}
    for count in counts["scale"]:
        directory = _linked(root / f"scale-{count}", paths[:count])
        wall_time, cpu_time = paired({"n": ([*check_command, "."], (0,))}, repeats, cwd=directory)["n"]
        os.chdir(directory)
        try:
            per_file[count] = in_process(check, sorted(directory.glob("*.yaml")), repeats)
        finally:
            os.chdir(previous)
        print(f"  {count:5,}   {wall_time.ms():<32} {Sample(c / count for c in cpu_time).ms():<30} "
              f"{per_file[count].ms()}")
    scale = counts["scale"]
    if len(scale) > 1:
        print(f"  in-process CPU per file at {scale[-1]:,} files / at {scale[1]:,} files = "
              f"{per_file[scale[-1]].median / per_file[scale[1]].median:.2f} (1.0 is linear growth)")
    rows.append((f"{counts['steps']:,}-step workflow < 1 s (CPU of the command)",
                 f"{big_runs[1].median * 1000:.0f} ms (wall {big_runs[0].median * 1000:.0f} ms)",
                 big_runs[1].median < TARGET_BIG_WORKFLOW))

    # -- worker threshold --
    print(f"\n## worker threshold: one process (-j 1) against two (-j 2); interleaved runs, {repeats} each; load average {load_average()}")
    print("  files   -j 1 wall / CPU                        -j 2 wall / CPU                        "
          "2 / 1 wall, CPU")
    driver = [sys.executable, str(HERE / "check_files.py")]
    for count in counts["workers"]:
        names = [p.name for p in paths[:count]]
        runs = paired({"1": ([*driver, "--jobs", "1", *names], (0,)), "2": ([*driver, "--jobs", "2", *names], (0,))},
                      repeats, cwd=specs_dir)
        print(f"  {count:5,}   {runs['1'][0].ms()} / {runs['1'][1].ms().strip():<14} "
              f"{runs['2'][0].ms()} / {runs['2'][1].ms().strip():<14} "
              f"{pair_ratio(runs['2'][0], runs['1'][0]).median:.2f}, {pair_ratio(runs['2'][1], runs['1'][1]).median:.2f}")

    if options.huge:
        rows.append(_huge(root, paths, counts["huge"], driver))

    print(f"\n## targets ({rule_count} rules; load average at the end {load_average()})")
    for name, value, ok in rows:
        print(f"  {verdict(ok)}  {name:<58} {value}")
    return 0


def _cache_ratio(command: list[str], directory: Path, repeats: int, files: int) -> Sample:
    """Cold (empty cache) against warm runs of `command` in `directory`: CPU ratios per pair."""
    cache_dir = directory / ".blocklint_cache"

    def empty_cache(name):
        if name == "cold (empty cache)":
            shutil.rmtree(cache_dir, ignore_errors=True)

    cached = paired({"cold (empty cache)": (command, (0,)), "warm": (command, (0,))}, repeats,
                    cwd=directory, before_each=empty_cache)
    _print_commands(cached, per=files)
    warm_ratio = pair_ratio(cached["cold (empty cache)"][1], cached["warm"][1])
    print(f"  cold / warm (CPU)                         {warm_ratio.x()}")
    print(f"  cold / warm (wall)                        {pair_ratio(cached['cold (empty cache)'][0], cached['warm'][0]).x()}")
    shutil.rmtree(cache_dir, ignore_errors=True)
    return warm_ratio


def _settled(directory: Path, seconds: float):
    """Wait until every file of `directory` last changed `seconds` ago, as the files of a checkout
    have: the cache trusts a file's stat only then (`blocklint.cache.SETTLED_NS`), and a hard link
    made to a file (`_linked`) changes its ctime."""
    newest = max((entry.stat().st_ctime for entry in os.scandir(directory) if entry.is_file()), default=0)
    time.sleep(max(0.0, newest + seconds - time.time()))


def _cached_command(blocklint: list[str]) -> tuple[list[str], str]:
    """`blocklint check .` when it caches; else the same run through the runner with the cache."""
    help_text = subprocess.run([*blocklint, "check", "--help"], capture_output=True, text=True).stdout
    if "--no-cache" in help_text:
        return [*blocklint, "check", "."], "blocklint check ."
    return ([sys.executable, str(HERE / "check_files.py"), "--cache", "."],
            "benchmarks/check_files.py --cache . (this blocklint check has no cache yet)")


def _linked(directory: Path, paths: list[Path], copies: int = 1) -> Path:
    """A directory of hard links to `paths` and the artifact they name; with `copies`, that many
    folders of them (`team-000/`, ...), as a large repository holds its specs in many folders."""
    directory.mkdir()
    corpus.write_artifact(directory)
    for copy in range(copies):
        folder = directory if copies == 1 else directory / f"team-{copy:03d}"
        folder.mkdir(exist_ok=True)
        for path in paths:
            os.link(path, folder / path.name)
    return directory


def _huge(root: Path, paths: list[Path], sizes: tuple, driver: list[str]) -> tuple:
    """Many files: time per file and the main process's peak memory, streaming the results."""
    print(f"\n## {sizes[-1]:,} files: one run each of {', '.join(f'{s:,}' for s in sizes)} files "
          "(hard links to the corpus in folders of 1,000), results streamed into counts")
    peaks = {}
    for size in sizes:
        directory = _linked(root / f"huge-{size}", paths, copies=max(1, size // len(paths)))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([*driver, "--counts", "."], cwd=directory, capture_output=True, text=True,
                              env=ENVIRONMENT)
        wall_time = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_time = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        fields = dict(item.split("=") for item in done.stdout.split())
        files = int(fields["files"])
        peaks[size] = int(fields["peak_kib"]) / 1024
        print(f"  {files:7,} files: wall {wall_time:7.1f} s, CPU {cpu_time * 1000 / files:.2f} ms per file, "
              f"main process peak {peaks[size]:.0f} MiB")
        shutil.rmtree(directory, ignore_errors=True)
    growth = peaks[sizes[-1]] / peaks[sizes[0]]
    return (f"main process peak memory at {sizes[-1]:,} / at {sizes[0]:,} files",
            f"{growth:.2f} ({peaks[sizes[0]]:.0f} -> {peaks[sizes[-1]]:.0f} MiB)", growth <= 1.25)


def _print_commands(found: dict, per: int | None = None):
    for name, (wall_time, cpu_time) in found.items():
        extra = f"   CPU per file {Sample(c / per for c in cpu_time).ms().strip()}" if per else ""
        print(f"  {name:<32} wall {wall_time.ms()}   CPU {cpu_time.ms()}{extra}")


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
