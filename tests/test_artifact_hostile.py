"""Hostile `artifact.path` values (issue 11): no rule crashes (BL000), `check` reaches the verdict
`submit` reaches (both go through blocklint.artifact), and nothing blocks or reads without end."""

import json
import os
import textwrap
import time

import pytest

from blocklint import artifact

SPEC = textwrap.dedent("""\
    body:
      version: 1
      kind: workflow
      metadata: {name: orders, summary: Loads the orders.}
      release: {version: "1.0.0"}
      config:
        steps:
          load: {imageDetails: {id: 12}, command: python load.py}
    artifact:
      path: {path}
    """)


def _check(run, tmp_path, path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("{path}", json.dumps(path)))
    code, output = run("check", "--format", "json", "--select", "BL8", spec, cwd=tmp_path)
    findings = json.loads(output)["findings"]
    assert code != 2 and not [f for f in findings if f["rule"] == "BL000"], findings
    return [(f["rule"], f["message"]) for f in findings]


@pytest.mark.parametrize("path", ["/proc", "/sys", "/dev", "/dev/shm", "/proc/self"])
def test_kernel_and_device_trees_are_refused_without_walking_them(run, tmp_path, path):
    if not os.path.isdir(path):
        pytest.skip(f"{path} is not a directory here")
    started = time.monotonic()
    findings = _check(run, tmp_path, path)
    assert [rule for rule, _ in findings] == ["BL801"]
    assert "kernel or device tree" in findings[0][1]
    assert time.monotonic() - started < 10
    with pytest.raises(artifact.ArtifactPathError):
        artifact.build_zip(path)


@pytest.mark.parametrize("path, words", [
    ("a" * 300, "cannot be used (file name too long)"),
    ("art\0ifact", "contains a NUL character"),
    ("", "artifact path is empty"),
    ("   ", "artifact path is empty"),
])
def test_unusable_path_strings_are_findings_not_crashes(run, tmp_path, path, words):
    findings = _check(run, tmp_path, path)
    assert [rule for rule, _ in findings] == ["BL801"] and words in findings[0][1], findings


def test_too_many_files_is_the_same_verdict_in_check_and_submit(run, tmp_path, monkeypatch):
    monkeypatch.setattr(artifact, "MAX_FILES", 20)
    tree = tmp_path / "tree"
    for index in range(25):
        (tree / f"d{index % 3}").mkdir(parents=True, exist_ok=True)
        (tree / f"d{index % 3}" / f"f{index}.txt").write_text("x")
    findings = _check(run, tmp_path, str(tmp_path / "tree"))
    assert [rule for rule, _ in findings] == ["BL804"] and "more than 20 files" in findings[0][1]
    with pytest.raises(artifact.TooManyFiles):
        artifact.build_zip(tree)


