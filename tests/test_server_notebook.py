"""The SDK notebook (../shared/seeds/000), call by call, with the real peak-sdk against `blocklint serve`.

`blocklint serve` is as strict as Press, no stricter: the notebook's bodies go through unchanged
(tests/seed_bodies.py holds them as the notebook writes them, its http payload with a trailing
comma included). Only what the notebook takes from an earlier answer (`workflow_private_spec["id"]`,
`workflow_block_deployment["id"]`) and its placeholders (`"<spec_id>"`, `"<deployment_id>"`) are
filled in; its artifact `../peak` is a directory with a Dockerfile, as the notebook's image needs.
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

HERE = Path(__file__).resolve().parent
ARTIFACT = {"path": str(HERE.parent / "examples" / "artifact"), "ignore_files": [".dockerignore"]}
FALLBACK = HERE / "seeds" / "000-fallback.yaml"
TOKEN = "notebook-test-token"


def _module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


press_server = _module("_press_server", HERE / "press_server.py")
seed_bodies = _module("_seed_bodies", HERE / "seed_bodies.py")


def notebook(source: str) -> dict:
    """A body or parameter set of the notebook, by the line range tests/seed_bodies.py names it by."""
    found = [value for label, _, value in seed_bodies.SEED_BODIES + seed_bodies.SEED_FRAGMENTS
             if label == f"000:{source}"]
    assert len(found) == 1, source
    return copy.deepcopy(found[0])


@pytest.fixture
def blocks(tmp_path, monkeypatch):
    import peak.session
    import peak.telemetry
    from peak.press import blocks

    with press_server.served(tmp_path / "registry.sqlite3", token=TOKEN) as url:
        def base_domain(stage, subdomain="service"):
            return f"{url}/{subdomain}"

        monkeypatch.setattr(peak.session, "get_base_domain", base_domain)
        monkeypatch.setattr(peak.telemetry, "get_base_domain", base_domain)
        monkeypatch.setenv("PEAK_AUTH_TOKEN", TOKEN)
        monkeypatch.delenv("PRESS_DEPLOYMENT_ID", raising=False)
        yield blocks.get_client(peak.session.Session())


def test_the_notebook_payload_is_the_one_press_accepts():
    """The premise: the notebook's http step payload is not strict JSON (a trailing comma)."""
    import json

    payload = notebook("60-273 workflow_private_spec_body")["config"]["steps"]["step2"]["payload"]
    assert payload.rstrip().endswith('"{{token1}}",\n}')
    with pytest.raises(json.JSONDecodeError):
        json.loads(payload)


