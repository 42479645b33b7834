"""`blocklint check PATH...` as the benchmarks need it, through the same runner and reporter.

    python benchmarks/check_files.py [--cache] [--jobs N] [--counts] PATH...

`--cache` checks through the result cache (`.blocklint_cache`), for a command line whose
`blocklint check` has no cache yet; `--counts` streams the results into counts only (no
reporter keeps them) and prints the main process's peak memory, for the 100,000-file line.
Exit status as `blocklint check`: 1 when an error was found.
"""

from __future__ import annotations

import argparse
import resource
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--cache", action="store_true")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--counts", action="store_true")
    options = parser.parse_args(argv)

    from blocklint import runner, walk
    from blocklint.plan import Overrides, Planner

    planner = Planner(Overrides())
    targets = walk.iter_targets(options.paths, planner.default)  # streamed, as `blocklint check` does
    cache = None
    if options.cache:
        from blocklint.cache import ResultCache

        cache = ResultCache()
    checked = runner.check_all(targets, planner.for_path, jobs=options.jobs, cache=cache)
    failed = False
    if options.counts:
        files = findings = 0
        for result in checked:
            files += 1
            findings += len(result.findings)
            failed = failed or result.failed
        peak = _peak_kib()
        print(f"files={files} findings={findings} peak_kib={peak}")
        return int(failed)
    from blocklint.report import reporter_class

    reporter = reporter_class("text")(sys.stdout, rules=planner.default.available)
    reporter.start()
    for result in checked:
        reporter.file(result)
        failed = failed or result.failed
    reporter.finish()
    return int(failed)


def _peak_kib() -> int:
    """This process's peak resident memory in KiB (VmHWM on Linux, else getrusage)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


if __name__ == "__main__":
    sys.exit(main())
