"""The result cache (`blocklint.cache`): a warm run answers unchanged files from
`.blocklint_cache`, with output identical to an uncached run, and every input a file's findings
depend on invalidates its entry.

Each invalidation test runs the real runner twice over real files (the second run must be all
hits, so the test would notice a cache that never hits), changes one input, and checks that the
third run misses and gives what an uncached run gives.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from blocklint import cache as cache_module
from blocklint.clean import clean
from blocklint import runner, walk
from blocklint.cache import CACHE_DIR, ResultCache
from blocklint.cache_store import ENTRY_FIELDS
from blocklint.plan import Overrides, Planner
from blocklint.report import reporter_class

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import corpus  # noqa: E402  (the benchmark corpus generator)

WORKFLOW = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata:
        name: cached-workflow
        title: Cached
        summary: A workflow for the cache tests.
        description: A workflow for the cache tests.
        descriptionContentType: text/markdown
        imageUrl: https://example.com/x.png
        tags:
          - name: cache
      release:
        version: "1.0.0"
        notes: first
      config:
        triggers:
          - cron: "*/5 * * * *"
        steps:
          step-1:
            type: standard
            image:
              version: 0.0.1
              dockerfile: Dockerfile
              context: "."
            resources:
              instanceTypeId: 21
              storage: 10GB
            command: python main.py
    artifact:
      path: artifact
    """)


def lint(paths, *, cache=None, jobs=1, **overrides):
    """Results of the real runner, as `blocklint check` gets them."""
    overrides.setdefault("registry", False)
    planner = Planner(Overrides(**overrides))
    targets = walk.discover([os.path.relpath(p) for p in paths], planner.default)
    return list(runner.check_all(targets, planner.for_path, jobs=jobs, cache=cache)), planner.default


def rendered(results, plan) -> str:
    """The results through two real reporters: what a user sees."""
    text = io.StringIO()
    for name in ("json", "concise"):
        stream = io.StringIO()
        reporter = reporter_class(name)(stream, verbose=True, strict=False, rules=plan.available)
        reporter.start()
        for result in results:
            reporter.file(result)
        reporter.finish()
        text.write(stream.getvalue())
    return text.getvalue()


def three_runs(paths, change, **overrides):
    """Fill, hit, change one input, run again: (findings before, cache of the last run, output
    of the last run, output of an uncached run after the change)."""
    first, _ = lint(paths, cache=ResultCache(), **overrides)
    warm = ResultCache()
    second, _ = lint(paths, cache=warm, **overrides)
    assert warm.hits == len(paths) and warm.misses == 0, "an unchanged file must be answered from the cache"
    assert second == first
    changed = change()
    overrides = changed if isinstance(changed, dict) else overrides
    after = ResultCache()
    results, plan = lint(paths, cache=after, **overrides)
    uncached, plan = lint(paths, **overrides)
    return first, after, rendered(results, plan), rendered(uncached, plan)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".blocklint.toml").write_text("")  # the project: includes may read anywhere below
    corpus.write_artifact(tmp_path)
    (tmp_path / "spec.yaml").write_text(WORKFLOW)
    return tmp_path


RELEASE = 'release:\n  version: "1.0.0"\n  notes: first\n'


def packs(directory: Path) -> list[Path]:
    """The packs of the cache beside `directory`'s configuration (no temporary file left over)."""
    found = list((directory / CACHE_DIR).glob("*.json"))
    assert not [path for path in found if path.name.startswith(".tmp")]
    return found


def stored(directory: Path) -> list[dict]:
    """Every entry of the cache's packs beside `directory`'s configuration, by field name."""
    return [dict(zip(ENTRY_FIELDS, entry, strict=True))
            for pack in packs(directory) for entry in json.loads(pack.read_text())["entries"].values()]


def with_field(entry: list, field: str, value) -> list:
    """A pack's entry with one field, by name, set to `value`."""
    edited = list(entry)
    edited[ENTRY_FIELDS.index(field)] = value
    return edited


