"""`blocklint lsp` end to end: a real client (pytest-lsp) drives `python -m blocklint lsp` over
stdio. Diagnostics equal what `blocklint check` reports for the same file; a quick fix applied
gives the golden fixed file; a parent name completes; an `imageRef` jumps to its image."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types as lsp  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
FIXES = ROOT / "tests" / "fixes"

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "blocklint", "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    workspace = tmp_path_factory.mktemp("workspace")
    registered = lsp_client.registered = []

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams):  # the server asks to watch configuration files
        registered.extend(params.registrations)

    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=from_fs_path(str(workspace)), workspace_folders=[lsp.WorkspaceFolder(
            uri=from_fs_path(str(workspace)), name="workspace")]))
    lsp_client.workspace_dir = workspace
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, name: str, text: str) -> tuple[str, list]:
    path = client.workspace_dir / name
    path.write_text(text, encoding="utf-8")
    uri = from_fs_path(str(path))
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=text)))
    while uri not in client.diagnostics:
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri, client.diagnostics[uri]


def _check(path: Path) -> list:
    output = subprocess.run([sys.executable, "-m", "blocklint", "check", "--isolated", "--format", "json", str(path)],
                            capture_output=True, text=True, cwd=path.parent, check=False).stdout
    return json.loads(output)["findings"]


@pytest.mark.parametrize("case", ["BL101/bad.yaml", "BL301/bad.yaml", "BL302/bad.yaml", "BL201/bad.yaml",
                                  "BL503/bad.yaml", "BL011/bad.yaml"])
async def test_diagnostics_are_what_check_reports(client: LanguageClient, case):
    text = (CASES / case).read_text(encoding="utf-8")
    name = case.replace("/", "-")
    _, diagnostics = await _open(client, name, text)
    expected = [(f["rule"], f["line"] - 1, f["column"] - 1, f["severity"], f["message"])
                for f in _check(client.workspace_dir / name)]
    severities = {lsp.DiagnosticSeverity.Error: "error", lsp.DiagnosticSeverity.Warning: "warning",
                  lsp.DiagnosticSeverity.Information: "info"}
    got = [(d.code, d.range.start.line, d.range.start.character, severities[d.severity], d.message)
           for d in diagnostics]
    assert expected and got == expected
    assert all(d.code_description and d.code_description.href.endswith("#" + d.code.lower()) for d in diagnostics)


async def test_server_watches_configuration_files(client: LanguageClient):
    await _open(client, "watch.yaml", WORKFLOW)
    [registration] = client.registered
    assert registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES


async def test_unknown_parent_points_at_the_step_it_resembles(client: LanguageClient):
    text = (CASES / "BL301" / "bad.yaml").read_text(encoding="utf-8")
    uri, diagnostics = await _open(client, "related.yaml", text)
    typo = next(d for d in diagnostics if "'laod'" in d.message)
    [place] = typo.related_information
    lines = text.splitlines()
    assert lines[place.location.range.start.line].strip() == "load:"
    assert place.location.uri == uri


async def test_quick_fix_gives_the_fixed_file(client: LanguageClient):
    text = (FIXES / "BL101" / "parent.yaml").read_text(encoding="utf-8")
    uri, diagnostics = await _open(client, "quickfix.yaml", text)
    [unknown] = [d for d in diagnostics if d.code == "BL101"]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=unknown.range,
        context=lsp.CodeActionContext(diagnostics=[unknown])))
    titles = [action.title for action in actions]
    assert "Replace 'parent' with 'parents'" in titles
    assert "Disable BL101 on this line" in titles
    assert "Fix all safe blocklint fixes" in titles
    fix = next(action for action in actions if action.title == "Replace 'parent' with 'parents'")
    assert _apply(text, fix.edit.changes[uri]) == (FIXES / "BL101" / "parent.fixed.yaml").read_text(encoding="utf-8")
    disable = next(action for action in actions if action.title.startswith("Disable"))
    disabled = _apply(text, disable.edit.changes[uri])
    _, after = await _open(client, "disabled.yaml", disabled)
    assert [d for d in after if d.code == "BL101"] == []


def _apply(text: str, edits) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position):
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


WORKFLOW = """body:
  version: 1
  kind: workflow
  metadata:
    name: orders
    summary: Loads orders.
  release:
    version: "1.0.0"
  config:
    images:
      base:
        context: "."
        dockerfile: Dockerfile
        version: "0.0.1"
    steps:
      load:
        imageRef: base
        command: python load.py
      report:
        imageRef: base
        command: python report.py
        parents: [lo
"""


async def test_parent_name_completes(client: LanguageClient):
    uri, _ = await _open(client, "complete.yaml", WORKFLOW)
    lines = WORKFLOW.splitlines()
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        position=lsp.Position(line=len(lines) - 1, character=len(lines[-1]))))
    labels = [item.label for item in result.items]
    assert labels == ["load"]  # not the step itself


async def test_image_reference_goes_to_its_definition(client: LanguageClient):
    text = WORKFLOW.replace("parents: [lo", "parents: [load]")
    uri, _ = await _open(client, "definition.yaml", text)
    lines = text.splitlines()
    line = lines.index("        imageRef: base")
    result = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=20)))
    assert result.uri == uri
    assert lines[result.range.start.line].strip() == "base:"
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert [(group.name, [child.name for child in group.children]) for group in symbols] == [
        ("steps", ["load", "report"]), ("images", ["base"])]


async def test_hover_explains_the_field(client: LanguageClient):
    uri, _ = await _open(client, "hover.yaml", WORKFLOW.replace("parents: [lo", "parents: [load]"))
    line = WORKFLOW.splitlines().index("        command: python report.py")
    result = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=10)))
    assert "`command`" in result.contents.value and "Command" in result.contents.value


async def test_diagnostics_and_hover_mask_secrets_and_escape_markdown(client: LanguageClient):
    """A token pasted as a parent is masked in the diagnostic, as in every report; an unknown key
    holding markdown is shown as text in the hover, so no remote image loads when the mouse rests."""
    token = "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    image = "![x](https://tracker.example/pixel.png)"
    text = WORKFLOW.replace("parents: [lo", f"parents: [{token}]").replace(
        "        command: python report.py", f'        "{image}": 1\n        command: python report.py')
    uri, diagnostics = await _open(client, "hostile-hover.yaml", text)
    assert diagnostics and not [d for d in diagnostics if token in d.message]
    assert any("****" in d.message for d in diagnostics if d.code == "BL301")
    line = text.splitlines().index(f'        "{image}": 1')
    result = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=10)))
    assert "BL101" in result.contents.value
    assert image not in result.contents.value and "](" not in result.contents.value
    assert "\\!\\[x\\]\\(https" in result.contents.value


async def test_edits_are_linted_again(client: LanguageClient):
    text = WORKFLOW.replace("parents: [lo", "parents: [load]")
    uri, diagnostics = await _open(client, "change.yaml", text)
    assert "BL301" not in [d.code for d in diagnostics]
    client.diagnostics.pop(uri)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text.replace("[load]", "[laod]"))]))
    while uri not in client.diagnostics:
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert sorted(d.code for d in client.diagnostics[uri]) == sorted(["BL301", *(d.code for d in diagnostics)])
