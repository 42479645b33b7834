"""One project, one verdict: references are followed from whichever file is checked, through all
five front doors.

Each project below is a copy of the bundled examples with one mistake that only following a
reference can find (a misspelt run parameter in a deployment, a revision or an app deployment; a
spec path that names no file). The same project is run through `check FILE` (what pre-commit
passes: the one staged file), `check .`, `pytest --blocklint`, `submit --dry-run FILE` and the
language server (a real pytest-lsp client opening the file), in subprocesses, and every door must
report the same findings on the file that is wrong, and nothing on the files it refers to.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FINDING = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<column>\d+): (?P<rule>[A-Z]+\d+) "
                     r"(?P<severity>error|warning|info) ")

# name -> (file with the mistake, old text, new text, the findings that file must get); several
# changes to the file are given as tuples of old and new texts
PROJECTS = {
    "misspelt-deployment-parameter": (
        "examples/deployments/block-deployment.yaml", "agg_type: AVG", "agg_typo: AVG",
        {(14, 7, "BL406", "error")}),
    "misspelt-parameter-spec-by-name": (
        "examples/deployments/block-deployment.yaml", ("agg_type: AVG", "id: ../workflow/workflow-private.yaml"),
        ("agg_typo: AVG", "id: workflow-block-private"), {(14, 7, "BL406", "error")}),
    "misspelt-revision-parameter": (
        "examples/deployments/block-deployment-revision.yaml", "agg_type: AVG", "agg_typo: AVG",
        {(6, 7, "BL406", "error")}),
    "misspelt-app-deployment-parameter": (
        "examples/app/app-deployment.yaml", "agg_type: AVG", "agg_typo: AVG",
        {(15, 9, "BL406", "error")}),
    "spec-path-to-no-file": (
        "examples/deployments/block-deployment.yaml", "id: ../workflow/workflow-private.yaml",
        "id: ../workflow/workflow-privat.yaml", {(23, 9, "BL414", "warning")}),
    "app-spec-block-path-to-no-file": (
        "examples/app/app-spec.yaml", "id: ../workflow/mixed-steps.yaml", "id: ../workflow/mixed-step.yaml",
        {(18, 11, "BL414", "warning")}),
    "release-header-to-no-spec": (
        "examples/workflow/workflow-release.yaml", "spec=workflow-private.yaml", "spec=workflow-privat.yaml",
        {(2, 19, "BL414", "warning")}),
}


def make_project(where: Path, name: str) -> Path:
    """The examples in a git work tree of their own, with one project's mistake."""
    relative, old, new, _ = PROJECTS[name]
    project = where / name
    shutil.copytree(EXAMPLES, project / "examples")
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '0'\n\n[tool.blocklint]\n")
    target = project / relative
    text = target.read_text(encoding="utf-8")
    for old_text, new_text in zip(*((old, new) if isinstance(old, tuple) else ((old,), (new,)))):
        assert old_text in text
        text = text.replace(old_text, new_text, 1)
    target.write_text(text, encoding="utf-8")
    return project


def run(args, project: Path) -> tuple[int, str]:
    env = {**os.environ, "NO_PROXY": "*", "BLOCKLINT_NO_CACHE": "1",
           "BLOCKLINT_REGISTRY": str(project.parent / f"no-registry-{project.name}" / "r.sqlite3")}
    for variable in ("PEAK_AUTH_TOKEN", "API_KEY"):
        env.pop(variable, None)
    done = subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=300)
    return done.returncode, done.stdout


def findings_by_file(output: str) -> dict:
    found: dict = {}
    for line in output.splitlines():
        match = FINDING.match(line)
        if match:
            found.setdefault(PurePosixPath(match["path"]).as_posix(), set()).add(
                (int(match["line"]), int(match["column"]), match["rule"], match["severity"]))
    return found


_doors: dict = {}


@pytest.fixture
def doors(request, tmp_path_factory) -> dict:
    """The command-line doors run once per project: door -> (exit code, findings by file)."""
    name = request.param
    if name not in _doors:
        project = make_project(tmp_path_factory.mktemp("projects"), name)
        relative = PROJECTS[name][0]
        outcomes = {
            "check FILE": run(["-m", "blocklint", "check", "--skip-unknown", relative], project),
            "check .": run(["-m", "blocklint", "check", "."], project),
            "pytest --blocklint": run(["-m", "pytest", "--blocklint", "-p", "no:cacheprovider", "-q", "-rf",
                                       "examples"], project),
            "submit --dry-run FILE": run(["-m", "blocklint", "submit", "--dry-run", relative], project),
        }
        _doors[name] = {door: (code, findings_by_file(output), output) for door, (code, output) in outcomes.items()}
    return _doors[name]


