"""`blocklint lsp` answers `initialize` before importing what linting needs (loader, engine,
rules): they are imported after the answer, when the editor says `initialized` or opens a
document. Read from `python -X importtime`, which logs every import as it happens; the server
gets nothing after `initialize` but the end of its input, so no timing is involved."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
LINTING = ("blocklint.load", "blocklint.engine", "blocklint.rules")


def frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def imported_by_a_session(tmp_path, *after_initialize: dict, start=("-m", "blocklint")) -> tuple[set, list]:
    """The modules the server imported, and what it sent, for `initialize` then these messages;
    the server started as `python -m blocklint lsp`, or through `start` (a script's path)."""
    messages = [{"id": 1, "method": "initialize",
                 "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}, *after_initialize]
    done = subprocess.run([sys.executable, "-X", "importtime", *start, "lsp"], cwd=tmp_path,
                          input=b"".join(map(frame, messages)), capture_output=True, timeout=120)
    modules = {line.split("|")[-1].strip() for line in done.stderr.decode().splitlines() if "|" in line}
    sent = [json.loads(part[part.index(b"{"):]) for part in done.stdout.split(b"Content-Length")[1:]]
    return modules, sent


def test_initialize_is_answered_before_the_linting_side_is_imported(tmp_path):
    modules, sent = imported_by_a_session(tmp_path)
    assert sent[0]["id"] == 1 and "capabilities" in sent[0]["result"]
    assert [name for name in LINTING if name in modules] == []


def test_an_opened_document_is_linted_with_them(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("body:\n  version: 1\n  kind: workflow\n", encoding="utf-8")
    modules, sent = imported_by_a_session(tmp_path, {"method": "initialized", "params": {}}, {
        "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": spec.as_uri(), "languageId": "yaml", "version": 1, "text": spec.read_text()}}})
    assert [name for name in LINTING if name in modules] == list(LINTING)
    assert any(message.get("method") == "textDocument/publishDiagnostics" for message in sent), sent


def test_the_console_script_starts_the_server_without_click(tmp_path):
    """`blocklint lsp` (the installed script, as editors start it) goes to the server before the
    command line: neither click nor `blocklint.cli` is imported, before `initialize` or after a
    lint; `blocklint lsp --help` is still click's (tests/test_cli.py)."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["blocklint"] == "blocklint.entry:main"
    script = shutil.which("blocklint", path=str(Path(sys.executable).parent))
    assert script, "blocklint is installed in the test environment (pip install -e '.[test]')"
    spec = tmp_path / "spec.yaml"
    spec.write_text("body:\n  version: 1\n  kind: workflow\n", encoding="utf-8")
    modules, sent = imported_by_a_session(tmp_path, {"method": "initialized", "params": {}}, {
        "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": spec.as_uri(), "languageId": "yaml", "version": 1, "text": spec.read_text()}}}, start=(script,))
    assert "blocklint.entry" in modules and "blocklint.rules" in modules
    assert {"click", "blocklint.cli", "blocklint.commandline"} & modules == set()
    assert any(message.get("method") == "textDocument/publishDiagnostics" for message in sent), sent


@pytest.mark.parametrize(("arguments", "code", "said"), [
    (["--help"], 0, "Usage: blocklint lsp [OPTIONS]"),
    (["--stdio"], 2, "No such option: --stdio"),
])
def test_any_other_form_of_the_command_is_clicks(arguments, code, said):
    done = subprocess.run([sys.executable, "-m", "blocklint", "lsp", *arguments], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == code and said in done.stdout + done.stderr


def test_the_transport_limits_messages_by_the_loaders_file_limit():
    from blocklint.load import MAX_FILE_BYTES
    from blocklint.lsp import transport

    assert transport.MAX_FILE_BYTES == MAX_FILE_BYTES
