"""`blocklint serve` as a subprocess on a free loopback port, for the submit and SDK tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(registry: Path, *, token: str | None = None, log: Path | None = None):
    """Yield the base URL of a `blocklint serve` over `registry`; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "NO_PROXY": "*", "PYTHONUNBUFFERED": "1"}
    env.pop("BLOCKLINT_SERVE_TOKEN", None)
    if token:
        env["BLOCKLINT_SERVE_TOKEN"] = token  # not on the command line: `ps` would show it
    log = log or registry.with_suffix(".log")
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "blocklint", "serve", "--port", str(port), "--registry", str(registry),
             "--log-level", "warning"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
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
                    raise RuntimeError(f"blocklint serve did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
