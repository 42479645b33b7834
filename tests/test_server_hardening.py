"""`blocklint serve` against hostile requests, over loopback: bounded bodies, hostile zips,
JSON that cannot be stored, hidden values, host and origin policy, tokens, scratch space.

Every refusal must be a 4xx with a Press-shaped body (`detail` and `message`), and, where the
server read the whole request, the connection must stay open for the next one.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import threading
import warnings
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytestmark = pytest.mark.filterwarnings(  # peak-sdk 1.29 calls pathspec APIs that pathspec 1.x deprecates
    "ignore:.*(gitwildmatch|match_tree).*:DeprecationWarning")

_helper = importlib.util.spec_from_file_location("_press_server", Path(__file__).parent / "press_server.py")
press_server = importlib.util.module_from_spec(_helper)
_helper.loader.exec_module(press_server)
Connection, spec_request, example = press_server.Connection, press_server.spec_request, press_server.example

MIB = 2**20
ALLOWED_ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """The server's temporary directory, where it unpacks artifacts."""
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="module")
def server(tmp_path_factory, scratch):
    registry = tmp_path_factory.mktemp("hardened") / "registry.sqlite3"
    args = ("--max-json-mib", "1", "--max-upload-mib", "4", "--allow-host", "allowed.example",
            "--allow-origin", ALLOWED_ORIGIN)
    with press_server.served_process(registry, args=args, env={"TMPDIR": str(scratch)}) as (url, process):
        yield url


@pytest.fixture
def connection(server):
    opened = Connection(server)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def artifact():
    return press_server.example_artifact()


def refused(status, answer, expected_status, *words):
    assert status == expected_status, answer
    assert isinstance(answer, dict) and answer["detail"] == answer["message"], answer
    for word in words:
        assert word in answer["message"], answer["message"]


def post_spec(connection, name, artifact):
    body, content_type = spec_request(name, artifact)
    return connection.request("POST", "/v1/blocks/specs/", body, {"Content-Type": content_type})


def spec_names(connection) -> list[str]:
    status, answer, _ = connection.request("GET", "/v1/specs/?pageSize=1000")
    assert status == 200
    return [spec["metadata"]["name"] for spec in answer["specs"]]


# --- zips --------------------------------------------------------------------------------------


def zip_of(*entries) -> bytes:
    """A zip of (name, data) entries; a ZipInfo may stand for the name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a duplicate name is one of the cases
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def patched(zip_bytes: bytes, local_offset: int, central_offset: int, fmt: str, value) -> bytes:
    """The zip with one field of the first entry's local and central headers overwritten."""
    data = bytearray(zip_bytes)
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        start = data.find(signature)
        struct.pack_into(fmt, data, start + offset, value)
    return bytes(data)


