"""`blocklint lsp` against a hostile or careless client, over real stdio: bounded reads, a
response to every request (InvalidParams, InvalidRequest after `shutdown`), and no file read
that the editor did not open.

The client here writes raw JSON-RPC frames (a huge `Content-Length`, params of the wrong type
cannot be sent through a typed client) and reads the server's frames back in order; every
request is followed by `shutdown` and `exit`, so a server that leaves one unanswered is caught
by the order of the answers, never by a timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from blocklint.lsp.transport import MAX_MESSAGE_BYTES  # noqa: E402

SPEC = "body:\n  version: 1\n  kind: workflow\n  config:\n    steps:\n      a: {command: x, imageDetails: {id: 1}}\n"


def frame(message) -> bytes:
    body = json.dumps(message).encode() if not isinstance(message, bytes) else message
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(number: int, method: str, params) -> bytes:
    return frame({"jsonrpc": "2.0", "id": number, "method": method, "params": params})


def notification(method: str, params) -> bytes:
    return frame({"jsonrpc": "2.0", "method": method, "params": params})


def session(workspace: Path, *middle: bytes, finish=True) -> tuple[list[dict], subprocess.CompletedProcess]:
    """Initialize, send `middle`, shut down and exit; every message the server wrote, in order."""
    uri = workspace.as_uri()
    opening = request(1, "initialize", {"processId": None, "rootUri": uri, "capabilities": {},
                                        "workspaceFolders": [{"uri": uri, "name": "w"}]})
    opening += notification("initialized", {})
    closing = request(99, "shutdown", None) + notification("exit", None) if finish else b""
    done = subprocess.run([sys.executable, "-m", "blocklint", "lsp"], input=opening + b"".join(middle) + closing,
                          capture_output=True, cwd=workspace, check=False)
    return parse(done.stdout), done


def parse(stream: bytes) -> list[dict]:
    messages = []
    while stream:
        head, _, rest = stream.partition(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        messages.append(json.loads(rest[:length]))
        stream = rest[length:]
    return messages


def answers(messages: list[dict]) -> dict:
    """The response to each request id, and the order they came in."""
    return {message["id"]: message for message in messages if "id" in message and "method" not in message}


def hover(number: int, uri: str, line: int = 2, character: int = 4) -> bytes:
    return request(number, "textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": line, "character": character}})


def test_a_huge_content_length_is_refused_and_the_server_goes_on(tmp_path):
    """A header claiming a petabyte used to ask Python for a petabyte (MemoryError, the server
    died); now the body is skipped as it arrives (here until the client hangs up) and refused
    with an error. A body just over the limit, sent whole, is skipped the same way and the next
    request is answered: the stream stays in step."""
    huge = b"Content-Length: %d\r\n\r\n" % (10 ** 15) + b"{}"
    messages, done = session(tmp_path, huge, finish=False)
    assert b"MemoryError" not in done.stderr and b"Traceback" not in done.stderr, done.stderr[-2000:]
    refused = [m for m in messages if "error" in m and m.get("id") is None]
    assert refused and refused[0]["error"]["code"] == -32600
    assert f"the limit is {MAX_MESSAGE_BYTES} bytes" in refused[0]["error"]["message"]
    over = b"Content-Length: %d\r\n\r\n" % (MAX_MESSAGE_BYTES + 1) + b" " * (MAX_MESSAGE_BYTES + 1)
    messages, done = session(tmp_path, over, request(2, "shutdown", None))
    assert answers(messages)[2].get("error") is None and "result" in answers(messages)[2]


def test_bad_params_get_invalid_params_and_requests_after_shutdown_invalid_request(tmp_path):
    messages, done = session(tmp_path, request(2, "textDocument/hover", {"textDocument": 5, "position": "x"}),
                             request(3, "shutdown", None), hover(4, (tmp_path / "a.yaml").as_uri()))
    found = answers(messages)
    assert found[2]["error"]["code"] == -32602
    assert "result" in found[3]
    assert found[4]["error"]["code"] == -32600
    assert list(found) == [1, 2, 3, 4, 99]  # every request answered, in order


def test_documents_the_editor_did_not_open_are_never_read(tmp_path):
    """Hover and symbols on a Press file of the workspace the editor never opened, and on
    `/dev/zero` (which pygls would read until memory ran out), answer null without reading:
    only the editor's text is linted. The same file, opened, answers."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    uri = spec.as_uri()
    symbols = {"textDocument": {"uri": uri}}
    messages, done = session(tmp_path, hover(2, uri), request(3, "textDocument/documentSymbol", symbols),
                             hover(4, "file:///dev/zero"), request(5, "textDocument/documentSymbol",
                                                                   {"textDocument": {"uri": "file:///dev/zero"}}))
    found = answers(messages)
    assert [found[n]["result"] for n in (2, 3, 4, 5)] == [None, None, None, None], found
    opened = notification("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                    "text": SPEC}})
    messages, done = session(tmp_path, opened, hover(2, uri), request(3, "textDocument/documentSymbol", symbols))
    found = answers(messages)
    assert "`kind`" in json.dumps(found[2]["result"]) and found[3]["result"]


def test_a_token_in_the_document_is_masked_in_diagnostics_and_hover(tmp_path):
    """A token pasted as a key is quoted by BL101: masked in the published diagnostic and in the
    hover over it, as in every report."""
    token = "gh" + "p_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    text = SPEC.replace("command: x,", f"command: x, {token}: 1,")
    uri = (tmp_path / "leaky.yaml").as_uri()
    opened = notification("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                    "text": text}})
    line = text.splitlines().index(next(row for row in text.splitlines() if token in row))
    character = text.splitlines()[line].index(token) + 2
    messages, _ = session(tmp_path, opened, hover(2, uri, line, character))
    published = [m for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    assert published and any("****" in d["message"] for m in published for d in m["params"]["diagnostics"])
    shown = answers(messages)[2]["result"]["contents"]["value"]
    assert "unknown key '\\*\\*\\*\\*'" in shown.replace("\\'", "'")  # masked, then escaped as markdown
    assert token not in json.dumps(messages)
