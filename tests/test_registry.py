"""The embedded registry: where it lives, what it stores, what it refuses, and how it pages."""

from __future__ import annotations

import copy
import io
import json
import sqlite3
import threading
import zipfile
from pathlib import Path

import pytest

from blocklint.artifact import build_zip
from blocklint.load import load_path
from blocklint.registry import registry_path, spec_resolver
from blocklint.registry.errors import Conflict, Invalid, NotFound
from blocklint.registry.store import Registry
from blocklint.semver import semver_key
from registry_consistency import consistency_problems

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(relative: str) -> dict:
    return copy.deepcopy(load_path(EXAMPLES / relative).data)


def create(registry, relative="workflow/workflow-private.yaml", name=None, **overrides):
    data = example(relative)
    if name:
        data["body"]["metadata"]["name"] = name
    artifact = build_zip(EXAMPLES / "artifact", [".dockerignore"]) if "artifact" in data else None
    return registry.create_spec("blocks", data["body"], parameters=data.get("parameters"), featured=data.get("featured"),
                                scope=data.get("scope"), tenants=data.get("tenants"),
                                auto_run=data.get("autoRunOnDeploy"), artifact=artifact, **overrides)


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "registry.sqlite3")


def test_the_registry_lives_in_the_project_root_or_where_the_environment_says(tmp_path, monkeypatch):
    monkeypatch.delenv("BLOCKLINT_REGISTRY", raising=False)
    (tmp_path / ".git").mkdir()
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert registry_path(nested) == tmp_path.resolve() / ".blocklint" / "registry.sqlite3"
    monkeypatch.setenv("BLOCKLINT_REGISTRY", str(tmp_path / "elsewhere.db"))
    assert registry_path(nested) == tmp_path / "elsewhere.db"


def test_a_spec_is_stored_with_its_release_and_artifact_in_wal_mode(registry):
    spec_id = create(registry)["id"]
    spec = registry.describe_spec("blocks", spec_id)
    assert spec["metadata"]["status"] == "available" and spec["latestRelease"]["version"] == "1.0.0"
    assert spec["latestRelease"]["artifact"]["size"] > 0
    assert registry._db().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(Conflict):
        create(registry)


def test_validate_only_checks_and_stores_nothing(registry):
    assert create(registry, validate_only=True) == {"success": True, "message": "The spec is valid"}
    assert registry.list_specs(None)["specs"] == []


def test_an_invalid_release_is_refused_with_its_findings(registry):
    spec_id = create(registry)["id"]
    release = example("workflow/workflow-release.yaml")
    release["body"]["config"]["steps"]["step2"]["parents"] = ["ghost"]
    with pytest.raises(Invalid) as refused:
        registry.create_release("blocks", spec_id, release["body"], parameters=release["parameters"])
    assert refused.value.findings and all(f["severity"] == "error" for f in refused.value.findings)
    assert [r["version"] for r in registry.list_releases("blocks", spec_id)["releases"]] == ["1.0.0"]


def test_release_versions_only_go_up(registry):
    spec_id = create(registry)["id"]
    body = example("workflow/workflow-release.yaml")
    artifact = build_zip(EXAMPLES / "artifact", [".dockerignore"])
    registry.create_release("blocks", spec_id, body["body"], parameters=body["parameters"], artifact=artifact)
    with pytest.raises(Conflict):
        registry.create_release("blocks", spec_id, body["body"], parameters=body["parameters"], artifact=artifact)
    body["body"]["release"]["version"] = "1.9.9"
    with pytest.raises(Invalid, match="greater"):
        registry.create_release("blocks", spec_id, body["body"], parameters=body["parameters"], artifact=artifact)
    assert semver_key("1.0.0-rc.1") < semver_key("1.0.0") < semver_key("1.0.10")


def test_lists_page_as_peak_sdk_reads_them(registry):
    for number in range(5):
        create(registry, "workflow/workflow-shared.yaml", name=f"paged-{number}")
    page = registry.list_specs("blocks", page_size=2, page_number=3, sort=["name:asc"])
    assert page["pageCount"] == 3 and page["specsCount"] == page["specCount"] == 5
    assert [s["metadata"]["name"] for s in page["specs"]] == ["paged-4"]
    with pytest.raises(Invalid):
        registry.list_specs("blocks", sort=["colour:asc"])