def empty_name_zip() -> bytes:
    """A zip whose central directory names its one entry '' (zipfile will not write that name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("x")
        archive.writestr(info, "data")
        info.filename = ""  # the central directory, written at close, carries this name
    return buffer.getvalue()


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.fixture(scope="module")
def zip_bomb():
    return press_server.zip_bomb(400)


PLAIN = zip_of(("Dockerfile", "FROM python:3.11\n"), ("main.py", "print('hi')\n"))
ZIP_CASES = {
    "file-then-directory": (zip_of(("a", "x"), ("a/b", "y")), "which is a file"),
    "directory-then-file": (zip_of(("a/", ""), ("a", "x")), "both a file and a directory"),
    "symlink-used-as-directory": (zip_of((symlink("link"), "/etc"), ("link/passwd", "x")), "symbolic link"),
    "entry-named-dot": (zip_of((".", "x")), "'.'"),
    "entry-with-empty-name": (empty_name_zip(), "empty"),
    "name-of-5000-characters": (zip_of(("n" * 5000, "x")), "characters"),
    "path-2000-deep": (zip_of(("d/" * 2000 + "f", "x")), "characters"),
    "path-100-deep": (zip_of(("d/" * 100 + "f", "x")), "deep"),
    "escaping-path": (zip_of(("../evil.txt", "x")), "outside"),
    "absolute-path": (zip_of(("/etc/evil", "x")), "outside"),
    "encrypted-flag": (patched(zip_of(("secret.txt", "x")), 6, 8, "<H", 0x1), "encrypted"),
    "unknown-compression": (patched(zip_of(("a.txt", "x" * 100)), 8, 10, "<H", 99), "compression method 99"),
    "size-that-lies-low": (patched(zip_of(("a.txt", "x" * 5000)), 22, 24, "<I", 10), "zip"),
    "size-that-lies-high": (patched(zip_of(("a.txt", "x" * 5000)), 22, 24, "<I", 9000), "header says"),
    "bad-crc": (patched(zip_of(("a.txt", "x" * 5000)), 14, 16, "<I", 1234), "CRC"),
    "duplicate-entry": (zip_of(("a.txt", "x"), ("a.txt", "y")), "twice"),
    "not-a-zip": (b"this is not a zip file at all", "not a readable zip"),
    "truncated": (PLAIN[: len(PLAIN) // 2], "not a readable zip"),
}


@pytest.mark.parametrize("case", ZIP_CASES)
def test_a_hostile_artifact_zip_is_a_clear_400_and_the_connection_stays_open(connection, case, scratch):
    zip_bytes, says = ZIP_CASES[case]
    status, answer, _ = post_spec(connection, f"zip-{case}", zip_bytes)
    refused(status, answer, 400, says)
    assert connection.alive()
    assert f"zip-{case}" not in spec_names(connection)
    assert not list(scratch.glob("blocklint-*")), "scratch space left behind"


@pytest.mark.parametrize(("declared_mib", "says"), [(400, "per file"), (50, "times its compressed size"),
                                                    (1, "CRC")])
def test_a_zip_bomb_is_refused_without_inflating_it(connection, zip_bomb, declared_mib, says, scratch):
    """400 MiB declared: the header tells the truth, over the per-file cap, refused unread; 50: it
    lies under the cap and the ratio cap stops the inflation; 1: it lies low, and inflation stops at
    the declared size (where the checksum fails)."""
    zip_bytes = press_server.with_declared_size(zip_bomb, declared_mib * MIB)
    assert len(zip_bytes) < MIB
    status, answer, _ = post_spec(connection, f"bomb-{declared_mib}", zip_bytes)
    refused(status, answer, 400, says)
    assert connection.alive()
    assert not list(scratch.glob("blocklint-*"))


def test_a_zip_of_many_small_entries_is_refused_before_anything_is_unpacked(connection, scratch):
    """49,000 entries of a few bytes (a 6 MB zip) cost a minute of CPU unpacked and checked; the
    entry count, read from the zip's directory, refuses it first."""
    from blocklint.registry.validate import MAX_ENTRIES

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(MAX_ENTRIES + 1):
            archive.writestr(f"d{number % 50}/f{number}.py", "")
    status, answer, _ = post_spec(connection, "many-entries", buffer.getvalue())
    refused(status, answer, 400, f"{MAX_ENTRIES + 1} entries (at most {MAX_ENTRIES})")
    assert MAX_ENTRIES <= 10_000 and connection.alive()
    assert not list(scratch.glob("blocklint-*"))


def test_a_good_artifact_is_still_accepted_and_its_scratch_removed(connection, artifact, scratch):
    status, answer, _ = post_spec(connection, "good-artifact", artifact)
    assert status == 200, answer
    assert "good-artifact" in spec_names(connection)
    assert not list(scratch.glob("blocklint-*"))


# --- sizes -------------------------------------------------------------------------------------


