"""`blocklint lsp` answers `initialize` before importing what linting needs (loader, engine,
rules): they are imported after the answer, when the editor says `initialized` or opens a
document. Read from `python -X importtime`, which logs every import as it happens; the server
gets nothing after `initialize` but the end of its input, so no timing is involved."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("pygls")
LINTING = ("blocklint.load", "blocklint.engine", "blocklint.rules")


def frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def imported_by_a_session(tmp_path, *after_initialize: dict) -> tuple[set, list]:
    """The modules the server imported, and what it sent, for `initialize` then these messages."""
    messages = [{"id": 1, "method": "initialize",
                 "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}, *after_initialize]
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "blocklint", "lsp"], cwd=tmp_path,
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


def test_the_transport_limits_messages_by_the_loaders_file_limit():
    from blocklint.load import MAX_FILE_BYTES
    from blocklint.lsp import transport

    assert transport.MAX_FILE_BYTES == MAX_FILE_BYTES
