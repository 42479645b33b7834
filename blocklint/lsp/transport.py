"""The language server's side of the stream: bounded reads and answers per the protocol.

pygls reads a message's body with `stdin.read(Content-Length)`, so a header claiming a
petabyte asks Python for a petabyte (MemoryError, the server dies), and a header line without
an end is read whole. It answers a request whose params do not fit the method's type with a
pop-up but no response (the client waits for ever), and drops every request after `shutdown`
silently. `BoundedStdin` bounds what one header line and one message may hold: a body over
`MAX_MESSAGE_BYTES` is skipped as it arrives (read and dropped in chunks, so the next message
is found) and answered with an error; `GuardedProtocol` answers bad params with InvalidParams
and a request after `shutdown` with InvalidRequest, as JSON-RPC and LSP require.
"""

from __future__ import annotations

import json

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol

# blocklint.load's file size limit, written out: importing the loader package here would import
# it before the server answers `initialize` (tests/test_lsp_startup.py holds the two equal).
MAX_FILE_BYTES = 10 * 1024 * 1024
# A document within the file size limit fits even if every character is sent as a `\uXXXX` escape.
MAX_MESSAGE_BYTES = 6 * MAX_FILE_BYTES + 64 * 1024
MAX_HEADER_BYTES = 4096  # one header line; a longer one is read in pieces, none of them a header
_CHUNK = 1024 * 1024
# What the reader hands pygls in place of a refused body: a JSON object without "jsonrpc", which
# pygls passes through untouched to `GuardedProtocol.handle_message`.
_REFUSED = "blocklint-refused-bytes"


class BoundedStdin:
    """The standard input as pygls reads it, with every read bounded."""

    def __init__(self, stream):
        self._stream = stream

    def readline(self) -> bytes:
        return self._stream.readline(MAX_HEADER_BYTES)

    def read(self, count: int) -> bytes:
        if count <= MAX_MESSAGE_BYTES:
            return self._stream.read(count)
        left = count
        while left > 0:  # skip the body as it arrives, never holding more than a chunk
            chunk = self._stream.read(min(left, _CHUNK))
            if not chunk:
                break
            left -= len(chunk)
        return json.dumps({_REFUSED: count}).encode()


class GuardedProtocol(LanguageServerProtocol):
    """pygls' protocol, answering every request it used to leave unanswered."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "method" not in data or "id" not in data:
                raise  # a notification has nobody to answer: pygls reports it
            self._send_response(_message_id(data["id"]), None, JsonRpcInvalidParams(
                message=f"invalid params for {str(data['method'])[:100]!r}").to_response_error()
                if isinstance(error, JsonRpcInvalidParams) else error.to_response_error())
            return {}  # answered: nothing left to handle

    def handle_message(self, message):
        if isinstance(message, dict):  # refused (too large) or already answered
            if _REFUSED in message:
                self._send_response(None, None, JsonRpcInvalidRequest(
                    message=f"message of {message[_REFUSED]} bytes refused: the limit is {MAX_MESSAGE_BYTES} bytes",
                ).to_response_error())
            return
        if self._shutdown and getattr(message, "method", "exit") != "exit" and hasattr(message, "id") \
                and not hasattr(message, "result") and not hasattr(message, "error"):
            self._send_response(message.id, None, JsonRpcInvalidRequest(
                message="the server is shut down: only 'exit' is accepted").to_response_error())
            return
        super().handle_message(message)


def _message_id(value):
    """A request's id as a response may carry it (JSON-RPC: a number or a string, else null)."""
    return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None