def test_fifos_and_device_links_are_left_out_as_peak_sdk_leaves_them_out(run, tmp_path):
    """pathspec (as peak-sdk calls it) lists regular files only: a FIFO or a link to /dev/zero
    is neither read by the check nor uploaded by submit, so nothing blocks or reads forever."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "Dockerfile").write_text("FROM python:3.11-slim\n")
    os.mkfifo(tree / "data.yaml")
    (tree / "zero").symlink_to("/dev/zero")
    started = time.monotonic()
    assert _check(run, tmp_path, str(tree)) == []
    assert artifact.artifact_files(tree) == ["Dockerfile"]
    assert artifact.build_zip(tree)
    assert time.monotonic() - started < 10


def test_a_link_loop_is_a_finding(run, tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "loop").symlink_to("..")
    findings = _check(run, tmp_path, str(tmp_path / "tree"))
    assert [rule for rule, _ in findings] == ["BL801"] and "loop of symbolic links" in findings[0][1]


def test_links_leaving_the_artifact_name_their_target(tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "key").write_text("k")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "inside.txt").write_text("x")
    (tree / "alias.txt").symlink_to("inside.txt")
    (tree / "keys").symlink_to(tmp_path / "secret")
    files = artifact.artifact_files(tree)
    assert artifact.links_leaving(tree, files) == [("keys", str(tmp_path / "secret"))]


def test_huge_raw_size_is_refused_without_compressing(tmp_path):
    """More raw bytes than deflate can shrink under the limit: decided from sizes alone."""
    tree = tmp_path / "tree"
    tree.mkdir()
    with open(tree / "sparse.bin", "wb") as handle:
        handle.truncate(11 * 2**30)  # a sparse 11 GiB file: no disk used
    started = time.monotonic()
    with pytest.raises(artifact.ArtifactTooLarge, match="before compression"):
        artifact.build_zip(tree)
    assert time.monotonic() - started < 2


def test_compression_stops_as_soon_as_the_limit_is_passed(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    with open(tree / "noise.bin", "wb") as handle:  # incompressible, 3x the limit
        for _ in range(30):
            handle.write(os.urandom(2**20))
    written = []
    real_write = artifact._write_checked

    def spy(archive, source, name, handle, limit, too_large):
        try:
            real_write(archive, source, name, handle, limit, too_large)
        finally:
            written.append(handle.tell())

    artifact._write_checked = spy
    try:
        with pytest.raises(artifact.ArtifactTooLarge):
            artifact.build_zip(tree)
    finally:
        artifact._write_checked = real_write
    assert written and written[0] < artifact.MAX_COMPRESSED_BYTES + 2 * artifact.CHUNK


def _sparse(path, size, data=b""):
    with open(path, "wb") as handle:
        handle.truncate(size)
        if data:
            handle.seek(size // 2)
            handle.write(data)


def test_a_4_gib_sparse_file_gets_the_zip_verdict_without_being_compressed(tmp_path, monkeypatch):
    """Mostly holes: 4 GiB of zeros zips to about 4 MiB, under the limit, decided unread."""
    tree = tmp_path / "tree"
    tree.mkdir()
    _sparse(tree / "disk.img", 4 * 2**30, os.urandom(2**20))
    if not artifact._is_sparse(tree / "disk.img"):
        pytest.skip("this file system does not keep holes")
    calls = []
    monkeypatch.setattr(artifact, "build_zip", lambda *args, **kwargs: calls.append(args))
    started = time.monotonic()
    artifact.check_size(tree)
    assert time.monotonic() - started < 3 and calls == []


def test_sparse_files_past_the_limit_are_refused_unread(tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(3):  # 3 x 4 GiB of holes: at least 12 MiB compressed
        _sparse(tree / f"disk{index}.img", 4 * 2**30)
    if not artifact._is_sparse(tree / "disk0.img"):
        pytest.skip("this file system does not keep holes")
    monkeypatch.setattr(artifact, "build_zip", lambda *args, **kwargs: pytest.fail("compressed"))
    with pytest.raises(artifact.ArtifactTooLarge, match="at least 11.[0-9] MiB compressed"):
        artifact.check_size(tree)


def test_the_sparse_estimate_agrees_with_the_real_zip_near_the_limit(tmp_path):
    """Bounds that do not decide fall back to compressing: the verdict is build_zip's."""
    tree = tmp_path / "tree"
    tree.mkdir()
    _sparse(tree / "disk.img", 128 * 2**20, os.urandom(8 * 2**20))  # 8 MiB of data, 120 MiB of holes
    if not artifact._is_sparse(tree / "disk.img"):
        pytest.skip("this file system does not keep holes")
    for limit in (7 * 2**20, 8 * 2**20 + 100 * 2**10, 8 * 2**20 + 130 * 2**10, 9 * 2**20):
        try:
            artifact.build_zip(tree, limit=limit)
            expected = None
        except artifact.ArtifactTooLarge:
            expected = "too large"
        try:
            artifact.check_size(tree, limit=limit)
            got = None
        except artifact.ArtifactTooLarge:
            got = "too large"
        assert got == expected, limit


@pytest.mark.parametrize("path", ["../outside", "/usr", "inside/../../outside"])
def test_an_artifact_outside_the_project_is_refused_without_walking_it(run, tmp_path, path):
    """A checkout must not make blocklint walk, read and describe the rest of the machine."""
    project = tmp_path / "project"
    (project / "inside").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret-name.txt").write_text("x")
    findings = _check(run, project, path)
    assert [rule for rule, _ in findings] == ["BL801"] and "lies outside the project" in findings[0][1], findings
    assert "secret-name" not in json.dumps(findings)
    assert "BL801" not in {rule for rule, _ in _check(run, project, "inside")}  # inside: checked as usual


def test_an_artifact_said_to_fit_unread_zips_under_the_limit(tmp_path):
    """`_fits_unread` spares the zip only where the zip is under the limit: incompressible data,
    many small files, deep directories and non-ASCII names, each zipped for real."""
    tree = tmp_path / "tree"
    (tree / "a" / "b" / "ç").mkdir(parents=True)
    (tree / "random.bin").write_bytes(os.urandom(300_000))  # deflate makes it larger, not smaller
    for index in range(200):
        (tree / "a" / "b" / "ç" / f"é{index}.txt").write_bytes(os.urandom(index))
    files = artifact.artifact_files(tree)
    size = len(artifact.build_zip(tree, limit=None))
    for limit in range(size // 2, 4 * size, size // 8):
        if artifact._fits_unread(tree, files, limit):
            assert size <= limit, limit
    assert artifact._fits_unread(tree, files, 4 * size)  # and it does decide small artifacts


def test_what_zipfile_refuses_is_never_decided_unread(tmp_path):
    """A time stamp before 1980 makes zipfile raise: the check zips, and says what it said."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "old.txt").write_text("from 1970\n")
    os.utime(tree / "old.txt", (0, 0))
    assert not artifact._fits_unread(tree, ["old.txt"], artifact.MAX_COMPRESSED_BYTES)
    with pytest.raises(ValueError, match="1980"):
        artifact.check_size(tree)
