"""Hypothesis drives the real `blocklint serve` over loopback with generated bodies and zips.

Whatever arrives (JSON of any shape and size, non-finite and huge numbers, bytes that are not
JSON, any content type, zips with generated names, flags and sizes, then corrupted bytes), the
server answers below 500 with a Press-shaped body and keeps the connection open.

`BLOCKLINT_FUZZ_EXAMPLES` scales the runs (a quarter of it per test, at least 10); under
`CI=true` they are derandomized.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")

_helper = importlib.util.spec_from_file_location("_press_server", Path(__file__).parent / "press_server.py")
press_server = importlib.util.module_from_spec(_helper)
_helper.loader.exec_module(press_server)

EXAMPLES = max(10, int(os.environ.get("BLOCKLINT_FUZZ_EXAMPLES", "1000")) // 4)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

PATHS = ["/v1/blocks/specs/", "/v1/blocks/specs/{spec}/releases", "/v1/blocks/deployments/", "/v1/apps/specs/", "/v1/deployments/{id}/parameters/run",
              "/v2/deployments/{id}/parameters/run", "/v1/blocks/deployments/{id}/revisions",
              "/v1/blocks/specs/{spec}", "/v1/blocks/deployments/{id}", "/press/v1/apps/deployments/"]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "application/problem+json",
                 "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded", None]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    registry = tmp_path_factory.mktemp("fuzzed") / "registry.sqlite3"
    with press_server.served_process(registry, args=("--max-json-mib", "1", "--max-upload-mib", "2")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def connection(server):
    opened = press_server.Connection(server)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def deployment(connection):
    """A real spec and deployment, so that generated bodies also reach the registry's checks."""
    body, content_type = press_server.spec_request("fuzz-target", press_server.example_artifact())
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/", body, {"Content-Type": content_type})
    assert status == 200, answer
    deployment_body = press_server.example("deployments/block-deployment.yaml")["body"]
    deployment_body["spec"]["id"] = answer["id"]
    status, created, _ = connection.json("POST", "/v1/blocks/deployments/", deployment_body)
    assert status == 200, created
    return {"spec": answer["id"], "id": created["id"]}


def answered_within_4xx(connection, status, answer):
    assert status < 500, answer
    if status >= 400:
        assert isinstance(answer, dict) and answer.get("detail"), answer
    assert connection.alive(), "the server dropped the connection"


numbers = st.one_of(st.integers(), st.integers(min_value=-(10**40), max_value=10**40),
                    st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=30)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _form(parts) -> bytes:
    body = b"".join(b'--xyz\r\nContent-Disposition: form-data; name="' + name + b'"' + extra + b"\r\n\r\n" + value
                    + b"\r\n" for name, extra, value in parts)
    return body + b"--xyz--\r\n"


form_bodies = st.lists(st.tuples(
    st.sampled_from([b"spec", b"parameters", b"featured", b"scope", b"tenants", b"artifact", b"autoRunOnDeploy",
                     b"\xff", b'x"y', b""]),
    st.sampled_from([b"", b'; filename="a.zip"', b"\r\nContent-Type: text/plain; charset=latin-1",
                     b"\r\nContent-Type: application/json; charset=no-such-charset"]),
    st.one_of(json_values.map(lambda value: json.dumps(value).encode()), st.binary(max_size=200))),
    max_size=6).map(_form)


raw_bodies = st.one_of(
    form_bodies,
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.sampled_from(["parameters", "appParameters", "spec", "metadata", "agg_type", "release"]),
                    json_values, max_size=4).map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
    st.integers(min_value=1, max_value=3000).map(lambda depth: _nested(depth).encode()),
    st.integers(min_value=1, max_value=6000).map(lambda digits: ('{"a": ' + "7" * digits + "}").encode()),
)


@pytest.mark.slow
@FUZZ
@given(method=st.sampled_from(["POST", "PATCH", "PUT", "DELETE"]), path=st.sampled_from(PATHS),
       content_type=st.sampled_from(CONTENT_TYPES), body=raw_bodies)
def test_generated_bodies_are_answered_below_500_on_an_open_connection(connection, deployment, method, path,
                                                                       content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    status, answer, _ = connection.request(method, path.format(**deployment), body, headers)
    answered_within_4xx(connection, status, answer)


entry_names = st.one_of(
    st.sampled_from(["Dockerfile", "main.py", "sql/", "sql/a.sql", ".", "", "..", "../x", "/abs", "a//b", "a/./b",
                     "a\\b", "dir/", "dir", "x" * 300, "d/" * 80 + "f", "\x00", "é/ü.txt"]),
    st.text(min_size=0, max_size=30),
    st.lists(st.sampled_from(["a", "b", "..", ".", ""]), min_size=1, max_size=6).map("/".join),
)
entries = st.tuples(entry_names, st.binary(max_size=2000), st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
                    st.integers(min_value=0, max_value=0xFFFF), st.sampled_from([0, 0o120777 << 16, 0o040755 << 16]))
corruptions = st.lists(st.tuples(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=255)),
                       max_size=4)


def _zip(generated, corrupted) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are generated on purpose
        for name, data, compression, flags, attributes in generated:
            info = zipfile.ZipInfo(name or "placeholder")
            info.compress_type = compression
            info.external_attr = attributes
            archive.writestr(info, data)
            info.flag_bits |= flags & 0x0001  # the encrypted flag, in the central directory only
            if not name:
                info.filename = ""
    data = bytearray(buffer.getvalue())
    for offset, value in corrupted:
        data[offset % len(data)] = value
    return bytes(data)


@pytest.mark.slow
@FUZZ
@given(generated=st.lists(entries, min_size=0, max_size=6), corrupted=corruptions)
def test_generated_artifact_zips_are_answered_below_500_on_an_open_connection(connection, generated, corrupted):
    body, content_type = press_server.spec_request("fuzz-zip", _zip(generated, corrupted))
    status, answer, _ = connection.request("POST", "/v1/blocks/specs/?validate=true", body,
                                           {"Content-Type": content_type})
    answered_within_4xx(connection, status, answer)
