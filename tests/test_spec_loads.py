"""Related specs are parsed once per run and handed over as documents, never re-read:

- each `--spec` file of `blocklint check` is loaded once, however many deployments name it;
- `blocklint submit` hands the specs of its run to the deployments that name them, and finds a
  revision's deployment among the files of the run, without loading either file again;
- the registry checks a received deployment against its spec without writing any file.

Loads are counted by wrapping `load_path` wherever it is bound, in-process (click's CliRunner).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from blocklint.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n\n[tool.blocklint]\n")
    monkeypatch.setenv("BLOCKLINT_REGISTRY", str(tmp_path / "no-registry" / "registry.sqlite3"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def loads(monkeypatch):
    """How many times each file (resolved path) is loaded, through every binding of `load_path`."""
    import blocklint.load

    original = blocklint.load.load_path
    counted: Counter = Counter()

    def counting_load_path(path, *args, **kwargs):
        counted[str(Path(path).resolve())] += 1
        return original(path, *args, **kwargs)

    import blocklint.runner  # noqa: F401  (binds load_path at import: bind it before counting)

    for module in list(sys.modules.values()):
        if getattr(module, "load_path", None) is original and (module.__name__ or "").startswith("blocklint"):
            monkeypatch.setattr(module, "load_path", counting_load_path)
    yield counted
    for module in list(sys.modules.values()):  # a module first imported during the test bound the counter
        if getattr(module, "load_path", None) is counting_load_path:
            module.load_path = original


def _invoke(*args):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)
    return result.exit_code, result.output


def test_each_spec_file_is_parsed_once_however_many_deployments_name_it(project, loads):
    spec = project / "examples" / "workflow" / "workflow-private.yaml"
    deployments = project / "examples" / "deployments"
    bad = deployments / "block-deployment.yaml"
    bad.write_text(bad.read_text().replace("num_iterations: 50", "num_iterations: many"))
    named = [bad, deployments / "block-deployment-revision.yaml", deployments / "patch-parameters.yaml",
             deployments / "fallback.yaml"]
    code, output = _invoke("check", "--spec", spec, *named)
    assert code == 1 and "BL406" in output and "num_iterations" in output, output  # the spec was used
    assert loads[str(spec.resolve())] == 1, loads
    assert all(loads[str(path.resolve())] == 1 for path in named), loads


def test_submit_hands_its_specs_and_deployments_over_without_loading_them_again(project, loads):
    spec = project / "examples" / "workflow" / "workflow-private.yaml"
    deployment = project / "examples" / "deployments" / "block-deployment.yaml"  # names the spec by path
    revision = project / "examples" / "deployments" / "block-deployment-revision.yaml"  # names the deployment
    assert "# blocklint: deployment=block-deployment.yaml" in revision.read_text()
    code, output = _invoke("submit", "--dry-run", spec, deployment, revision)
    assert code == 0, output
    assert "would POST /v1/blocks/deployments/<new block deployment new-deployment>/revisions" in output
    assert {path: count for path, count in loads.items()} == {
        str(spec.resolve()): 1, str(deployment.resolve()): 1, str(revision.resolve()): 1}


def test_the_registry_checks_a_received_deployment_against_its_spec_without_writing_a_file(project, tmp_path,
                                                                                        monkeypatch):
    from blocklint.load import load_path
    from blocklint.registry.validate import check

    spec = load_path(project / "examples" / "workflow" / "workflow-private.yaml").data
    deployment = load_path(project / "examples" / "deployments" / "block-deployment.yaml").data
    deployment["body"]["spec"]["id"] = "0b7b0a36-3e4f-4b8e-9c1d-2a6f1b9c0d11"
    deployment["body"]["parameters"]["run"]["num_iterations"] = "many"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    findings = check("block-deployment", deployment, spec_file=spec)

    assert [finding.rule for finding in findings] == ["BL406"], findings  # checked against the spec
    assert "num_iterations" in findings[0].message
    assert list(scratch.iterdir()) == []


def test_the_spec_kinds_are_the_kind_tables():
    """`specs` names the spec kinds without importing the kind table (a warm run imports no
    `kinds`): the same kinds, in the same order."""
    from blocklint import kinds, specs

    assert specs.SPEC_KINDS == kinds.SPEC_KINDS
    assert set(specs.BLOCK_SPEC_KINDS) | set(specs.APP_SPEC_KINDS) == set(kinds.SPEC_KINDS)
