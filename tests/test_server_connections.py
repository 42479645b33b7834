"""`blocklint serve` against clients that hold connections (slowloris), over loopback.

A connection that sends nothing, sends headers without end, or stops half-way through a body
is closed once its read deadline passes; connections beyond `--max-connections` get 503. The
tests wait for the server to close a socket (a blocking read that ends with EOF), never for a
time: the socket timeout is only a guard against a server that never closes.
"""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

_helper = importlib.util.spec_from_file_location("_press_server", Path(__file__).parent / "press_server.py")
press_server = importlib.util.module_from_spec(_helper)
_helper.loader.exec_module(press_server)

GUARD_SECONDS = 120  # far beyond the 1 s deadline: reached only if the server never closes


def port_of(tmp_path_factory, *args):
    registry = tmp_path_factory.mktemp("connections") / "registry.sqlite3"
    with press_server.served_process(registry, args=args) as (url, _):
        yield int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from port_of(tmp_path_factory, "--read-timeout", "1")


@pytest.fixture
def capped_server(tmp_path_factory):
    """Three connections at most; deadlines long enough that none closes during the test."""
    yield from port_of(tmp_path_factory, "--max-connections", "3", "--read-timeout", str(GUARD_SECONDS))


def connect(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=GUARD_SECONDS)
    return connection


def closed_by_server(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except socket.timeout:
        pytest.fail("the server held the connection open")
    finally:
        connection.close()
    return received


@pytest.mark.parametrize("sent", [
    b"",  # opens and says nothing
    b"GET /v1/specs/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a",  # headers that never end
    b"POST /v1/blocks/deployments/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n{\"a\": ",  # a body that stops
], ids=["silent", "endless-headers", "stalled-body"])
def test_a_connection_that_stops_sending_is_closed(server, sent):
    connection = connect(server)
    connection.sendall(sent)
    assert b"HTTP/1.1 200" not in closed_by_server(connection)


def test_connections_beyond_the_cap_get_503(capped_server):
    server = capped_server
    held = [connect(server) for _ in range(3)]
    try:
        for connection in held:  # each answered once, so the server has surely counted it
            connection.sendall(b"GET /v1/specs/?pageSize=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        one_more = connect(server)
        one_more.sendall(b"GET /v1/specs/?pageSize=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert closed_by_server(one_more).startswith(b"HTTP/1.1 503")
    finally:
        for connection in held:
            connection.close()
