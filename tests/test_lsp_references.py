"""The language server follows references between documents, through a real client (pytest-lsp)
driving `python -m blocklint lsp` over a copy of the examples: go to definition from `spec.id`
to the spec, from a deployment's parameter to its definition in the spec, from an app spec's
block to the block spec; completion of a deployment's run parameter names from its spec; an open
deployment's diagnostics follow its spec as it changes in another tab, on save and on disk."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path, to_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.asyncio(loop_scope="module")

DEPLOYMENT = "examples/deployments/block-deployment.yaml"
SPEC = "examples/workflow/workflow-private.yaml"


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "blocklint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    workspace = tmp_path_factory.mktemp("references")
    shutil.copytree(ROOT / "examples", workspace / "examples")
    (workspace / "pyproject.toml").write_text("[tool.blocklint]\n")
    registered = lsp_client.registered = []

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams):
        registered.extend(params.registrations)

    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=from_fs_path(str(workspace)),
        workspace_folders=[lsp.WorkspaceFolder(uri=from_fs_path(str(workspace)), name="references")]))
    lsp_client.workspace_dir = workspace
    yield
    await lsp_client.shutdown_session()


def _uri(client: LanguageClient, relative: str) -> str:
    return from_fs_path(str(client.workspace_dir / relative))


async def _diagnostics(client: LanguageClient, uri: str) -> list:
    """The next diagnostics published for `uri`. A server that never publishes them fails the
    test instead of hanging it (a limit far beyond any answer: only a missing one reaches it)."""
    while uri not in client.diagnostics:
        await asyncio.wait_for(client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 120)
    return list(client.diagnostics.pop(uri))


async def _open(client: LanguageClient, relative: str, text: str | None = None) -> tuple[str, list]:
    uri = _uri(client, relative)
    client.diagnostics.pop(uri, None)
    text = (client.workspace_dir / relative).read_text(encoding="utf-8") if text is None else text
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=text)))
    return uri, await _diagnostics(client, uri)


async def _close(client: LanguageClient, uri: str) -> None:
    """Close a document, and wait for the server to clear its diagnostics (so that this late
    notification is not taken for the answer to what a test does next)."""
    client.diagnostics.pop(uri, None)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert not await _diagnostics(client, uri)


async def _definition(client: LanguageClient, relative: str, text: str, character_after: str):
    """Go to definition with the cursor in the middle of the first `character_after` in the file."""
    uri, _ = await _open(client, relative)
    line = next(number for number, content in enumerate(text.splitlines())
                if character_after in content and not content.lstrip().startswith("#"))
    character = text.splitlines()[line].index(character_after) + len(character_after) // 2
    try:
        return await client.text_document_definition_async(lsp.DefinitionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=character)))
    finally:
        await _close(client, uri)


def _target_line(result) -> str:
    return Path(to_fs_path(result.uri)).read_text(encoding="utf-8").splitlines()[result.range.start.line].strip()


@pytest.mark.parametrize("relative, cursor_on, target, line", [
    (DEPLOYMENT, "../workflow/workflow-private.yaml", SPEC, "name: workflow-block-private"),  # spec.id -> spec
    (DEPLOYMENT, "agg_type", SPEC, "name: agg_type"),  # parameter -> its definition in the spec
    ("examples/deployments/block-deployment-revision.yaml", "num_iterations", "examples/workflow/workflow-private.yaml",
     "name: num_iterations"),  # a revision's parameter, through the deployment its header names
    ("examples/app/app-spec.yaml", "../workflow/build-parameters.yaml", "examples/workflow/build-parameters.yaml",
     "name: workflow-block-new"),  # app spec block -> block spec
    ("examples/app/app-deployment.yaml", "step_1_cmd", "examples/workflow/build-parameters.yaml",
     "name: step_1_cmd"),  # an app deployment's block parameter -> the block spec's definition
], ids=["spec-id", "run-parameter", "revision-parameter", "app-spec-block", "app-deployment-block-parameter"])
async def test_go_to_definition_follows_the_reference(client: LanguageClient, relative, cursor_on, target, line):
    text = (client.workspace_dir / relative).read_text(encoding="utf-8")
    result = await _definition(client, relative, text, cursor_on)
    assert result is not None and Path(to_fs_path(result.uri)) == client.workspace_dir / target
    assert _target_line(result) == line


async def test_run_parameter_names_complete_from_the_spec(client: LanguageClient):
    path = client.workspace_dir / DEPLOYMENT
    text = path.read_text(encoding="utf-8").replace("      num_iterations: 50\n", "      nu\n")
    uri, _ = await _open(client, DEPLOYMENT, text)
    line = text.splitlines().index("      nu")
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=8)))
    await _close(client, uri)
    assert [(item.label, item.detail) for item in result.items] == [("num_iterations", "run parameter (number)")]


def _edit(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_a_deployment_follows_its_spec_edited_in_another_tab_saved_and_changed_on_disk(client: LanguageClient):
    spec_path = client.workspace_dir / SPEC
    original = spec_path.read_text(encoding="utf-8")
    renamed = original.replace("name: agg_type", "name: agg_kind")
    deployment, diagnostics = await _open(client, DEPLOYMENT)
    assert [d.code for d in diagnostics] == []

    spec, _ = await _open(client, SPEC)  # another tab: the spec, edited and not saved
    _edit(client, spec, renamed, 2)
    assert [(d.code, d.range.start.line) for d in await _diagnostics(client, deployment)] == [("BL406", 13)]

    await _close(client, spec)  # closed without saving: the file on disk is the spec again
    assert await _diagnostics(client, deployment) == []

    spec_path.write_text(renamed, encoding="utf-8")  # changed on disk (a checkout): the file watcher says so
    assert any(registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES for registration in client.registered)
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
        lsp.FileEvent(uri=_uri(client, SPEC), type=lsp.FileChangeType.Changed)]))
    assert [d.code for d in await _diagnostics(client, deployment)] == ["BL406"]

    spec, _ = await _open(client, SPEC, renamed)  # fixed in the editor and saved
    spec_path.write_text(original, encoding="utf-8")
    _edit(client, spec, original, 2)
    assert await _diagnostics(client, deployment) == []
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=spec)))
    assert await _diagnostics(client, deployment) == []
    await _close(client, spec)
    await _close(client, deployment)


async def test_a_templated_spec_follows_its_params_file_changed_on_disk(client: LanguageClient):
    folder = client.workspace_dir / "templated"
    folder.mkdir()
    (folder / ".blocklint.toml").write_text('params-file = "params.yaml"\n')
    (folder / "params.yaml").write_text('version: "1.0.0"\n')
    spec = (client.workspace_dir / "examples" / "workflow" / "workflow-shared.yaml").read_text(encoding="utf-8")
    assert 'version: "1.0.0"' in spec
    (folder / "spec.yaml.j2").write_text(spec.replace('version: "1.0.0"', 'version: "{{ version }}"', 1))
    uri, diagnostics = await _open(client, "templated/spec.yaml.j2")
    assert "BL606" not in [d.code for d in diagnostics]
    (folder / "params.yaml").write_text("version: one\n")
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
        lsp.FileEvent(uri=_uri(client, "templated/params.yaml"), type=lsp.FileChangeType.Changed)]))
    assert "BL606" in [d.code for d in await _diagnostics(client, uri)]
    await _close(client, uri)
