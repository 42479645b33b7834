"""The rule catalogue (`blocklint.catalogue`): the built-in rules described in the user's cache
folder after a real collection, so that a run answered from the result cache imports no rule
module; a catalogue that lies is caught when the rules load, plugins and rules directories never
use it, and one planted in a project is never read."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from blocklint import catalogue
from blocklint.cache_key import plan_fingerprint
from blocklint.plan import Overrides, PlanError, build_plan

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# A run in a fresh process that prints, at exit, the rule modules it imported.
REPORTS_IMPORTS = """
import atexit, sys
atexit.register(lambda: print("imported:", sorted(name for name in sys.modules
                if name.startswith(("blocklint.rules.", "blocklint.fixtures", "blocklint.collect"))), file=sys.stderr))
sys.argv = ["blocklint", *sys.argv[1:]]
from blocklint.entry import main
main()
"""


def _blocklint(*args, cwd, cache_folder, no_cache=False):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_folder)}
    env.pop("BLOCKLINT_NO_CACHE", None)
    if no_cache:
        env["BLOCKLINT_NO_CACHE"] = "1"
    return subprocess.run([sys.executable, "-c", REPORTS_IMPORTS, *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _clean_spec(project: Path) -> Path:
    """A spec with no finding in `project` (an example, with the artifact it names)."""
    project.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLES / "artifact", project / "artifact")
    text = (EXAMPLES / "workflow" / "workflow-shared.yaml").read_text()
    (project / "spec.yaml").write_text(text.replace("path: examples/artifact", "path: artifact"))
    return project / "spec.yaml"


def _catalogues(folder: Path) -> list[Path]:
    return sorted((folder / "blocklint").glob("rules-*.json"))


def test_a_warm_run_after_a_collection_imports_no_rule_module(tmp_path):
    project, cache_folder = tmp_path / "project", tmp_path / "user-cache"
    _clean_spec(project)
    cold = _blocklint("check", ".", cwd=project, cache_folder=cache_folder)
    assert cold.returncode == 0, cold.stderr
    assert "blocklint.rules." in cold.stderr  # checked for real: the rules ran
    assert len(_catalogues(cache_folder)) == 1
    warm = _blocklint("check", ".", cwd=project, cache_folder=cache_folder)
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
    assert "imported: []" in warm.stderr, warm.stderr


def test_a_plan_from_the_catalogue_has_the_collected_rules_and_fingerprint(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    collected = build_plan(Overrides(isolated=True))
    assert not isinstance(collected.rules[0].func, catalogue.Deferred)
    catalogued = build_plan(Overrides(isolated=True))
    assert isinstance(catalogued.rules[0].func, catalogue.Deferred)
    assert catalogue.describe(catalogued.available) == catalogue.describe(collected.available)
    assert plan_fingerprint(catalogued) == plan_fingerprint(collected)  # the result cache's entries still match
    selected = build_plan(Overrides(isolated=True, select=("BL3",), ignore=("BL301",)))
    loaded = selected.engine.rules
    assert [found.id for found in loaded] == [found.id for found in selected.rules]
    assert all(not isinstance(found.func, catalogue.Deferred) for found in loaded)
    assert [found.doc for found in catalogued.rules] == [found.doc for found in collected.rules]


@pytest.mark.parametrize("lie", ["severity", "name", "clock"])
def test_a_catalogue_that_lies_is_caught_when_the_rules_load_and_removed(run, tmp_path, monkeypatch, lie):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    build_plan(Overrides(isolated=True))
    [written] = _catalogues(tmp_path / "user-cache")
    data = json.loads(written.read_text())
    first = data["rules"]["rules"][0]
    first[{"severity": 2, "name": 1, "clock": 12}[lie]] = {"severity": "info", "name": "renamed",
                                                           "clock": not first[12]}[lie]
    written.write_text(json.dumps(data))
    _clean_spec(tmp_path)
    code, output = run("check", "--no-cache", "spec.yaml", cwd=tmp_path)
    assert code == 2 and "did not describe blocklint's rules" in output and "run blocklint again" in output
    assert not written.exists()
    assert run("check", "--no-cache", "spec.yaml", cwd=tmp_path)[0] == 0


def test_a_catalogue_that_does_not_hold_together_is_no_catalogue(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    build_plan(Overrides(isolated=True))
    [written] = _catalogues(tmp_path)
    for broken in ("{", json.dumps({"format": 1, "rules": {"rules": [[1, 2]]}}), "x" * (2 << 20)):
        written.write_text(broken)
        plan = build_plan(Overrides(isolated=True))
        assert not isinstance(plan.rules[0].func, catalogue.Deferred)  # collected for real, and written again
        assert json.loads(written.read_text())["rules"] == catalogue.describe(plan.available)


def test_a_catalogue_naming_a_module_outside_blocklint_is_no_catalogue(tmp_path, monkeypatch):
    """Its functions would be imported by name when a report reads a rule's documentation (SARIF),
    before the rules are checked against it: a module of the checkout (`python -m blocklint`
    searches the working directory) must never be one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    build_plan(Overrides(isolated=True))
    [written] = _catalogues(tmp_path)
    data = json.loads(written.read_text())
    data["rules"]["rules"][0][3] = "planted_module"
    written.write_text(json.dumps(data))
    plan = build_plan(Overrides(isolated=True))
    assert not isinstance(plan.rules[0].func, catalogue.Deferred)  # collected for real, and written again
    assert json.loads(written.read_text())["rules"] == catalogue.describe(plan.available)