def test_the_notebook_walks_through_blocklint_serve(blocks, monkeypatch):  # noqa: PLR0915 - one notebook
    from peak.exceptions import NotFoundException

    # Prepare payloads and create the four block specs
    workflow_private_spec = blocks.create_spec(
        body=notebook("60-273 workflow_private_spec_body"), artifact=ARTIFACT, featured=True,
        auto_run_on_deploy=True, scope="private", parameters=notebook("274-323 workflow_parameters"))
    workflow_shared_spec = blocks.create_spec(
        body=notebook("332-408 workflow_shared_spec_body"), artifact=ARTIFACT, featured=True,
        auto_run_on_deploy=True, scope="shared", tenants=["tenant1", "tenant2"])
    service_private_spec = blocks.create_spec(
        body=notebook("419-460 service_private_spec_body"), featured=True, scope="private",
        parameters=notebook("461-510 service_parameters"))
    service_shared_spec = blocks.create_spec(
        body=notebook("517-561 service_shared_spec_body"), artifact=ARTIFACT, featured=True, scope="shared",
        tenants=["tenant1", "tenant2"])
    created = [workflow_private_spec, workflow_shared_spec, service_private_spec, service_shared_spec]
    assert all(spec.get("id") for spec in created) and len({spec["id"] for spec in created}) == 4

    # List block specs and iterate over them; describe one
    spec_iterator = blocks.list_specs()
    assert next(spec_iterator)["id"] in {spec["id"] for spec in created}
    existing_spec = blocks.describe_spec(workflow_private_spec["id"])
    assert existing_spec["metadata"]["name"] == "workflow-block-private" and existing_spec["kind"] == "workflow"
    step2 = existing_spec["latestRelease"]["config"]["steps"]["step2"]
    assert step2["payload"] == notebook("60-273 workflow_private_spec_body")["config"]["steps"]["step2"]["payload"]

    # Update the spec's metadata
    updated = blocks.update_spec_metadata(spec_id=workflow_private_spec["id"],
                                          body=notebook("677-694 updated_spec_body"))
    assert updated["metadata"]["name"] == "updated-block-spec" and updated["metadata"]["status"] == "available"

    # New releases of the workflow and of the service ("<spec_id>": the web-app service)
    new_spec_release = blocks.create_spec_release(
        spec_id=workflow_private_spec["id"], body=notebook("702-896 body"), artifact=ARTIFACT,
        parameters=notebook("897-946 workflow_parameters"), auto_run_on_deploy=True)
    assert new_spec_release == {"id": workflow_private_spec["id"], "release": {"version": "2.0.0"}}
    new_spec_release = blocks.create_spec_release(
        spec_id=service_private_spec["id"], body=notebook("957-987 body"), artifact=ARTIFACT,
        parameters=notebook("988-1037 service_parameters"))
    assert new_spec_release["release"] == {"version": "2.0.0"}

    # Describe a release, list the releases
    block_spec_release_info = blocks.describe_spec_release(workflow_private_spec["id"], "2.0.0")
    assert block_spec_release_info["notes"] == "This is a revised release"
    spec_releases_iterator = blocks.list_spec_releases(workflow_private_spec["id"])
    assert {release["version"] for release in spec_releases_iterator} == {"1.0.0", "2.0.0"}

    # Create a deployment of release 1.0.0, list, describe, update its metadata, redeploy
    body = notebook("1105-1136 body")
    body["spec"]["id"] = workflow_private_spec["id"]
    workflow_block_deployment = blocks.create_deployment(body)
    list_deployments_iterator = blocks.list_deployments()
    assert next(list_deployments_iterator)["id"] == workflow_block_deployment["id"]
    described = blocks.describe_deployment(workflow_block_deployment["id"])
    assert described["spec"]["release"]["currentVersion"] == "1.0.0"
    metadata = blocks.update_deployment_metadata(workflow_block_deployment["id"],
                                                 body=notebook("1261-1273 updated_deployment_body"))
    assert metadata["metadata"]["title"] == "Updated Deployment"
    redeployed = blocks.redeploy(deployment_id=workflow_block_deployment["id"])
    assert redeployed["deploymentId"] == workflow_block_deployment["id"]

    # Get the parameters: from PRESS_DEPLOYMENT_ID, by id, from a fallback file
    monkeypatch.setenv("PRESS_DEPLOYMENT_ID", workflow_block_deployment["id"])
    assert blocks.get_parameters()["agg_type"] == "AVG"
    monkeypatch.delenv("PRESS_DEPLOYMENT_ID")
    assert blocks.get_parameters(deployment_id=workflow_block_deployment["id"])["num_iterations"] == 50
    assert blocks.get_parameters(fallback_params_file=str(FALLBACK))["agg_type"] == "AVG"

    # Patch the parameters
    patched = blocks.patch_parameters(deployment_id=workflow_block_deployment["id"],
                                      body=notebook("1309-1314 parameters"))
    assert patched["agg_type"] == "MAX" and patched["num_iterations"] == 10

    # A revision on release 2.0.0: create, describe, list
    workflow_block_deployment_revision = blocks.create_deployment_revision(
        workflow_block_deployment["id"], notebook("1322-1337 body"))
    revision = blocks.describe_deployment_revision(workflow_block_deployment["id"],
                                                   workflow_block_deployment_revision["revision"])
    assert revision["spec"]["release"]["version"] == "2.0.0" and revision["notes"] == "This is the second revision"
    deployment_revisions_iterator = blocks.list_deployment_revisions(workflow_block_deployment["id"])
    assert next(deployment_revisions_iterator)["revision"] == workflow_block_deployment_revision["revision"]

    # Delete the deployment, then the spec with all its releases
    assert blocks.delete_deployment(workflow_block_deployment["id"]) == {}
    assert blocks.delete_spec(workflow_private_spec["id"]) == {}
    with pytest.raises(NotFoundException):
        blocks.describe_spec(workflow_private_spec["id"])
