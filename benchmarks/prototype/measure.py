"""What a native tree builder would gain, measured: `python benchmarks/prototype/measure.py`.

Build the prototype first (`python benchmarks/prototype/build.py`). Over the 1,000-file corpus of
`benchmarks/corpus.py` (generated into a temporary directory, same seed as `benchmarks/run.py`),
this measures CPU time per file (time.process_time; passes interleaved, order alternating;
median and min-max over the passes) of:

  total     the full in-process check (read + load + all rules), as `benchmarks/run.py` does it
  (a)       the current loader: `load_bytes(raw, name, LoadSettings(template=False))`
  (a')      its tree step alone: `TreeBuilder(json_mode=False).build(text)`
  (b)       the prototype with the loader's output: typed scalars (the loader's own `yaml_plain`,
            called from C for plain scalars that may be typed), `Span` objects, key spans
  (b0)      the prototype at its barest: str scalars, plain tuples, no key spans
  (c)       PyYAML `yaml.compose(raw, Loader=yaml.CSafeLoader)` (nodes + marks)
  (d)       libyaml events alone: PyYAML's CParser through `yaml.parse` (Python event objects),
            and libyaml in C with nothing built (`treebuilder.events`)

Files are read into memory first, so (a)-(d) exclude file reads; `total` reads its files, as the
checker does. Every measured function runs with the garbage collector paused, as the checker
runs. Before measuring, (b)'s data, spans and key spans are checked equal to the loader's on
every file (or on `--verify N` of them).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402 - benchmarks/corpus.py, a sibling of this folder

try:
    import treebuilder  # noqa: E402 - built in place by build.py
except ImportError:
    sys.exit("the prototype is not built: run `python benchmarks/prototype/build.py` first")


class Sample(list):
    @property
    def median(self) -> float:
        return statistics.median(self)

    def ms(self) -> str:
        return f"{self.median * 1000:7.3f} ms ({min(self) * 1000:.3f}-{max(self) * 1000:.3f})"


def paired(funcs: dict, items: list, repeats: int) -> dict:
    """CPU seconds per item of each function over all items, passes interleaved (the order
    reversed every other pass), garbage collection paused during a pass."""
    for func in funcs.values():
        func(items[0])
    found = {name: Sample() for name in funcs}
    order = list(funcs.items())
    for repeat in range(repeats):
        for name, func in (order if repeat % 2 == 0 else reversed(order)):
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                for item in items:
                    func(item)
                found[name].append((time.process_time() - start) / len(items))
            finally:
                gc.enable()
    return found


def verify(items: list, count: int) -> int:
    """(b) gives what the loader gives: data, spans and key spans, file by file."""
    from blocklint.load import LoadSettings, Span, load_bytes
    from blocklint.load.scalars import yaml_plain

    settings = LoadSettings(template=False)
    checked = 0
    for path, raw in items[:count]:
        doc = load_bytes(raw, str(path), settings)
        assert not doc.problems, (path, doc.problems)
        key_spans: dict = {}
        data, spans = treebuilder.build(raw, yaml_plain, key_spans, Span)
        assert data == doc.data, f"{path}: data differs"
        assert spans == doc.spans, f"{path}: spans differ"
        assert key_spans == doc.key_spans, f"{path}: key spans differ"
        bare, bare_spans = treebuilder.build(raw)
        assert bare_spans == {p: tuple(s) for p, s in doc.spans.items()}, f"{path}: bare spans differ"
        assert _as_text(bare) == _as_text(doc.data, typed=True), f"{path}: bare data differs"
        checked += 1
    return checked


def _as_text(node, typed=False):
    """Scalars as strings, for comparing the bare build (str scalars) with typed data: a typed
    value is compared through YAML's spelling of it (True -> 'true', 1 -> '1')."""
    if isinstance(node, dict):
        return {key: _as_text(value, typed) for key, value in node.items()}
    if isinstance(node, list):
        return [_as_text(value, typed) for value in node]
    if typed and isinstance(node, bool):
        return {True: "true", False: "false"}[node]
    return node if isinstance(node, str) else str(node)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--verify", type=int, default=None, help="files to verify (default: all)")
    options = parser.parse_args(argv)

    import yaml

    from blocklint import runner
    from blocklint.load import LoadSettings, Span, load_bytes
    from blocklint.load.scalars import yaml_plain
    from blocklint.load.tree import TreeBuilder
    from blocklint.plan import Overrides, build_plan

    with tempfile.TemporaryDirectory(prefix="blocklint-proto-") as tmp:
        root = Path(tmp) / "specs"
        paths = corpus.corpus(root, options.files)
        items = [(path, path.read_bytes()) for path in paths]
        lines = sum(raw.count(b"\n") for _, raw in items) / len(items)
        print(f"corpus: {len(items):,} files, {lines:.0f} lines per file on average")
        checked = verify(items, options.verify or len(items))
        print(f"verified: on {checked:,} files the prototype's data, spans and key spans equal the loader's")

        previous = os.getcwd()
        os.chdir(root)  # the checker plans where the corpus lives: that is its project
        try:
            plan = build_plan(Overrides(isolated=True, registry=False))
            settings = LoadSettings(template=False)

            def total(item):
                return runner.check_target(runner.Target(str(item[0]), True), plan)

            def python_loader(item):
                return load_bytes(item[1], str(item[0]), settings)

            def python_tree(item):
                TreeBuilder(json_mode=False).build(item[1].decode("utf-8-sig"))

            def native(item):
                return treebuilder.build(item[1], yaml_plain, {}, Span)

            def native_bare(item):
                return treebuilder.build(item[1])

            def pyyaml_compose(item):
                return yaml.compose(item[1], Loader=yaml.CSafeLoader)

            def pyyaml_events(item):
                for _ in yaml.parse(item[1], Loader=yaml.CSafeLoader):
                    pass

            def libyaml_events(item):
                return treebuilder.events(item[1])

            funcs = {"total": total, "a": python_loader, "a'": python_tree, "b": native, "b0": native_bare,
                     "c": pyyaml_compose, "d": pyyaml_events, "d0": libyaml_events}
            found = paired(funcs, items, options.repeats)
        finally:
            os.chdir(previous)

    labels = {
        "total": "full check (read + load + all rules)",
        "a": "(a)  Python loader, load_bytes",
        "a'": "(a') of which the tree step, TreeBuilder",
        "b": "(b)  prototype, loader's output",
        "b0": "(b0) prototype, str scalars, tuples",
        "c": "(c)  PyYAML compose, CSafeLoader",
        "d": "(d)  PyYAML CParser events (yaml.parse)",
        "d0": "(d0) libyaml events in C, nothing built",
    }
    print(f"\nCPU per file, {len(items):,} files, {options.repeats} interleaved passes: median (min-max)")
    for name, label in labels.items():
        print(f"  {label:<42} {found[name].ms()}")

    def projected(minus: str, plus: str) -> Sample:
        return Sample(t - a + b for t, a, b in zip(found["total"], found[minus], found[plus]))

    print("\nthe full check per file if the prototype replaced the loader (pass by pass)")
    rows = (("total - (a) + (b)    [whole loader replaced, output as now]", "a", "b"),
            ("total - (a) + (b0)   [whole loader replaced, bare output]", "a", "b0"),
            ("total - (a') + (b)   [tree step replaced, rest of load kept]", "a'", "b"))
    compose = found["c"]
    for label, minus, plus in rows:
        sample = projected(minus, plus)
        ratio = Sample(p / c for p, c in zip(sample, compose))
        print(f"  {label:<62} {sample.ms()}   / (c) = {ratio.median:.2f}x")
    now = Sample(t / c for t, c in zip(found["total"], compose))
    print(f"  {'now: total':<62} {found['total'].ms()}   / (c) = {now.median:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