def findings_of(results):
    return [(f.rule, f.line, f.message) for result in results for f in result.findings]


def test_a_warm_run_answers_from_the_cache_and_marks_the_directory(project):
    first, _ = lint([project / "spec.yaml"], cache=ResultCache())
    warm = ResultCache()
    second, _ = lint([project / "spec.yaml"], cache=warm)
    assert (warm.hits, warm.misses) == (1, 0) and second == first
    assert (project / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (project / CACHE_DIR / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    entries = stored(project)
    assert len(entries) == 1 and entries[0]["path"] == "spec.yaml" and len(packs(project)) == 1


def test_file_bytes(project):
    spec = project / "spec.yaml"
    _, after, output, uncached = three_runs([spec], lambda: spec.write_text(WORKFLOW.replace("21", "99")))
    assert after.misses == 1 and output == uncached and "BL" in uncached


def test_rule_selection(project):
    select = {"select": ("BL2",)}
    _, after, output, uncached = three_runs([project / "spec.yaml"], lambda: {"select": ("BL1", "BL2")}, **select)
    assert after.misses == 1 and output == uncached


def test_severity(project):
    (project / ".blocklint.toml").write_text('select = ["BL806"]\n')
    before, after, output, uncached = three_runs(
        [project / "spec.yaml"],
        lambda: (project / ".blocklint.toml").write_text('select = ["BL806"]\n[severity]\nBL806 = "warning"\n'))
    assert [f.severity for r in before for f in r.findings] == ["error"]  # the artifact holds a .dockerignore
    assert after.misses == 1 and output == uncached and '"severity": "warning"' in output


def test_rule_options(project):
    (project / ".blocklint.toml").write_text('select = ["BL204"]\n')
    before, after, output, uncached = three_runs(
        [project / "spec.yaml"],
        lambda: (project / ".blocklint.toml").write_text(
            'select = ["BL204"]\n[options.BL204]\nmin-interval = 30\n'))
    assert not findings_of(before) and after.misses == 1 and output == uncached and "BL204" in uncached


RULE = '''\
from blocklint.engine import rule

@rule("TEAM001", "team-note", severity="warning")
def team_note(spec):
    """A team rule."""
    yield ("metadata",), "MESSAGE"
'''


def test_rules_dir_code(project):
    rules = project / "rules"
    rules.mkdir()
    (rules / "team_cache_rule.py").write_text(RULE.replace("MESSAGE", "first wording"))
    options = {"rules_dir": (str(rules),), "select": ("TEAM",)}

    def edit():
        (rules / "team_cache_rule.py").write_text(RULE.replace("MESSAGE", "second wording"))
        sys.modules.pop("team_cache_rule", None)

    try:
        before, after, output, uncached = three_runs([project / "spec.yaml"], edit, **options)
    finally:
        sys.modules.pop("team_cache_rule", None)
    assert "first wording" in findings_of(before)[0][2]
    assert after.misses == 1 and output == uncached and "second wording" in output


def test_version(project, monkeypatch):
    _, after, output, uncached = three_runs([project / "spec.yaml"],
                                           lambda: monkeypatch.setattr(cache_module, "__version__", "99.0.0"))
    assert after.misses == 1 and output == uncached


def test_an_entry_from_another_version_is_not_trusted(project, monkeypatch):
    lint([project / "spec.yaml"], cache=ResultCache())
    monkeypatch.setattr(cache_module, "_digest", lambda *parts, real=cache_module._digest: real(
        *[part for part in parts if part != "99.0.0"]))
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")  # same key, but the entry says 0.x
    fresh = ResultCache()
    lint([project / "spec.yaml"], cache=fresh)
    assert fresh.misses == 1


DEPLOYMENT = textwrap.dedent("""\
    body:
      name: nightly
      title: Nightly
      spec:
        id: cached-workflow
      parameters:
        run:
          region: eu
    """)


def test_spec_file(project):
    (project / "deploy.yaml").write_text(DEPLOYMENT)
    spec = project / "spec.yaml"
    options = {"spec_files": (str(spec),), "select": ("BL406",)}
    before, after, output, uncached = three_runs([project / "deploy.yaml"], lambda: spec.write_text(WITH_REGION),
                                                 **options)
    assert findings_of(before) and after.misses == 1 and output == uncached and "BL406" not in uncached


WITH_REGION = WORKFLOW.replace("artifact:\n", "parameters:\n  run:\n    - name: region\n      type: string\n"
                               "      required: true\nartifact:\n")


@pytest.mark.parametrize("reference", ["spec.yaml", "cached-workflow"], ids=["by-path", "by-name"])
def test_a_spec_a_deployment_refers_to(project, reference):
    """No --spec: the deployment's `spec.id` leads to the spec in the project; a change to the
    spec re-checks the deployment."""
    (project / "pyproject.toml").write_text("[tool.blocklint]\n")
    (project / "deploy.yaml").write_text(DEPLOYMENT.replace("id: cached-workflow", f"id: {reference}"))
    spec = project / "spec.yaml"
    before, after, output, uncached = three_runs([project / "deploy.yaml"], lambda: spec.write_text(WITH_REGION),
                                                 select=("BL406",))
    assert findings_of(before) and after.misses == 1 and output == uncached and "BL406" not in uncached


def test_an_include_of_a_spec_a_deployment_refers_to(project):
    (project / "pyproject.toml").write_text("[tool.blocklint]\n")
    (project / "deploy.yaml").write_text(DEPLOYMENT.replace("id: cached-workflow", "id: spec.yaml.j2"))
    (project / "spec.yaml.j2").write_text(WORKFLOW.replace("artifact:\n", "{% include 'params.yaml' %}\nartifact:\n"))
    (project / "params.yaml").write_text("parameters: {}\n")
    params = WITH_REGION[WITH_REGION.index("parameters:"):WITH_REGION.index("artifact:")]
    before, after, output, uncached = three_runs(
        [project / "deploy.yaml"], lambda: (project / "params.yaml").write_text(params), select=("BL406",))
    assert findings_of(before) and after.misses == 1 and output == uncached and "BL406" not in uncached


def test_an_include_found_earlier_in_the_search_once_it_exists(project):
    """The include search tries the working directory before the file's folder: a file created
    there changes what is included, so the cache watches the paths it tried, not only the one found."""
    release = '  release:\n    version: "1.0.0"\n    notes: first\n'
    (project / "specs").mkdir()
    (project / "specs" / "spec.yaml.j2").write_text(WORKFLOW.replace(release, "  {% include 'release.yaml' %}\n"))
    (project / "specs" / "release.yaml").write_text(RELEASE)
    before, after, output, uncached = three_runs(
        [project / "specs" / "spec.yaml.j2"],
        lambda: (project / "release.yaml").write_text(RELEASE.replace("1.0.0", "one")), select=("BL6",))
    assert not findings_of(before) and after.misses == 1 and output == uncached and "'one'" in uncached


TEMPLATE = WORKFLOW.replace('version: "1.0.0"', 'version: "{{ version }}"')


def test_params_file(project):
    (project / "spec.yaml.j2").write_text(TEMPLATE)
    params = project / "params.yaml"
    params.write_text("version: 1.0.0\n")
    options = {"params_file": str(params), "select": ("BL6",)}
    before, after, output, uncached = three_runs(
        [project / "spec.yaml.j2"], lambda: params.write_text("version: not-semver\n"), **options)
    assert not findings_of(before) and after.misses == 1 and output == uncached and "not-semver" in uncached




def test_template_include(project):
    release = '  release:\n    version: "1.0.0"\n    notes: first\n'
    assert release in WORKFLOW
    (project / "spec.yaml.j2").write_text(WORKFLOW.replace(release, "  {% include 'release.yaml' %}\n"))
    (project / "release.yaml").write_text(RELEASE)
    before, after, output, uncached = three_runs(
        [project / "spec.yaml.j2"],
        lambda: (project / "release.yaml").write_text(RELEASE.replace("1.0.0", "one")), select=("BL6",))
    assert not findings_of(before) and after.misses == 1 and output == uncached and "'one'" in uncached


def test_artifact_directory(project):
    before, after, output, uncached = three_runs([project / "spec.yaml"],
                                                 lambda: (project / "artifact" / "Dockerfile").unlink())
    assert after.misses == 1 and output == uncached and "Dockerfile" in uncached
    assert "Dockerfile" not in rendered(before, lint([project / "spec.yaml"])[1]).replace("dockerfile: Dockerfile", "")


def test_artifact_directory_new_file(project):
    _, after, output, uncached = three_runs([project / "spec.yaml"],
                                           lambda: (project / "artifact" / "big.bin").write_bytes(os.urandom(64)))
    assert after.misses == 1 and output == uncached


def test_an_artifact_directory_too_large_to_fingerprint_is_not_cached(project, monkeypatch):
    monkeypatch.setattr(cache_module, "MAX_ARTIFACT_ENTRIES", 2)
    lint([project / "spec.yaml"], cache=ResultCache())
    again = ResultCache()
    lint([project / "spec.yaml"], cache=again)
    assert again.misses == 1 and not stored(project)


def test_a_corrupt_or_partial_entry_is_a_miss(project):
    first, _ = lint([project / "spec.yaml"], cache=ResultCache())
    (pack,) = packs(project)
    good = json.loads(pack.read_text())

    def edited(field, value) -> bytes:
        entries = {path: with_field(entry, field, value) for path, entry in good["entries"].items()}
        return json.dumps({**good, "entries": entries}).encode()

    for damaged in (b"", pack.read_bytes()[:40], b"\xff\xfe not json", b'{"version": "0.1.0"}', b"[1, 2]",
                    json.dumps({**good, "entries": [1]}).encode(), edited("findings", [7]), edited("deps", None),
                    edited("digest", "0" * 64), edited("explicit", 1), edited("path", None),
                    json.dumps({**good, "format": 1}).encode(),  # the layout of an older blocklint's entries
                    json.dumps({**good, "entries": {path: dict(zip(ENTRY_FIELDS, entry)) for path, entry
                                                    in good["entries"].items()}}).encode(),
                    json.dumps({**good, "entries": {path: entry[:-1] for path, entry
                                                    in good["entries"].items()}}).encode()):
        pack.write_bytes(damaged)
        fresh = ResultCache()
        results, plan = lint([project / "spec.yaml"], cache=fresh)
        assert results == first and (fresh.hits, fresh.misses) == (0, 1), damaged
    # the last run rewrote a good entry
    fresh = ResultCache()
    assert lint([project / "spec.yaml"], cache=fresh)[0] == first and fresh.hits == 1


def test_every_field_of_a_finding_is_checked_when_read_from_a_pack():
    from blocklint.cache_store import _FIELD_TYPES
    from blocklint.findings import Finding

    assert set(Finding._fields) - set(_FIELD_TYPES) == {"fix"} and set(_FIELD_TYPES) <= set(Finding._fields)


def test_a_changed_file_is_read_once_in_a_run_of_one_process(project, monkeypatch):
    """The window's quick look leaves a file it cannot answer to its check, which reads it once
    (the cache hashes those bytes and the loader loads them)."""
    import blocklint.load
    from blocklint.load.read import read_bounded

    lint([project / "spec.yaml"], cache=ResultCache())
    (project / "spec.yaml").write_text(WORKFLOW.replace("python main.py", "python app.py"))
    reads = []

    def counted(path, *args, **kwargs):
        if os.path.basename(os.fspath(path)) == "spec.yaml":
            reads.append(path)
        return read_bounded(path, *args, **kwargs)

    monkeypatch.setattr(blocklint.load, "read_bounded", counted)
    fresh = ResultCache()
    lint([project / "spec.yaml"], cache=fresh)
    assert fresh.misses == 1 and len(reads) == 1


def test_an_entry_holding_what_is_no_result_or_no_frame_gives_none_of_either():
    """Fields a pack may hold that would break a report later: findings of another type than a
    list, a frame whose line count `len()` could not return (a code frame asks for it)."""
    from blocklint.cache_store import FINDINGS, FRAME, frame_of, hit_of

    entry = [None] * len(ENTRY_FIELDS)
    entry[ENTRY_FIELDS.index("path")], entry[ENTRY_FIELDS.index("skipped")] = "spec.yaml", False
    for findings in ("", {}):
        entry[FINDINGS] = findings
        assert hit_of(entry) is None
    entry[FINDINGS] = []
    assert hit_of(entry) == ("spec.yaml", None, [], False)
    for count in (2**70, -1):
        entry[FRAME] = [count, {"1": "name: x"}]
        assert frame_of(entry) is None
    entry[FRAME] = [3, {"1": "name: x"}]
    assert len(frame_of(entry)) == 3


def test_a_pack_too_large_or_no_regular_file_is_a_miss_and_never_read_whole(project, monkeypatch):
    from blocklint import cache_store

    first, _ = lint([project / "spec.yaml"], cache=ResultCache())
    (pack,) = packs(project)
    with monkeypatch.context() as patched:
        patched.setattr(cache_store, "MAX_PACK_BYTES", pack.stat().st_size - 1)
        fresh = ResultCache()
        assert lint([project / "spec.yaml"], cache=fresh)[0] == first and (fresh.hits, fresh.misses) == (0, 1)
    fresh = ResultCache()
    assert lint([project / "spec.yaml"], cache=fresh)[0] == first and fresh.hits == 1  # under the limit: read
    pack.unlink()
    os.mkfifo(pack)  # a FIFO in a checkout's cache: opening it must not wait for a writer
    fresh = ResultCache()
    assert lint([project / "spec.yaml"], cache=fresh)[0] == first and fresh.misses == 1
    pack.unlink()
    pack.write_text("[" * 100_000 + "]" * 100_000)  # nested past the JSON parser's recursion limit
    fresh = ResultCache()
    assert lint([project / "spec.yaml"], cache=fresh)[0] == first and fresh.misses == 1


def test_a_pack_holds_the_dependencies_its_files_share_once(project):
    """Specs of one folder naming the same artifact: one list of dependencies in the pack, each
    entry its index there; an artifact changed since is a miss for each of them, and an index
    that points nowhere is a miss."""
    (project / "other.yaml").write_text(WORKFLOW.replace("name: ", "name: other-", 1))
    paths = [project / "spec.yaml", project / "other.yaml"]
    first, _ = lint(paths, cache=ResultCache())
    (pack,) = packs(project)
    written = json.loads(pack.read_text())
    assert len(written["deps"]) == 1 and [entry["deps"] for entry in stored(project)] == [0, 0]
    assert written["deps"][0][0][0] == "artifact"
    warm = ResultCache()
    assert lint(paths, cache=warm)[0] == first and warm.hits == 2
    (project / "artifact" / "added.txt").write_text("new")
    changed = ResultCache()
    lint(paths, cache=changed)
    assert (changed.hits, changed.misses) == (0, 2)
    written = json.loads(pack.read_text())
    pack.write_text(json.dumps({**written, "deps": []}))
    nowhere = ResultCache()
    assert lint(paths, cache=nowhere)[0] == first and (nowhere.hits, nowhere.misses) == (0, 2)


SCRIPT = """
import sys
from blocklint import runner, walk
from blocklint.cache import ResultCache
from blocklint.plan import Overrides, Planner
planner = Planner(Overrides(registry=False))
targets = walk.discover(["."], planner.default)
for result in runner.check_all(targets, planner.for_path, jobs=int(sys.argv[1]), cache=ResultCache()):
    print(result.path, result.kind, result.skipped, [tuple(f) for f in result.findings])
"""


def test_two_processes_at_once_share_one_cache(project):
    corpus.corpus(project / "specs", 40)
    (project / "spec.yaml").unlink()
    os.chdir(project / "specs")
    uncached, _ = lint(["."])
    expected = "".join(f"{r.path} {r.kind} {r.skipped} {[tuple(f) for f in r.findings]}\n" for r in uncached)
    for _ in range(2):  # cold (both write), then warm (both read)
        runs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(jobs)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for jobs in (1, 2)]
        for run in runs:
            out, err = run.communicate(timeout=300)
            assert run.returncode == 0, err
            assert out == expected
    entries = stored(project)  # beside the configuration: one pack, written whole by the last run
    assert len(packs(project)) == 1 and len(entries) == 40


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(CACHE_DIR))
    return target