def test_a_catalogue_that_is_a_fifo_is_no_catalogue(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = Path(catalogue.catalogue_path())
    path.parent.mkdir()
    os.mkfifo(path)
    assert not isinstance(build_plan(Overrides(isolated=True)).rules[0].func, catalogue.Deferred)  # no hang


def test_the_newest_catalogues_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "blocklint").mkdir()
    for number in range(10):  # left by earlier versions of blocklint
        old = tmp_path / "blocklint" / f"rules-{number:032x}.json"
        old.write_text("{}")
        os.utime(old, (1_000_000_000 + number, 1_000_000_000 + number))
    build_plan(Overrides(isolated=True))
    kept = [path.name for path in _catalogues(tmp_path)]
    assert len(kept) == 8 and Path(catalogue.catalogue_path()).name in kept
    assert f"rules-{9:032x}.json" in kept and f"rules-{2:032x}.json" not in kept


def _lying_catalogue(path: Path):
    """A catalogue of one made-up rule (a function of blocklint's own, as a catalogue must name),
    which no real collection has."""
    import blocklint.words

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 1, "no_plugins_on": [], "rules": {
        "rules": [["BL999", "made-up", "error", "blocklint.words", "did_you_mean", blocklint.words.__file__, [], None,
                   "blocklint.words", [], None, [], False]],
        "evidence": [], "fixtures": [], "fanouts": []}}))


def test_the_lying_catalogue_is_one_a_plain_run_would_use(tmp_path, monkeypatch):
    """The control for the tests that plant `_lying_catalogue`: without a rules directory, a plan
    is built from it (and its engine refuses it), so a run that shows no BL999 did not read it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    _lying_catalogue(Path(catalogue.catalogue_path()))
    plan = build_plan(Overrides(isolated=True))
    assert [found.id for found in plan.rules] == ["BL999"]
    with pytest.raises(PlanError, match="did not describe blocklint's rules"):
        plan.engine


def test_a_rules_directory_run_never_uses_the_catalogue(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    _lying_catalogue(Path(catalogue.catalogue_path()))
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "local.py").write_text(
        "from blocklint import rule\n\n@rule('XX001', 'local-rule')\ndef local_rule(doc):\n    return ()\n")
    plan = build_plan(Overrides(isolated=True, rules_dir=(str(tmp_path / "rules"),)))
    ids = [found.id for found in plan.engine.rules]
    assert "XX001" in ids and "BL101" in ids and "BL999" not in ids


def test_an_installed_plugin_is_seen_though_a_catalogue_said_there_was_none(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    # every folder's mtime trusted at once (not only 3 s after its last change, as in
    # `test_a_folder_changed_just_now_on_the_search_path_is_not_trusted`)
    monkeypatch.setattr(catalogue, "_SETTLED_NS", 0)
    assert "BL101" in [found.id for found in build_plan(Overrides(isolated=True)).rules]
    [written] = _catalogues(tmp_path / "user-cache")
    assert json.loads(written.read_text())["no_plugins_on"]  # this search path: no plugin
    assert isinstance(build_plan(Overrides(isolated=True)).rules[0].func, catalogue.Deferred)
    # a plugin installed into a folder of the search path
    (site / "demo_plugin.py").write_text(
        "from blocklint import rule\n\n@rule('XP001', 'plugin-rule')\ndef plugin_rule(doc):\n    return ()\n")
    info = site / "demo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[blocklint.rules]\ndemo = demo_plugin\n")
    try:
        plan = build_plan(Overrides(isolated=True))
        assert "XP001" in [found.id for found in plan.rules]
        assert not any(isinstance(found.func, catalogue.Deferred) for found in plan.rules)
    finally:
        sys.modules.pop("demo_plugin", None)
    # without plugins, the catalogue still serves
    assert isinstance(build_plan(Overrides(isolated=True, plugins=False)).rules[0].func, catalogue.Deferred)


def test_a_folder_changed_just_now_on_the_search_path_is_not_trusted(tmp_path, monkeypatch):
    """A distribution installed in the same tick of the file system's clock as the catalogue was
    written would leave the folder's mtime unchanged: until it has settled, entry points are read."""
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    assert catalogue._search_path_stamp() is None
    os.utime(tmp_path, (1_000_000_000, 1_000_000_000))
    assert catalogue._search_path_stamp() == [[str(tmp_path), 1_000_000_000 * 10**9]]


def test_a_catalogue_in_the_project_is_never_read(run, tmp_path, monkeypatch):
    home, project = tmp_path / "home", tmp_path / "project"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(home))
    name = Path(catalogue.catalogue_path()).name
    for folder in (project, project / ".blocklint_cache", project / ".cache" / "blocklint", project / "blocklint"):
        _lying_catalogue(folder / name)
    _clean_spec(project)
    first = run("check", "--no-cache", "spec.yaml", cwd=project)
    assert first[0] == 0 and first[1].endswith("0 errors, 0 warnings in 1 file\n")
    assert [path.name for path in _catalogues(home / ".cache")] == [name]
    assert run("check", "--no-cache", "spec.yaml", cwd=project) == first


def test_the_output_is_the_same_with_and_without_the_catalogue(tmp_path):
    checkout = tmp_path / "checkout"  # a copy: no other test can change a file between the two runs
    shutil.copytree(EXAMPLES, checkout / "examples")
    shutil.copytree(ROOT / "tests" / "cases", checkout / "tests" / "cases")
    for command in (("check", "--format", "json", "examples", "tests/cases"), ("rules", "--format", "json")):
        cache_folder = tmp_path / command[0]
        without = _blocklint(*command, cwd=checkout, cache_folder=cache_folder, no_cache=True)
        assert _catalogues(cache_folder)
        with_it = _blocklint(*command, cwd=checkout, cache_folder=cache_folder, no_cache=True)
        assert "blocklint.rules." in without.stderr and without.stdout.startswith(("[", "{"))
        assert (with_it.returncode, with_it.stdout) == (without.returncode, without.stdout)