def test_revisions_are_listed_under_the_key_the_sdk_iterates_and_the_documented_one(registry):
    spec_id = create(registry)["id"]
    body = example("deployments/block-deployment.yaml")["body"]
    body["spec"]["id"] = spec_id
    deployment_id = registry.create_deployment("blocks", body)["id"]
    page = registry.list_revisions("blocks", deployment_id)
    assert page["deployments"] == page["revisions"] and page["revisionCount"] == 1


def test_hidden_values_are_masked_in_every_answer_but_stay_stored(registry):
    data = example("workflow/workflow-private.yaml")
    data["parameters"]["run"].append({"name": "api_token", "type": "string", "required": False,
                                      "hideValue": True, "defaultValue": "default-to-hide"})
    artifact = build_zip(EXAMPLES / "artifact", [".dockerignore"])
    spec_id = registry.create_spec("blocks", data["body"], parameters=data["parameters"], artifact=artifact)["id"]
    body = example("deployments/block-deployment.yaml")["body"]
    body["spec"]["id"] = spec_id
    body["parameters"]["run"]["api_token"] = "value-to-hide"
    deployment_id = registry.create_deployment("blocks", body)["id"]
    answers = [registry.describe_deployment("blocks", deployment_id), registry.get_parameters(deployment_id),
               registry.patch_parameters(deployment_id, {"api_token": "patched-to-hide"}),
               registry.list_revisions("blocks", deployment_id), registry.describe_spec("blocks", spec_id),
               registry.describe_release("blocks", spec_id, "1.0.0")]
    text = json.dumps(answers)
    assert "to-hide" not in text and text.count("*****") >= 5
    assert registry.get_parameters(deployment_id)["api_token"] == "*****"
    stored = registry._db().execute("SELECT run_parameters FROM deployments WHERE id = ?", (deployment_id,)).fetchone()
    assert json.loads(stored[0])["api_token"] == "patched-to-hide"


def test_a_version_with_a_leading_v_is_refused_as_not_semantic(registry):
    data = example("workflow/workflow-private.yaml")
    data["body"]["release"]["version"] = "v1.2.3"
    artifact = build_zip(EXAMPLES / "artifact", [".dockerignore"])
    with pytest.raises(Invalid, match="v1.2.3"):
        registry.create_spec("blocks", data["body"], parameters=data["parameters"], artifact=artifact)
    assert registry.list_specs(None)["specs"] == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**70])
def test_values_json_cannot_answer_are_refused_before_anything_is_stored(registry, value):
    spec_id = create(registry)["id"]
    body = example("deployments/block-deployment.yaml")["body"]
    body["spec"]["id"] = spec_id
    body["metadata"]["description"] = value
    with pytest.raises(Invalid):
        registry.create_deployment("blocks", body)
    assert registry.list_deployments(None)["deployments"] == []


def test_a_registry_written_by_0_1_0_with_nan_values_is_read_and_migrated(tmp_path):
    path = tmp_path / "old.sqlite3"
    registry = Registry(path)
    spec_id = create(registry)["id"]
    body = example("deployments/block-deployment.yaml")["body"]
    body["spec"]["id"] = spec_id
    deployment_id = registry.create_deployment("blocks", body)["id"]
    registry.close()
    with sqlite3.connect(path) as db:  # what 0.1.0 stored after a PATCH with NaN and Infinity
        db.execute("UPDATE deployments SET run_parameters = ? WHERE id = ?",
                   ('{"agg_type": NaN, "limit": -Infinity}', deployment_id))
        db.execute("PRAGMA user_version = 0")
    reopened = Registry(path)
    assert reopened.get_parameters(deployment_id) == {"agg_type": None, "limit": None}
    json.dumps(reopened.describe_deployment("blocks", deployment_id), allow_nan=False)
    with sqlite3.connect(path) as db:
        stored = db.execute("SELECT run_parameters FROM deployments WHERE id = ?", (deployment_id,)).fetchone()[0]
        assert "NaN" not in stored and db.execute("PRAGMA user_version").fetchone()[0] >= 2