@pytest.mark.parametrize("jobs", [1, 2])
def test_cached_and_uncached_output_are_identical(tmp_path, monkeypatch, jobs):
    """Over the examples, the seeds and the benchmark corpus: a cold run through the cache, a
    warm one, and a run without it say exactly the same."""
    copy_tree(ROOT / "examples", tmp_path / "examples")
    copy_tree(ROOT / "tests" / "seeds", tmp_path / "seeds")
    corpus.corpus(tmp_path / "bench", 120)  # `jobs` given: workers check the misses
    monkeypatch.chdir(tmp_path)
    paths = ["examples", "seeds", "bench"]
    uncached, plan = lint(paths, jobs=jobs)
    cold_cache, warm_cache = ResultCache(), ResultCache()
    cold, _ = lint(paths, cache=cold_cache, jobs=jobs)
    warm, _ = lint(paths, cache=warm_cache, jobs=jobs)
    expected = rendered(uncached, plan)
    assert rendered(cold, plan) == expected and rendered(warm, plan) == expected
    assert cold == uncached and warm == uncached
    assert len(uncached) > 80 and any(r.findings for r in uncached)
    if jobs == 1:
        assert warm_cache.hits == len(stored(tmp_path)) >= len(uncached) - 5  # a few may not be cacheable


