"""Facts the files of one run share (an artifact directory's state) are worked out once per run,
and afresh outside a run (the language server sees an edit to the folder at once)."""

import shutil
from pathlib import Path

import pytest

from blocklint import artifact, runner
from blocklint.shared import MAX_FACTS, once_per_run, run_store
from blocklint.load import load_text
from blocklint.plan import Overrides, build_plan

CASE = Path(__file__).parent / "cases" / "BL801" / "bad-missing.yaml"


def test_a_fact_is_computed_once_per_store_and_afresh_outside_one():
    calls = []

    @once_per_run
    def fact(name):
        calls.append(name)
        return name.upper()

    assert fact("a") == "A" and fact("a") == "A" and len(calls) == 2  # no store: every call
    store: dict = {}
    with run_store(store):
        assert [fact("a"), fact("a"), fact("b")] == ["A", "A", "B"]
    assert calls == ["a", "a", "a", "b"]
    with run_store(store):  # the same run again: answered from its store
        fact("a")
    with run_store({}):  # another run: asked again
        fact("a")
    assert calls == ["a", "a", "a", "b", "a"]


def test_a_failure_is_not_kept_and_the_store_stays_bounded():
    calls = []

    @once_per_run
    def fact(number):
        calls.append(number)
        if number < 0:
            raise ValueError(number)
        return number

    store: dict = {}
    with run_store(store):
        for _ in range(2):
            with pytest.raises(ValueError):
                fact(-1)
        for number in range(MAX_FACTS + 10):
            fact(number)
    assert calls.count(-1) == 2
    assert len(store) <= MAX_FACTS


def _specs(folder: Path, count: int) -> list[str]:
    """`count` specs naming the artifact directory `aap` (absent until a test makes it)."""
    folder.mkdir(exist_ok=True)
    names = []
    for index in range(count):
        path = folder / f"spec-{index}.yaml"
        path.write_text(CASE.read_text().replace("nightly-load", f"nightly-load-{index}"))
        names.append(str(path.relative_to(folder)))
    return names


def test_a_run_asks_about_the_shared_artifact_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    names = _specs(tmp_path, 4)
    asked = []
    real = artifact.path_problem
    monkeypatch.setattr(artifact, "path_problem", lambda path: asked.append(path) or real(path))
    plan = build_plan(Overrides(isolated=True, registry=False))
    results = list(runner.check_all([runner.Target(name, True) for name in names], lambda path: plan))
    assert [[f.rule for f in result.findings] for result in results] == [["BL801"]] * 4
    assert asked == ["aap"]


def test_outside_a_run_an_edit_to_the_folder_is_seen_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (name,) = _specs(tmp_path, 1)
    plan = build_plan(Overrides(isolated=True, registry=False))

    def rules_found():
        doc = load_text((tmp_path / name).read_text(), name, plan.load)
        return [finding.rule for finding in runner.check_document(doc, plan).findings]

    assert rules_found() == ["BL801"]
    shutil.copytree(CASE.parent / "app", tmp_path / "aap")
    assert rules_found() == []


def test_a_run_finds_the_project_of_a_folder_once(tmp_path, monkeypatch):
    from blocklint.load import loader

    monkeypatch.chdir(tmp_path)
    names = _specs(tmp_path, 3)
    asked = []
    real = loader.folder_root
    monkeypatch.setattr(loader, "folder_root", lambda folder: asked.append(folder) or real(folder))
    plan = build_plan(Overrides(isolated=True, registry=False))
    list(runner.check_all([runner.Target(name, True) for name in names], lambda path: plan))
    assert asked == [tmp_path]