def raw_exchange(port: int, head: bytes, chunks=()) -> tuple[int, bytes]:
    """Send a request head and body chunks on a raw socket (ignoring a server that stops reading);
    the answer's status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as raw:
        raw.sendall(head)

        def send_body():
            try:
                for chunk in chunks:
                    raw.sendall(chunk)
            except OSError:
                pass  # the server answered and stopped reading: what a limit does
        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 4 + _length(answer):
            data = raw.recv(65536)
            if not data:
                break
            answer += data
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_a_body_declared_over_the_limit_is_413_before_it_is_read(connection):
    head = (f"POST /v1/blocks/deployments/ HTTP/1.1\r\nHost: 127.0.0.1:{connection.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {800 * MIB}\r\n\r\n").encode()
    status, body = raw_exchange(connection.port, head)
    assert status == 413 and "limit" in json.loads(body)["detail"]


def test_a_chunked_body_over_the_limit_is_413_once_it_passes_it(connection):
    head = (f"PATCH /v1/deployments/some-id/parameters/run HTTP/1.1\r\nHost: 127.0.0.1:{connection.port}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    piece = b"[" + b"0," * (MIB // 2) + b"0]"
    chunks = [f"{len(piece):x}\r\n".encode() + piece + b"\r\n"] * 8 + [b"0\r\n\r\n"]
    status, body = raw_exchange(connection.port, head, chunks)
    assert status == 413 and json.loads(body)["detail"]


def test_many_multipart_fields_are_capped_by_the_total_not_only_each_part(connection):
    fields = {f"field{number}": "x" * (300 * 1024) for number in range(20)}  # 6 MiB, each part small
    body, content_type = press_server.multipart(fields)
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/", body, {"Content-Type": content_type})
    refused(status, answer, 413, "limit")


def test_the_limits_are_configurable_and_a_body_under_them_is_read(connection):
    padding = "x" * (MIB - 4096)  # under the 1 MiB this server allows
    status, answer, _ = connection.json("POST", "/v1/blocks/deployments/", {"padding": padding})
    assert status == 400 and "spec.id" in answer["message"]
    assert connection.alive()


# --- JSON that cannot be stored ----------------------------------------------------------------

BAD_JSON = {
    "nested-1000-deep": ("[" * 1000 + "]" * 1000, "nested deeper"),
    "nested-100000-deep": ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    "integer-of-5000-digits": ('{"a": ' + "9" * 5000 + "}", "5000 digits"),
    "integer-over-64-bits": ('{"a": 18446744073709551616}', "64-bit"),
    "nan": ('{"a": NaN}', "NaN"),
    "infinity": ('{"a": -Infinity}', "Infinity"),
    "overflowing-float": ('{"a": 1e999}', "finite"),
    "not-json": ("{'a': 1}", "not valid JSON"),
    "not-utf8": (b'{"a": "\xff\xfe"}', "not valid JSON"),
    "not-an-object": ("[1, 2]", "JSON object"),
}


@pytest.mark.parametrize("case", BAD_JSON)
def test_json_that_cannot_be_stored_is_a_400_and_the_connection_stays_open(connection, case):
    body, says = BAD_JSON[case]
    status, answer, _ = connection.request("POST", "/v1/blocks/deployments/", body,
                                           {"Content-Type": "application/json"})
    refused(status, answer, 400, says)
    assert connection.alive()


def deployed(connection, artifact, name, parameters=None):
    """A spec (with `parameters`) and a deployment of it: (spec id, deployment id)."""
    body, content_type = spec_request(f"{name}-spec", artifact, parameters=parameters)
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/", body, {"Content-Type": content_type})
    assert status == 200, answer
    spec_id = answer["id"]
    deployment = example("deployments/block-deployment.yaml")["body"]
    deployment["spec"]["id"] = spec_id
    deployment["metadata"]["name"] = name
    status, answer, _ = connection.json("POST", "/v1/blocks/deployments/", deployment)
    assert status == 200, answer
    return spec_id, answer["id"]


def test_nan_in_a_parameter_patch_is_refused_and_the_deployment_still_reads(connection, artifact):
    spec_id, deployment_id = deployed(connection, artifact, "nan-patch")
    path = f"/v1/deployments/{deployment_id}/parameters/run"
    status, answer, _ = connection.request("PATCH", path, '{"agg_type": NaN}', {"Content-Type": "application/json"})
    refused(status, answer, 400, "NaN")
    for read in (path, f"/v1/blocks/deployments/{deployment_id}", f"/v1/blocks/specs/{spec_id}",
                 f"/v1/blocks/specs/{spec_id}/releases/1.0.0"):
        status, answer, _ = connection.request("GET", read)
        assert status == 200, (read, answer)
    assert connection.alive()


BAD_NAMES = {
    "path": ("../../../etc/passwd", "is a path"),
    "nul": ("a\x00b", "U+0000"),
    "header-injection": ("name\r\nX: y", "U+000D"),
    "bidi-override": ("invoice\u202eslx.exe", "U+202E"),
    "zero-width": ("pay\u200broll", "U+200B"),
    "too-long": ("n" * 100_000, "at most 255"),
    "padded": (" padded ", "white space"),
}


@pytest.mark.parametrize("case", BAD_NAMES)
def test_a_name_press_would_not_store_is_refused_for_specs_and_deployments(connection, artifact, case):
    name, says = BAD_NAMES[case]
    status, answer, _ = post_spec(connection, name, artifact)
    refused(status, answer, 400, says)
    assert name not in spec_names(connection)
    spec_id, deployment_id = deployed(connection, artifact, f"named-{case}")
    deployment = example("deployments/block-deployment.yaml")["body"]
    deployment["spec"]["id"] = spec_id
    deployment["metadata"]["name"] = name
    status, answer, _ = connection.json("POST", "/v1/blocks/deployments/", deployment)
    refused(status, answer, 400, says)
    status, answer, _ = connection.json("PATCH", f"/v1/blocks/deployments/{deployment_id}", {"name": name})
    refused(status, answer, 400, says)
    status, answer, _ = connection.json("PATCH", f"/v1/blocks/specs/{spec_id}", {"metadata": {"name": name}})
    refused(status, answer, 400, says)
    assert connection.alive()


def test_a_name_is_stored_in_nfc_so_equal_looking_names_are_one_spec(connection, artifact):
    decomposed, composed = "cafe\u0301-nfd", "caf\u00e9-nfd"
    status, answer, _ = post_spec(connection, decomposed, artifact)
    assert status == 200, answer
    status, answer, _ = connection.request("GET", f"/v1/blocks/specs/{answer['id']}")
    assert answer["metadata"]["name"] == composed
    status, answer, _ = post_spec(connection, composed, artifact)
    refused(status, answer, 409, "already exists")
    assert spec_names(connection).count(composed) == 1 and decomposed not in spec_names(connection)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None,
                                          "multipart/form-data; boundary=x"])
def test_a_json_endpoint_refuses_other_content_types(connection, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps(example("deployments/block-deployment.yaml")["body"])
    status, answer, _ = connection.request("POST", "/v1/blocks/deployments/", body, headers)
    refused(status, answer, 415, "application/json")
    assert connection.alive()


def test_a_multipart_body_without_a_boundary_is_a_400(connection):
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/", b"--x\r\n",
                                           {"Content-Type": "multipart/form-data"})
    assert 400 <= status < 500 and answer["detail"], answer
    assert connection.alive()


def test_a_spec_with_an_escaped_emoji_is_accepted_as_the_cli_accepts_it(connection, artifact):
    data = example("workflow/workflow-private.yaml")
    data["body"]["metadata"]["name"] = "emoji-spec"
    data["body"]["metadata"]["description"] = "shipped \U0001F680"
    fields = {"spec": json.dumps(data["body"]), "featured": "null", "scope": "private", "tenants": "null",
              "parameters": json.dumps(data["parameters"]), "autoRunOnDeploy": "null"}
    assert "\\ud83d" in fields["spec"]  # escaped, as peak-sdk's json.dumps writes it
    body, content_type = press_server.multipart(fields, {"artifact": ("artifact.zip", artifact)})
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/", body, {"Content-Type": content_type})
    assert status == 200, answer


# --- hidden values -----------------------------------------------------------------------------


def test_hidden_values_are_masked_in_every_answer(connection, artifact):
    parameters = example("workflow/workflow-private.yaml")["parameters"]
    parameters["run"].append({"name": "api_token", "type": "string", "required": False, "hideValue": True,
                              "defaultValue": "hush-default"})
    spec_id, deployment_id = deployed(connection, artifact, "hidden-values", parameters)
    path = f"/v1/deployments/{deployment_id}/parameters/run"
    answers = [connection.request("GET", path)[1],
               connection.json("PATCH", path, {"api_token": "hush-patched"})[1],
               connection.json("PATCH", f"/v2/deployments/{deployment_id}/parameters/run",
                               {"parameters": {"api_token": "hush-v2"}})[1],
               connection.request("GET", path)[1],
               connection.request("GET", f"/v1/blocks/deployments/{deployment_id}")[1],
               connection.request("GET", f"/v1/blocks/deployments/{deployment_id}/revisions")[1],
               connection.request("GET", f"/v1/blocks/specs/{spec_id}")[1],
               connection.request("GET", f"/v1/blocks/specs/{spec_id}/releases/1.0.0")[1]]
    text = json.dumps(answers)
    assert "hush-" not in text, text
    assert answers[0]["api_token"] == answers[1]["api_token"] == answers[3]["api_token"] == "*****"
    assert answers[0]["agg_type"] != "*****"  # only the hidden one


# --- host, origin, token -----------------------------------------------------------------------


def test_a_foreign_host_is_refused_so_dns_rebinding_cannot_write(connection, artifact):
    body, content_type = spec_request("rebound", artifact)
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/", body,
                                           {"Content-Type": content_type, "Host": f"evil.example:{connection.port}"})
    refused(status, answer, 400, "evil.example", "--allow-host")
    assert "rebound" not in spec_names(connection)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "allowed.example", "LOCALHOST."])
def test_loopback_and_allowed_host_names_are_served(connection, host):
    status, _, _ = connection.request("GET", "/v1/specs/", headers={"Host": f"{host}:{connection.port}"})
    assert status == 200


def test_a_cross_site_text_plain_post_from_a_foreign_page_creates_nothing(connection):
    deployment = json.dumps(example("deployments/block-deployment.yaml")["body"])
    status, answer, _ = connection.request("POST", "/v1/blocks/deployments/", deployment,
                                           {"Content-Type": "text/plain", "Origin": "https://evil.example"})
    refused(status, answer, 403, "evil.example")
    for origin in ("null", f"http://localhost:{connection.port + 1}"):
        status, answer, _ = connection.json("POST", "/v1/blocks/deployments/", {}, {"Origin": origin})
        refused(status, answer, 403, "--allow-origin")
    status, _, _ = connection.json("POST", "/v1/blocks/deployments/", {},
                                   {"Sec-Fetch-Site": "cross-site"})
    assert status == 403


@pytest.mark.parametrize("origin", ["same", ALLOWED_ORIGIN])
def test_the_servers_own_origin_and_allowed_origins_are_served(connection, origin):
    origin = f"http://127.0.0.1:{connection.port}" if origin == "same" else origin
    status, answer, _ = connection.json("POST", "/v1/blocks/deployments/", {}, {"Origin": origin})
    assert status == 400 and "spec.id" in answer["message"]  # past the guard, refused by the registry


def test_binding_beyond_loopback_without_a_token_refuses_to_start(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "BLOCKLINT_SERVE_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "blocklint", "serve", "--host", "0.0.0.0", "--port", "1",
                             "--registry", str(tmp_path / "r.sqlite3")], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "--token" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "r.sqlite3").exists()


def test_with_a_token_every_request_needs_it(tmp_path):
    with press_server.served(tmp_path / "guarded.sqlite3", token="the-token") as url:
        connection = Connection(url)
        status, answer, _ = connection.request("GET", "/v1/specs/")
        refused(status, answer, 401, "Authorization")
        status, _, _ = connection.request("GET", "/v1/specs/", headers={"Authorization": "the-token"})
        assert status == 200
        connection.close()


# --- scratch space -----------------------------------------------------------------------------


def test_scratch_left_by_a_killed_server_is_removed_at_start(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [scratch / f"blocklint-artifact-{dead.pid}-abc", scratch / "blocklint-check-old"]
    for directory in stale:
        (directory / "artifact").mkdir(parents=True)
        (directory / "artifact" / "big.bin").write_bytes(b"x" * 1000)
    os.utime(stale[1], (0, 0))  # an unowned directory from an older version, long ago
    running = scratch / f"blocklint-artifact-{os.getpid()}-live"  # this test process still runs
    running.mkdir()
    with press_server.served_process(tmp_path / "r.sqlite3", env={"TMPDIR": str(scratch)}):
        assert not any(directory.exists() for directory in stale)
        assert running.exists()


# --- the real peak-sdk, default mode -------------------------------------------------------------


def test_the_real_peak_sdk_works_in_the_default_loopback_mode_without_setup(server, artifact, monkeypatch):
    pytest.importorskip("peak")
    import peak.session
    import peak.telemetry
    from peak.press import blocks

    def base(stage, subdomain="service"):
        return f"{server}/{subdomain}"

    monkeypatch.setattr(peak.session, "get_base_domain", base)
    monkeypatch.setattr(peak.telemetry, "get_base_domain", base)
    monkeypatch.setenv("PEAK_AUTH_TOKEN", "any-token-the-server-ignores")
    client = blocks.get_client(peak.session.Session())
    data = example("workflow/workflow-private.yaml")
    data["body"]["metadata"]["name"] = "sdk-default-mode"
    created = client.create_spec(body=data["body"], artifact={"path": str(press_server.EXAMPLES / "artifact"),
                                                              "ignore_files": [".dockerignore"]},
                                 parameters=data["parameters"])
    assert client.describe_spec(created["id"])["metadata"]["name"] == "sdk-default-mode"