def test_the_default_text_output_is_the_same_cold_warm_and_uncached_with_fixable_findings(tmp_path, monkeypatch):
    """`blocklint check .` as users run it (the text format, with source lines and `[*]` marking
    what `--fix` fixes) over the benchmark corpus with a fifth of its files given a fixable finding:
    a run without the cache, a cold one (writing every entry) and a warm one print the same."""
    monkeypatch.delenv("BLOCKLINT_NO_CACHE")
    paths = corpus.corpus(tmp_path, 40)
    assert corpus.add_fixable_findings(paths, share=5) == 8

    def check(*options):
        done = subprocess.run([sys.executable, "-m", "blocklint", "check", *options, "--isolated", "."],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    uncached = check("--no-cache")
    assert not (tmp_path / CACHE_DIR).exists()
    cold = check()
    entries = [{**entry, "stat": None} for entry in stored(tmp_path)]  # a settled file's stat is added later
    assert len(entries) == 40
    warm = check()
    assert [{**entry, "stat": None} for entry in stored(tmp_path)] == entries
    assert "[*]" in uncached and "(8 fixable with --fix)" in uncached
    assert cold == uncached and warm == uncached


def test_blocklint_clean_removes_the_cache(project):
    from click.testing import CliRunner

    lint([project / "spec.yaml"], cache=ResultCache())
    assert (project / CACHE_DIR).is_dir()
    done = CliRunner().invoke(clean, [])
    assert done.exit_code == 0 and not (project / CACHE_DIR).exists()
    done = CliRunner().invoke(clean, [])
    assert done.exit_code == 0 and "no cache" in done.output


def test_an_entry_made_elsewhere_is_never_read_so_a_committed_cache_cannot_hide_findings(project, monkeypatch):
    """A pull request can commit a `.blocklint_cache`; entries are named with a key kept outside the
    project, so an entry planted from another machine is never found."""
    spec = project / "spec.yaml"
    spec.write_text(WORKFLOW.replace("instanceTypeId: 21", "instanceTypeId: large"))
    monkeypatch.setattr(cache_module, "_MACHINE_KEY", ["attacker"])
    truth, _ = lint([spec], cache=ResultCache())
    assert findings_of(truth), "the spec must have findings for this test to mean anything"
    for pack in packs(project):  # the attacker's entries say: all clean
        planted = json.loads(pack.read_text())
        planted["entries"] = {path: with_field(entry, "findings", []) for path, entry in planted["entries"].items()}
        pack.write_text(json.dumps(planted))
    fooled = ResultCache()
    assert findings_of(lint([spec], cache=fooled)[0]) == []  # with the attacker's key, it would hide them
    monkeypatch.setattr(cache_module, "_MACHINE_KEY", ["this machine"])
    here = ResultCache()
    assert findings_of(lint([spec], cache=here)[0]) == findings_of(truth) and here.hits == 0


def test_the_machine_key_lives_outside_the_project_and_is_private(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "_MACHINE_KEY", [])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    key = cache_module.machine_key()
    stored = tmp_path / "home-cache" / "blocklint" / "cache-key"
    assert key and stored.read_bytes().hex() == key and (stored.stat().st_mode & 0o777) == 0o600


def test_a_linked_cache_directory_is_never_written_through(project):
    """A checkout's `.blocklint_cache` may be a link to anywhere (the user's home): no caching then."""
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (project / CACHE_DIR).symlink_to(elsewhere)
    results, _ = lint([project / "spec.yaml"], cache=ResultCache())
    assert list(elsewhere.iterdir()) == [] and results


def test_nothing_is_cached_while_templates_may_read_the_environment(project, monkeypatch):
    monkeypatch.setenv("RELEASE_VERSION", "2.0.0")
    cache = ResultCache()
    lint([project / "spec.yaml"], cache=cache, template_env=("RELEASE_VERSION",))
    assert not stored(project)


def test_a_finding_quoting_a_token_is_never_written_to_the_cache(project):
    """Reports mask a token a finding quotes (an unknown parent pasted from a password manager);
    the entry would hold it whole, so that file's result is not cached, and is still right."""
    token = "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    (project / "leaky.yaml").write_text(WORKFLOW.replace("    command: python main.py",
                                                         f"    command: python main.py\n        parents: [{token}]"))
    for _ in range(2):
        cache = ResultCache()
        results, _ = lint([project / "leaky.yaml", project / "spec.yaml"], cache=cache)
        assert any(token in f.message for f in results[0].findings if f.rule == "BL301")
    assert (cache.hits, cache.misses) == (1, 1)
    assert len(stored(project)) == 1 and not [pack for pack in packs(project) if token in pack.read_text()]


