"""`blocklint submit` against servers that misbehave: garbage, 5xx, slow answers, dropped
connections. Each gives a clear error (exit 2, never a traceback), and a registry behind a
`blocklint serve` that failed half-way stays consistent. Real loopback servers, no mocks."""

import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "service" / "web-app-private.yaml"


class _Misbehaving:
    """A loopback server that answers every request the same bad way."""

    def __init__(self, mode: str):
        self.mode = mode
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self, status, data: bytes, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_one_request(self):
                try:
                    super().handle_one_request()
                except (ConnectionError, OSError):
                    pass

            def _any(self):
                server.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                if server.mode == "garbage":
                    self._body(200, b"<html>\x00\xff not json", "text/html")
                elif server.mode == "wrong-json":
                    self._body(200, b'{"pageCount": "many", "specs": 3}')
                elif server.mode == "unauthorized":
                    self._body(401, b'{"detail": "bad token"}')
                elif server.mode == "error-500":
                    self._body(500, b"<h1>Internal Server Error</h1>", "text/html")
                elif server.mode == "slow":
                    time.sleep(3)
                    self._body(200, b"{}")
                elif server.mode == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.connection.close()

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _submit(url, tmp_path, *extra, files=(SPEC,)):
    process = subprocess.run(
        [sys.executable, "-m", "blocklint", "submit", "--target", url, "--timeout", "1", "--retries", "1",
         *extra, *map(str, files)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "BLOCKLINT_REGISTRY": str(tmp_path / "unused.sqlite3"),
             "PEAK_AUTH_TOKEN": "fault-test-token"})
    return process.returncode, process.stdout + process.stderr, process.stdout


@pytest.mark.parametrize("mode, says", [
    ("garbage", "not JSON"),
    ("wrong-json", "is not a page of specs"),
    ("error-500", "500"),
    ("slow", "cannot reach"),
    ("drop", "cannot reach"),
])
def test_a_misbehaving_server_gives_a_clear_error_and_no_traceback(tmp_path, mode, says):
    server = _Misbehaving(mode)
    try:
        code, output, stdout = _submit(server.url, tmp_path)
    finally:
        server.close()
    assert code == 2, output
    assert says in output, output
    assert "Traceback" not in output and "fault-test-token" not in output
    assert stdout.splitlines()[-1] == "1 file: 1 failed", output  # never "nothing to do"
    assert not (tmp_path / "unused.sqlite3").exists()


@pytest.mark.parametrize("mode, code", [("unauthorized", 1), ("error-500", 2), ("refused-connection", 2)])
def test_a_stopped_submit_ends_with_what_failed_and_what_was_not_attempted(tmp_path, mode, code):
    """A 401, a 5xx, a refused connection: the summary counts the failure and the file after it,
    never "nothing to do"."""
    files = (SPEC.parent / "api-shared.yaml", SPEC)
    if mode == "refused-connection":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed when the test submits
        answer = _submit(url, tmp_path, files=files)
    else:
        server = _Misbehaving(mode)
        try:
            answer = _submit(server.url, tmp_path, files=files)
        finally:
            server.close()
    exit_code, output, stdout = answer
    assert exit_code == code, output
    assert "api-shared.yaml: " + ("refused" if code == 1 else "failed") in output
    assert stdout.splitlines()[-1] == "2 files: 1 failed, 1 not attempted (stopped at the failure)", output
    assert "nothing to do" not in output and "fault-test-token" not in output and "Traceback" not in output


@pytest.mark.slow
def test_a_served_registry_killed_mid_request_stays_consistent(tmp_path):
    """The server process dies inside a create's transaction: the client reports it, and the
    registry, opened again, is intact and holds no half-created spec."""
    registry = tmp_path / "registry.sqlite3"
    marker = tmp_path / "inside-the-transaction"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "registry_hold.py"), str(marker), "serve", "--port", str(port)], cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "BLOCKLINT_REGISTRY": str(registry)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        submit = subprocess.Popen(
            [sys.executable, "-m", "blocklint", "submit", "--target", f"http://127.0.0.1:{port}", "--timeout",
             "20", "--retries", "0", str(SPEC)], cwd=ROOT, env={"PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the server never reached the spec-create transaction"
        server.kill()
        output, _ = submit.communicate(timeout=60)
    finally:
        server.kill()
        server.wait()
    assert submit.returncode == 2 and "Traceback" not in output, output
    with sqlite3.connect(registry) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("SELECT count(*) FROM specs").fetchone() == (0,)


def _wait_for(port, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")
