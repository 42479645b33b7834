"""`blocklint serve` as a subprocess on a free loopback port, for the submit, SDK and server tests."""

from __future__ import annotations

import io
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOLD_WRAPPER = Path(__file__).resolve().parent / "registry_hold.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(registry: Path, *, port: int | None = None, token: str | None = None, log: Path | None = None,
          args=(), env=None, hold_marker: Path | None = None):
    """Start `blocklint serve` over `registry` and wait until it answers: (url, process).

    `args` are more `serve` options, `env` more environment variables; with `hold_marker` the
    server runs under tests/registry_hold.py and pauses inside spec-create transactions."""
    port = port or free_port()
    environment = {**os.environ, "NO_PROXY": "*", "PYTHONUNBUFFERED": "1", **(env or {})}
    environment.pop("BLOCKLINT_SERVE_TOKEN", None)
    if token:
        environment["BLOCKLINT_SERVE_TOKEN"] = token  # not on the command line: `ps` would show it
    log = log or registry.with_suffix(".log")
    program = [sys.executable, str(HOLD_WRAPPER), str(hold_marker)] if hold_marker else \
        [sys.executable, "-m", "blocklint"]
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [*program, "serve", "--port", str(port), "--registry", str(registry), "--log-level", "warning", *args],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"blocklint serve exited: {log.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/service/tenant-management/api/v1/external/tenants/tenant-metadata",
                                   timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (401 with a token): it is up
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"blocklint serve did not start: {log.read_text()}") from None
            time.sleep(0.05)
    return url, process


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def served(registry: Path, *, token: str | None = None, log: Path | None = None):
    """Yield the base URL of a `blocklint serve` over `registry`; stop it afterwards."""
    url, process = start(registry, token=token, log=log)
    try:
        yield url
    finally:
        stop(process)


@contextmanager
def served_process(registry: Path, **options):
    """Yield (url, process) of a `blocklint serve` started with `start(registry, **options)`."""
    url, process = start(registry, **options)
    try:
        yield url, process
    finally:
        stop(process)


# --- requests as peak-sdk sends them, over one kept-alive connection -------------------------

EXAMPLES = ROOT / "examples"


class Connection:
    """One HTTP/1.1 connection to the server; `alive()` says whether the server kept it open."""

    def __init__(self, url: str, timeout: float = 60):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.http = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | str | None = None, headers=None):
        """(status, decoded JSON answer or None, response headers)."""
        import json

        self.http.request(method, path, body=body, headers=headers or {})
        response = self.http.getresponse()
        raw = response.read()
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw
        return response.status, answer, dict(response.getheaders())

    def json(self, method: str, path: str, value=None, headers=None):
        import json

        body = None if value is None else json.dumps(value)
        return self.request(method, path, body, {"Content-Type": "application/json", **(headers or {})})

    def alive(self) -> bool:
        """True when a next request goes over the same socket and is answered."""
        before = self.http.sock
        try:
            status, _, _ = self.request("GET", "/v1/specs/?pageSize=1")
        except OSError:
            return False
        return before is not None and self.http.sock is before and status == 200

    def close(self):
        self.http.close()


def multipart(fields: dict, files: dict | None = None) -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data request, as `requests` writes one."""
    boundary = "blocklint-test-boundary-7d8f"
    chunks = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        chunks.append(value.encode() if isinstance(value, str) else value)
        chunks.append(b"\r\n")
    for name, (filename, data) in (files or {}).items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      "Content-Type: application/zip\r\n\r\n".encode())
        chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def example(relative: str) -> dict:
    import copy

    from blocklint.load import load_path

    return copy.deepcopy(load_path(EXAMPLES / relative).data)


def example_artifact() -> bytes:
    from blocklint.artifact import build_zip

    return build_zip(EXAMPLES / "artifact", [".dockerignore"])


def spec_request(name: str, artifact: bytes | None, *, version: str = "1.0.0", parameters=None,
                 relative: str = "workflow/workflow-private.yaml"):
    """(body, content type) of peak-sdk's `create_spec` for the example spec `relative`, named `name`."""
    import json

    data = example(relative)
    data["body"]["metadata"]["name"] = name
    data["body"]["release"]["version"] = version
    fields = {"spec": json.dumps(data["body"]), "featured": "null", "scope": data.get("scope", "null"),
              "tenants": "null",
              "parameters": json.dumps(parameters if parameters is not None else data.get("parameters", {})),
              "autoRunOnDeploy": "null"}
    return multipart(fields, {"artifact": ("artifact.zip", artifact)} if artifact is not None else None)


def zip_bomb(megabytes: int = 400) -> bytes:
    """A zip of one entry of `megabytes` MiB of zeros (about a thousand times smaller zipped)."""
    buffer = io.BytesIO()
    zeros = bytes(2**20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w") as entry:
            for _ in range(megabytes):
                entry.write(zeros)
    return buffer.getvalue()


def with_declared_size(zip_bytes: bytes, size: int) -> bytes:
    """The zip with its first entry's uncompressed size, in both headers, set to `size` (a lie)."""
    data = bytearray(zip_bytes)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        struct.pack_into("<I", data, data.find(signature) + offset, size)
    return bytes(data)