def test_a_link_out_of_the_project_is_refused_with_or_without_the_cache(project):
    outside = project.parent / "outside.yaml"
    outside.write_text(WORKFLOW)
    (project / "linked.yaml").symlink_to(outside)
    for cache in (ResultCache(), ResultCache(), None):
        results, _ = lint([project / "linked.yaml"], cache=cache)
        assert [f.rule for f in results[0].findings] == ["BL012"]


EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize("checked, spec", [
    ("deployments/block-deployment-revision.yaml", "workflow/workflow-private.yaml"),  # revision -> deployment -> spec
    ("app/app-deployment.yaml", "workflow/mixed-steps.yaml"),  # app deployment -> app spec -> block spec
], ids=["revision-deployment-spec", "app-deployment-app-spec-block-spec"])
def test_a_spec_two_references_away(project, checked, spec):
    """A file whose parameters are checked against a spec it reaches through another document:
    a change to that spec re-checks it."""
    shutil.copytree(EXAMPLES, project / "examples")
    spec = project / "examples" / spec
    renamed = lambda: spec.write_text(spec.read_text().replace("name: agg_type", "name: agg_kind"))  # noqa: E731
    before, after, output, uncached = three_runs([project / "examples" / checked], renamed, select=("BL406",))
    assert not findings_of(before) and after.misses == 1 and output == uncached and "agg_type" in uncached


