"""A file whose stat has not changed is answered without reading it, as git's index does, and
only when the stat can be trusted: a change to a file always changes its ctime, and a stat taken
while the file may still change within the file system's timestamp grain is never trusted.

The tests move the cache's clock forward (`SETTLED_NS` after the file was written) rather than wait.
"""

from __future__ import annotations

import os

import pytest

from blocklint import cache as cache_module
from blocklint import load
from blocklint.cache import ResultCache
from blocklint.cache_store import PackStore
from test_cache import WORKFLOW, lint, packs, project, rendered, stored  # noqa: F401 (project: a fixture)


@pytest.fixture
def later(monkeypatch):
    """The cache's clock, a minute ahead: every file looks settled."""
    real = cache_module.time

    class Clock:
        @staticmethod
        def time_ns():
            return real.time_ns() + 60 * 10**9

    monkeypatch.setattr(cache_module, "time", Clock)


@pytest.fixture
def reads(monkeypatch):
    """The spec files the cache and the loader read, in order."""
    seen = []

    def counting(path, *args, **kwargs):
        if str(path).endswith("spec.yaml"):
            seen.append(os.path.basename(path))
        return real(path, *args, **kwargs)

    real = load.read_bounded
    monkeypatch.setattr(load, "read_bounded", counting)
    return seen


def test_a_settled_unchanged_file_is_not_read_again(project, later, reads):
    spec = project / "spec.yaml"
    first, _ = lint([spec], cache=ResultCache())
    assert reads and stored(project)[0]["stat"] is not None
    reads.clear()
    warm = ResultCache()
    assert lint([spec], cache=warm)[0] == first and (warm.hits, warm.misses) == (1, 0)
    assert reads == []