def test_a_deleted_spec_takes_its_releases_and_artifacts_but_not_while_deployed(registry):
    spec_id = create(registry)["id"]
    body = example("deployments/block-deployment.yaml")["body"]
    body["spec"]["id"] = spec_id
    deployment_id = registry.create_deployment("blocks", body)["id"]
    with pytest.raises(Conflict):
        registry.delete_spec("blocks", spec_id)
    registry.delete_deployment("blocks", deployment_id)
    registry.delete_spec("blocks", spec_id)
    with pytest.raises(NotFound):
        registry.describe_spec("blocks", spec_id)
    db = registry._db()
    assert db.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM releases").fetchone()[0] == 0


def test_an_artifact_that_escapes_its_directory_is_refused(registry):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.txt", "x")
    data = example("workflow/workflow-private.yaml")
    with pytest.raises(Invalid, match="outside"):
        registry.create_spec("blocks", data["body"], parameters=data["parameters"], artifact=buffer.getvalue())


def test_threads_writing_at_once_lose_nothing(registry):
    errors = []

    def writer(team):
        try:
            for number in range(3):
                create(registry, "workflow/workflow-shared.yaml", name=f"{team}-{number}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(team,)) for team in ("x", "y", "z")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert registry.list_specs("blocks", page_size=100)["specsCount"] == 9
    assert consistency_problems(registry.path) == []


def test_the_consistency_check_finds_a_spec_left_without_its_release(registry):
    create(registry, "workflow/workflow-shared.yaml", name="half-written")
    with sqlite3.connect(registry.path) as db:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("DELETE FROM releases")
    assert consistency_problems(registry.path) == ["spec 'half-written' has no release"]


def test_the_spec_resolver_finds_specs_by_id_and_name_and_is_none_without_a_registry(tmp_path, registry):
    assert spec_resolver(tmp_path / "missing.sqlite3") is None
    spec_id = create(registry)["id"]
    resolve = spec_resolver(registry.path)
    by_id, by_name = resolve(spec_id), resolve("workflow-block-private")
    assert by_id == by_name and by_id["body"]["metadata"]["name"] == "workflow-block-private"
    assert [p["name"] for p in by_id["parameters"]["run"]][:1] == ["agg_type"]
    assert resolve("no-such-spec") is None


def _untracked(repository: Path) -> list[str]:
    import subprocess

    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repository, check=True,
                            capture_output=True, text=True).stdout
    return sorted(line[3:] for line in listed.splitlines())


@pytest.mark.parametrize("folder_existed", [False, True], ids=["created-by-blocklint", "made-for-a-baseline-first"])
def test_the_state_folder_stays_out_of_git_but_a_baseline_and_schemas_stay_trackable(tmp_path, folder_existed):
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    state = tmp_path / ".blocklint"
    if folder_existed:  # `--write-baseline .blocklint/baseline.json` before any submit
        state.mkdir()
    registry = Registry(state / "registry.sqlite3")
    create(registry)
    assert list(state.glob("registry.sqlite3*")) and _untracked(tmp_path) == []
    (state / "schemas").mkdir()
    (state / "schemas" / "block-spec.json").write_text("{}")
    (state / "baseline.json").write_text("{}")
    (state / "notes.txt").write_text("state of some later version")
    assert _untracked(tmp_path) == [".blocklint/baseline.json", ".blocklint/schemas/block-spec.json"]


def test_a_registry_folder_of_the_users_own_is_left_alone(tmp_path):
    (tmp_path / "mine").mkdir()
    Registry(tmp_path / "mine" / "registry.sqlite3")
    assert not (tmp_path / "mine" / ".gitignore").exists()
    (tmp_path / ".blocklint").mkdir()
    (tmp_path / ".blocklint" / ".gitignore").write_text("registry.sqlite3*\n")
    Registry(tmp_path / ".blocklint" / "registry.sqlite3")
    assert (tmp_path / ".blocklint" / ".gitignore").read_text() == "registry.sqlite3*\n"
