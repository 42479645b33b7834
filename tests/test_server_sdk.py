"""The real peak-sdk against `blocklint serve`: the seed notebook's whole lifecycle, and apps.

peak-sdk is pointed at the server as ../shared/press-api.md §1.2 says: `get_base_domain` is
replaced in `peak.session` and `peak.telemetry`, so press calls arrive at /press/v1/... and the
session's tenant-metadata and telemetry calls at /service/....
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings(  # peak-sdk 1.29 calls pathspec APIs that pathspec 1.x deprecates
    "ignore:.*(gitwildmatch|match_tree).*:DeprecationWarning")
pytest.importorskip("peak")
pytest.importorskip("fastapi")

from blocklint.load import load_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ARTIFACT = {"path": str(EXAMPLES / "artifact"), "ignore_files": [".dockerignore"]}
TOKEN = "sdk-test-token"

_helper = importlib.util.spec_from_file_location("_press_server", Path(__file__).parent / "press_server.py")
press_server = importlib.util.module_from_spec(_helper)
_helper.loader.exec_module(press_server)


def example(relative: str) -> dict:
    doc = load_path(EXAMPLES / relative)
    assert doc.cli and not doc.problems, relative
    return copy.deepcopy(doc.data)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    registry = tmp_path_factory.mktemp("served") / "registry.sqlite3"
    with press_server.served(registry, token=TOKEN) as url:
        yield url


@pytest.fixture
def session(server, monkeypatch):
    import peak.session
    import peak.telemetry

    def fake(stage, subdomain="service"):
        return f"{server}/{subdomain}"

    monkeypatch.setattr(peak.session, "get_base_domain", fake)
    monkeypatch.setattr(peak.telemetry, "get_base_domain", fake)
    monkeypatch.setenv("PEAK_AUTH_TOKEN", TOKEN)
    return peak.session.Session()


@pytest.fixture
def blocks(session):
    from peak.press import blocks

    return blocks.get_client(session)


@pytest.fixture
def apps(session):
    from peak.press import apps

    return apps.get_client(session)


def test_a_wrong_token_is_unauthorized(server, monkeypatch):
    import peak.session
    import peak.telemetry
    from peak.exceptions import UnauthorizedException

    monkeypatch.setattr(peak.session, "get_base_domain", lambda stage, subdomain="service": f"{server}/{subdomain}")
    monkeypatch.setattr(peak.telemetry, "get_base_domain", lambda stage, subdomain="service": f"{server}/{subdomain}")
    with pytest.raises(UnauthorizedException) as raised:
        peak.session.Session(auth_token="not-the-token")
    assert "not-the-token" not in str(raised.value)


def test_the_seed_notebook_block_lifecycle(blocks, monkeypatch):  # noqa: PLR0915 - one lifecycle
    from peak.exceptions import BadRequestException, NotFoundException

    spec_file = example("workflow/workflow-private.yaml")
    body = spec_file["body"]
    body["metadata"]["name"] = "sdk-lifecycle-private"

    # validate=True checks and stores nothing
    checked = blocks.create_spec(body=body, artifact=ARTIFACT, featured=True, auto_run_on_deploy=True,
                                 scope="private", parameters=spec_file["parameters"], validate=True)
    assert checked["success"] is True and checked["message"]
    assert not [s for s in blocks.list_specs() if s["metadata"]["name"] == "sdk-lifecycle-private"]

    # create spec (with artifact) -> list -> describe
    created = blocks.create_spec(body=body, artifact=ARTIFACT, featured=True, auto_run_on_deploy=True,
                                 scope="private", parameters=spec_file["parameters"])
    spec_id = created["id"]
    listed = [spec for spec in blocks.list_specs() if spec["id"] == spec_id]
    assert listed and listed[0]["metadata"]["name"] == "sdk-lifecycle-private"
    assert blocks.list_specs(return_iterator=False)["pageCount"] >= 1
    described = blocks.describe_spec(spec_id)
    assert described["kind"] == "workflow" and described["featured"] is True and described["scope"] == "private"
    assert described["latestRelease"]["version"] == "1.0.0"
    assert described["latestRelease"]["config"] == body["config"]
    assert described["latestRelease"]["artifact"]["version"] == 1
    assert [p["name"] for p in described["parameters"]["run"]] == [p["name"] for p in spec_file["parameters"]["run"]]

    # a second spec with the same name is a conflict; an invalid spec is a 400 with findings
    from peak.exceptions import ConflictException

    with pytest.raises(ConflictException):
        blocks.create_spec(body=body, artifact=ARTIFACT, parameters=spec_file["parameters"])
    broken = copy.deepcopy(body)
    broken["metadata"]["name"] = "sdk-broken"
    broken["config"]["steps"]["step2"]["parents"] = ["no-such-step"]
    with pytest.raises(BadRequestException) as refused:
        blocks.create_spec(body=broken, artifact=ARTIFACT, parameters=spec_file["parameters"])
    assert "no-such-step" in str(refused.value)
    assert not [s for s in blocks.list_specs(name="sdk-broken")]

    # update metadata
    metadata = example("deployments/spec-metadata.yaml")["body"]
    metadata["metadata"]["name"] = "sdk-lifecycle-private"
    updated = blocks.update_spec_metadata(spec_id=spec_id, body=metadata)
    assert updated["metadata"]["title"] == "Updated Spec Metadata" and updated["featured"] is False

    # create release -> describe release -> list releases
    release_file = example("workflow/workflow-release.yaml")
    release = blocks.create_spec_release(spec_id=spec_id, body=release_file["body"], artifact=ARTIFACT,
                                         parameters=release_file["parameters"], auto_run_on_deploy=True)
    assert release == {"id": spec_id, "release": {"version": "2.0.0"}}
    with pytest.raises(BadRequestException) as older:
        stale = copy.deepcopy(release_file["body"])
        stale["release"]["version"] = "1.5.0"
        blocks.create_spec_release(spec_id=spec_id, body=stale, artifact=ARTIFACT, parameters=release_file["parameters"])
    assert "greater" in str(older.value)
    described_release = blocks.describe_spec_release(spec_id, "2.0.0")
    assert described_release["config"] == release_file["body"]["config"]
    assert described_release["notes"] == "This is a revised release" and described_release["autoRunOnDeploy"] is True
    assert {r["version"] for r in blocks.list_spec_releases(spec_id)} == {"1.0.0", "2.0.0"}

    # create deployment -> list -> describe -> update metadata
    deployment_body = example("deployments/block-deployment.yaml")["body"]
    deployment_body["spec"]["id"] = spec_id
    deployment_body["metadata"]["name"] = "sdk-lifecycle-deployment"
    deployment_id = blocks.create_deployment(deployment_body)["id"]
    assert deployment_id in [d["id"] for d in blocks.list_deployments()]
    deployment = blocks.describe_deployment(deployment_id)
    assert deployment["latestRevision"]["revision"] == 1 and deployment["latestRevision"]["status"] == "deployed"
    assert deployment["spec"]["id"] == spec_id
    assert deployment["spec"]["release"] == {"currentVersion": "1.0.0", "latestVersion": "2.0.0"}
    flat = example("deployments/deployment-metadata.yaml")["body"]
    flat["name"] = "sdk-lifecycle-deployment"
    assert blocks.update_deployment_metadata(deployment_id, body=flat)["metadata"]["title"] == "Updated Deployment"

    # get / patch parameters, and get_parameters through PRESS_DEPLOYMENT_ID
    assert blocks.get_parameters(deployment_id=deployment_id)["agg_type"] == "AVG"
    patch = example("deployments/patch-parameters.yaml")["body"]
    assert blocks.patch_parameters(deployment_id=deployment_id, body=patch)["agg_type"] == "MAX"
    with pytest.raises(BadRequestException):
        blocks.patch_parameters(deployment_id=deployment_id, body={"num_iterations": "many"})
    monkeypatch.setenv("PRESS_DEPLOYMENT_ID", deployment_id)
    assert blocks.get_parameters() == {**blocks.get_parameters(deployment_id="ignored"), **patch}
    monkeypatch.delenv("PRESS_DEPLOYMENT_ID")

    # create revision -> describe revision -> list revisions
    revision_body = example("deployments/block-deployment-revision.yaml")["body"]
    revision = blocks.create_deployment_revision(deployment_id, revision_body)
    assert revision["revision"] == 2 and revision["id"]
    described_revision = blocks.describe_deployment_revision(deployment_id, revision["revision"])
    assert described_revision["spec"]["release"]["version"] == "2.0.0"
    assert described_revision["notes"] == "This is the second revision"
    revisions = list(blocks.list_deployment_revisions(deployment_id))
    assert [r["revision"] for r in revisions] == [2, 1]
    assert [r["status"] for r in revisions] == ["deployed", "superseded"]

    # redeploy -> delete deployment -> delete spec
    redeployed = blocks.redeploy(deployment_id=deployment_id)
    assert redeployed["deploymentId"] == deployment_id and redeployed["revision"] == 3 and redeployed["revisionId"]
    assert blocks.delete_deployment(deployment_id) == {}
    with pytest.raises(NotFoundException):
        blocks.describe_deployment(deployment_id)
    assert blocks.delete_spec(spec_id) == {}
    with pytest.raises(NotFoundException):
        blocks.describe_spec(spec_id)


def test_the_app_spec_flow(blocks, apps, monkeypatch):
    from peak.exceptions import ConflictException

    block_ids = {}
    for relative in ("workflow/mixed-steps.yaml", "workflow/build-parameters.yaml"):
        data = example(relative)
        data["body"]["metadata"]["name"] = "app-" + data["body"]["metadata"]["name"]
        block_ids[relative] = blocks.create_spec(body=data["body"], artifact=ARTIFACT, parameters=data["parameters"],
                                                 scope=data.get("scope"), tenants=data.get("tenants"))["id"]
    app_file = example("app/app-spec.yaml")
    app_body = app_file["body"]
    app_body["config"][0]["id"] = block_ids["workflow/mixed-steps.yaml"]
    app_body["config"][1]["id"] = block_ids["workflow/build-parameters.yaml"]
    app_id = apps.create_spec(body=app_body, featured=True, scope="shared", tenants=["tenant1", "tenant2"])["id"]
    assert app_id in [spec["id"] for spec in apps.list_specs()]
    described = apps.describe_spec(app_id)
    assert described["kind"] == "app" and described["latestRelease"]["config"] == app_body["config"]
    assert described["tenants"] == ["tenant1", "tenant2"]

    release_body = example("app/app-spec-release.yaml")["body"]
    release_body["config"][0]["id"] = block_ids["workflow/mixed-steps.yaml"]
    assert apps.create_spec_release(spec_id=app_id, body=release_body) == {"id": app_id, "release": {"version": "2.0.0"}}
    assert apps.describe_spec_release(app_id, "2.0.0")["config"] == release_body["config"]
    assert {r["version"] for r in apps.list_spec_releases(app_id)} == {"1.0.0", "2.0.0"}

    deployment_body = example("app/app-deployment.yaml")["body"]
    deployment_body["spec"]["id"] = app_id
    deployment_body["parameters"] = {"app-" + name: values for name, values in deployment_body["parameters"].items()}
    deployment_id = apps.create_deployment(deployment_body)["id"]
    assert deployment_id in [d["id"] for d in apps.list_deployments()]
    deployment = apps.describe_deployment(deployment_id)
    children = deployment["latestRevision"]["blocks"]
    assert deployment["kind"] == "app" and sorted(b["name"] for b in children) == [
        "app-workflow-block-mixed-steps", "app-workflow-block-new"]

    # a block of the app finds its siblings, as block code does at run time
    monkeypatch.setenv("PRESS_DEPLOYMENT_ID", children[0]["deploymentId"])
    related = blocks.get_related_block_details()
    assert sorted(b["name"] for b in related) == sorted(b["name"] for b in children)
    monkeypatch.delenv("PRESS_DEPLOYMENT_ID")

    revision_body = example("app/app-deployment-revision.yaml")["body"]
    revision_body["parameters"] = {"app-" + name: values for name, values in revision_body["parameters"].items()}
    revision = apps.create_deployment_revision(deployment_id, revision_body)
    assert revision["revision"] == 2
    assert apps.describe_deployment_revision(deployment_id, 2)["notes"] == "This is a new revision"
    assert [r["revision"] for r in apps.list_deployment_revisions(deployment_id)] == [2, 1]
    renamed = apps.update_deployment_metadata(deployment_id, {"title": "Renamed app deployment"})
    assert renamed["metadata"]["title"] == "Renamed app deployment"
    assert apps.redeploy(deployment_id)["revision"] == 3

    with pytest.raises(ConflictException):
        apps.delete_spec(app_id)  # still deployed
    assert apps.delete_deployment(deployment_id) == {}
    assert apps.delete_spec(app_id) == {}
    for block_id in block_ids.values():
        assert blocks.delete_spec(block_id) == {}