def test_a_change_that_keeps_the_size_and_the_mtime_is_seen(project, later):
    """`cp -p`, `rsync -t`, a tar extraction: the same size and mtime, other bytes; the ctime changed."""
    spec = project / "spec.yaml"
    lint([spec], cache=ResultCache())
    before = spec.stat()
    changed = WORKFLOW.replace("instanceTypeId: 21", "instanceTypeId: 99")
    assert len(changed) == len(WORKFLOW)
    spec.write_text(changed)
    os.utime(spec, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = ResultCache()
    results, plan = lint([spec], cache=after)
    assert after.misses == 1 and rendered(results, plan) == rendered(lint([spec])[0], plan)


def test_a_file_touched_but_unchanged_is_hashed_once_then_trusted_again(project, later, reads):
    spec = project / "spec.yaml"
    first, _ = lint([spec], cache=ResultCache())
    os.utime(spec)
    reads.clear()
    touched = ResultCache()
    assert lint([spec], cache=touched)[0] == first and touched.hits == 1 and reads == ["spec.yaml"]
    assert stored(project)[0]["stat"].split(":")[1] == str(spec.stat().st_mtime_ns)  # the new stat, kept
    reads.clear()
    lint([spec], cache=ResultCache())
    assert reads == []


def test_a_file_written_just_now_is_read_every_time(project, reads):
    """Within `SETTLED_NS` of its last change a file's stat is not kept: a second change in the same
    timestamp grain would leave it as it was."""
    spec = project / "spec.yaml"
    lint([spec], cache=ResultCache())
    assert stored(project)[0]["stat"] is None
    reads.clear()
    warm = ResultCache()
    lint([spec], cache=warm)
    assert warm.hits == 1 and reads == ["spec.yaml"]


def test_a_window_of_files_is_answered_from_their_stats_and_a_changed_or_touched_one_is_seen(project, later, reads):
    """Above one file with workers allowed (`jobs`), files are looked up a window at a time
    (`ResultCache.lookup_window`): settled, unchanged files are answered without a read; one changed
    with its size and mtime kept (its ctime moved) is checked again; one touched is hashed, found
    unchanged and answered."""
    (project / "spec.yaml").unlink()
    specs = [project / f"{name}-spec.yaml" for name in "abc"]
    for spec in specs:
        spec.write_text(WORKFLOW.replace("name: ", f"name: {spec.name[0]}-", 1))
    first, plan = lint(specs, cache=ResultCache(), jobs=2)
    reads.clear()
    warm = ResultCache()
    assert lint(specs, cache=warm, jobs=2)[0] == first and (warm.hits, warm.misses) == (3, 0) and reads == []
    before = specs[1].stat()
    specs[1].write_text(specs[1].read_text().replace("instanceTypeId: 21", "instanceTypeId: ab"))
    os.utime(specs[1], ns=(before.st_atime_ns, before.st_mtime_ns))
    assert specs[1].stat().st_size == before.st_size
    changed = ResultCache()
    results, _ = lint(specs, cache=changed, jobs=2)
    uncached = rendered(lint(specs, jobs=2)[0], plan)
    assert changed.hits == 2 and rendered(results, plan) == uncached != rendered(first, plan)
    os.utime(specs[2])
    reads.clear()
    touched = ResultCache()
    assert lint(specs, cache=touched, jobs=2)[0] == results and touched.hits == 3 and reads == ["c-spec.yaml"]


def test_a_file_named_and_the_same_file_found_by_walking_keep_an_entry_each(project):
    """`blocklint check FILE` and `blocklint check .` may say different things of one file (a
    file of no kind is BL006 only when named): each keeps its own entry, so neither evicts the other."""
    spec = project / "spec.yaml"
    named, walked = lint([spec], cache=ResultCache())[0], lint([project], cache=ResultCache())[0]
    for paths, expected in (([spec], named), ([project], walked)):
        warm = ResultCache()
        assert lint(paths, cache=warm)[0] == expected and (warm.hits, warm.misses) == (1, 0)
    assert sorted(entry["explicit"] for entry in stored(project)) == [False, True]


def test_a_run_over_a_few_files_reads_and_writes_the_packs_of_their_folders_only(project, monkeypatch):
    """A pre-commit hook checks the few files staged: the packs of the other folders (in a large
    project, most of the cache) are neither read nor written."""
    for folder in ("a", "b"):
        (project / folder).mkdir()
        (project / folder / "spec.yaml").write_text(WORKFLOW.replace("path: artifact", "path: ../artifact"))
    lint([project / "a", project / "b"], cache=ResultCache())
    before = {pack: pack.stat().st_mtime_ns for pack in packs(project)}
    assert len(before) == 2
    (project / "a" / "spec.yaml").write_text(WORKFLOW.replace("path: artifact", "path: ../artifact") + "# edited\n")
    opened = []
    real_read = PackStore.read

    def read(store, name):
        opened.append(name)
        return real_read(store, name)

    monkeypatch.setattr(PackStore, "read", read)
    again = ResultCache()
    lint([project / "a"], cache=again)
    assert again.misses == 1 and len(opened) == 1
    after = {pack: pack.stat().st_mtime_ns for pack in packs(project)}
    assert sum(after[pack] != before[pack] for pack in before) == 1 and set(after) == set(before)


def test_blocklint_s_own_files_in_the_fingerprint_include_its_native_extension(tmp_path, monkeypatch):
    """A rebuilt tree builder (its searches decide findings: BL401, BL701) is a new version, as an
    edited source file is: its size and mtime are in the package stamp, other files' are not."""
    from importlib.machinery import EXTENSION_SUFFIXES

    from blocklint import cache_key

    for name in ("rules.py", "schema.json", f"_native{EXTENSION_SUFFIXES[0]}", "notes.txt"):
        (tmp_path / name).write_text("x")
    monkeypatch.setattr(cache_key, "_own_directories", lambda: [str(tmp_path)])
    stamped = {os.path.basename(path) for path, _ in cache_key._walk_package()}
    assert stamped == {"rules.py", "schema.json", f"_native{EXTENSION_SUFFIXES[0]}"}