def test_a_spec_name_found_nowhere_is_not_cached_so_the_spec_added_later_is_found(project):
    (project / "deploy.yaml").write_text(DEPLOYMENT.replace("id: cached-workflow", "id: later-workflow"))
    first, _ = lint([project / "deploy.yaml"], cache=ResultCache(), select=("BL406", "BL414"))
    assert [rule for rule, *_ in findings_of(first)] == ["BL414"]
    (project / "later.yaml").write_text(WITH_REGION.replace("name: cached-workflow", "name: later-workflow"))
    warm = ResultCache()
    results, _ = lint([project / "deploy.yaml"], cache=warm, select=("BL406", "BL414"))
    assert warm.hits == 0 and not findings_of(results)


def test_a_findings_related_places_survive_the_cache():
    from blocklint.cache_store import finding_from_json, finding_to_json
    from blocklint.engine.api import Key
    from blocklint.findings import Finding

    finding = Finding("spec.yaml", 3, 5, 3, 9, "BL309", "duplicate-parent", "warning", "listed twice",
                      ("body", "config", "steps", "report", "parents", 1), "inferred",
                      related=(("body", "config", "steps", "report", "parents", 0), ("body", Key("steps"))))
    back = finding_from_json(json.loads(json.dumps(finding_to_json(finding))))
    assert back == finding and isinstance(back.related[1][1], Key)
    crafted = finding_to_json(finding)
    crafted[-1] = ["body"]  # a place that is no path
    with pytest.raises(ValueError):
        finding_from_json(crafted)