@pytest.mark.parametrize("doors", list(PROJECTS), indirect=True)
def test_every_command_line_door_reports_the_mistake_on_the_file_that_is_wrong(doors, request):
    name = request.node.callspec.params["doors"]
    relative, _, _, expected = PROJECTS[name]
    for door, (code, found, output) in doors.items():
        shown = expected
        if door.startswith("pytest"):  # pytest shows the findings of the files that fail, and only those
            shown = expected if any(severity == "error" for *_, severity in expected) else set()
        assert found.get(relative, set()) == shown, f"{door}:\n{output}"
        # the documents it refers to are right, and say nothing
        assert set(found) <= {relative}, f"{door}:\n{output}"
        fails = any(severity == "error" for *_, severity in expected)
        assert code == (1 if fails else 0) or (door.startswith("submit") and code == 1), f"{door}:\n{output}"


pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

SEVERITIES = {lsp.DiagnosticSeverity.Error: "error", lsp.DiagnosticSeverity.Warning: "warning",
              lsp.DiagnosticSeverity.Information: "info"}


@pytest_lsp.fixture(scope="module",
                    config=ClientServerConfig(server_command=[sys.executable, "-m", "blocklint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    """One server over a workspace holding every project (each has its own configuration)."""
    workspace = tmp_path_factory.mktemp("lsp-projects")

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams):  # the server asks to watch configuration files
        pass

    for name in PROJECTS:
        make_project(workspace, name)
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=from_fs_path(str(workspace)),
        workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(str(workspace)), name="projects")]))
    lsp_client.workspace_dir = workspace
    yield
    await lsp_client.shutdown_session()


async def open_file(client: LanguageClient, path: Path) -> list:
    uri = from_fs_path(str(path))
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=path.read_text(encoding="utf-8"))))
    while uri not in client.diagnostics:
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", list(PROJECTS))
async def test_the_language_server_reports_the_mistake_as_the_command_line_does(client: LanguageClient, name):
    relative, _, _, expected = PROJECTS[name]
    diagnostics = await open_file(client, client.workspace_dir / name / relative)
    got = {(d.range.start.line + 1, d.range.start.character + 1, d.code, SEVERITIES[d.severity])
           for d in diagnostics}
    assert got == expected


def test_a_broken_nested_configuration_is_a_finding_and_every_other_file_is_still_checked(tmp_path):
    project = make_project(tmp_path, "misspelt-deployment-parameter")
    (project / "examples" / "app" / "pyproject.toml").write_text("[tool.blocklint]\nselect = [\"BL3\"\nignore = 1\n")
    code, output = run(["-m", "blocklint", "check", "--format", "concise", "."], project)
    found = findings_by_file(output)
    assert found.pop("examples/app/pyproject.toml") == {(3, 1, "BL020", "error")}, output
    assert found == {"examples/deployments/block-deployment.yaml": {(14, 7, "BL406", "error")}}, output
    assert code == 1, output
    assert output.splitlines()[-1].endswith("in 23 files"), output  # 22 documents and the configuration


@pytest.mark.parametrize("order", ["spec-first", "deployment-first"])
def test_a_file_is_parsed_once_per_run_whether_checked_or_referred_to_first(tmp_path, monkeypatch, order):
    from collections import Counter

    from blocklint import runner, walk
    from blocklint.load import loader
    from blocklint.plan import Overrides, Planner

    project = make_project(tmp_path, "misspelt-deployment-parameter")
    monkeypatch.chdir(project)
    parsed: Counter = Counter()
    real_load_text = loader.load_text

    def counting(text, display, *args, **kwargs):
        parsed[os.path.realpath(display)] += 1
        return real_load_text(text, display, *args, **kwargs)

    monkeypatch.setattr(loader, "load_text", counting)
    files = ["examples/workflow/workflow-private.yaml", "examples/deployments/block-deployment.yaml"]
    planner = Planner(Overrides(registry=False))
    targets = walk.iter_targets(files if order == "spec-first" else files[::-1], planner.default)
    results = {result.path: result for result in runner.check_all(targets, planner.for_path, jobs=1)}
    assert [f.rule for f in results[files[1]].findings] == ["BL406"]  # the spec was followed
    assert not results[files[0]].findings
    assert parsed == Counter({os.path.realpath(path): 1 for path in files})