def text_of(results, plan) -> str:
    """The results through the text reporter, code frames and all."""
    stream = io.StringIO()
    reporter = reporter_class("text")(stream, strict=False, rules=plan.available, color=False)
    for result in results:
        reporter.file(result)
    reporter.finish()
    return stream.getvalue()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_warm_run_frames_its_findings_from_the_lines_the_entries_kept(tmp_path, monkeypatch, jobs):
    """In one process or with workers (`jobs=2`: a window at a time), a warm run's code frames come
    from the lines each entry kept, reading no file, and are exactly those of a run without the cache."""
    paths = corpus.corpus(tmp_path, 120)
    assert corpus.add_fixable_findings(paths, share=5) == 24
    monkeypatch.chdir(tmp_path)
    uncached, plan = lint(["."], jobs=jobs)
    lint(["."], cache=ResultCache(), jobs=jobs)
    warm, _ = lint(["."], cache=ResultCache(), jobs=jobs)
    assert sum(result.frame_lines is not None for result in warm) == 24
    expected = text_of(uncached, plan)
    read = []
    monkeypatch.setattr("blocklint.report.text.source_lines", lambda path: read.append(path) or [])
    assert text_of(warm, plan) == expected and "cron: \"@daily\"" in expected and read == []


def test_a_line_the_secret_detector_masks_is_not_kept_in_an_entry():
    from blocklint.cache_store import frame_lines
    from blocklint.findings import Finding

    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    finding = Finding("a.yaml", 2, 1, 2, 5, "BL205", "name", "warning", "message", (), "inferred", "", None, ())
    assert frame_lines(b"a: 1\nb: 2\n", "a.yaml", [finding]) == [3, {"2": "b: 2"}]
    assert frame_lines(f"a: 1\nb: {token}\n".encode(), "a.yaml", [finding]) is None
    assert frame_lines(b"a: 1\nb: 2\n", "a.yaml", [finding._replace(rule="BL701")]) is None
