"""blocklint.artifact builds the same file list and zip as peak-sdk itself (peak.compression)."""

import io
import os
import random
import zipfile

import pytest

from blocklint import artifact

compression = pytest.importorskip("peak.compression")
# peak-sdk calls pathspec APIs that pathspec 1.x deprecates; not blocklint's concern here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
exceptions = pytest.importorskip("peak.exceptions")


def _tree(root, files):
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return root


PROJECT = {
    "Dockerfile": "FROM python:3.11-slim\n",
    "main.py": "print('hello')\n",
    "main.pyc": b"\x00compiled",
    "sql/query.sql": "select 1;\n",
    "sql/draft.sql": "select 2;\n",
    "data/big.csv": "a,b\n1,2\n",
    "data/keep/small.csv": "a\n1\n",
    "docs/notes.md": "notes\n",
    "src/pkg/__init__.py": "",
    "src/pkg/__pycache__/mod.cpython-311.pyc": b"\x00",
    ".git/HEAD": "ref: refs/heads/main\n",
}
DOCKERIGNORE = "\n".join([
    "# build noise",
    "*.pyc",
    "__pycache__/",
    ".git",
    "",
    "data/",
    "!data/keep/",
    "sql/draft.sql",
    "docs",
    "!docs/notes.md",
]) + "\n"


def _sdk_files(root, ignore_files=None):
    return sorted(os.fspath(name).replace(os.sep, "/") for name in compression.get_files_to_include(
        os.fspath(root), ignore_files))


@pytest.mark.parametrize("ignore_files", [None, [], [".dockerignore"], [".gitignore", ".dockerignore"],
                                          [".gitignore"]])
def test_file_list_matches_peak_sdk(tmp_path, ignore_files, monkeypatch):
    root = _tree(tmp_path / "art", {**PROJECT, ".dockerignore": DOCKERIGNORE, ".gitignore": "*.md\n!docs/\n"})
    monkeypatch.chdir(root)  # peak-sdk resolves the default .dockerignore correctly only from `.`
    ours = artifact.artifact_files(".", ignore_files)
    assert ours == _sdk_files(".", ignore_files)
    assert "Dockerfile" in ours
    assert ("main.pyc" in ours) is (ignore_files == [".gitignore"])


def test_ignore_rules_follow_gitignore_semantics(tmp_path):
    root = _tree(tmp_path, {**PROJECT, ".dockerignore": DOCKERIGNORE})
    files = artifact.artifact_files(root, [".dockerignore"])
    assert "main.pyc" not in files and "src/pkg/__pycache__/mod.cpython-311.pyc" not in files
    assert "sql/query.sql" in files and "sql/draft.sql" not in files
    assert ".git/HEAD" not in files
    assert ".dockerignore" in files  # the ignore file itself is uploaded, as with the SDK


def test_symlinks_are_followed_as_by_peak_sdk(tmp_path):
    outside = _tree(tmp_path / "shared", {"lib.py": "x = 1\n"})
    root = _tree(tmp_path / "art", {"Dockerfile": "FROM scratch\n"})
    (root / "shared").symlink_to(outside, target_is_directory=True)
    assert artifact.artifact_files(root) == _sdk_files(root) == ["Dockerfile", "shared/lib.py"]


def test_zip_has_the_same_entries_and_bytes_as_peak_sdk(tmp_path, monkeypatch):
    root = _tree(tmp_path / "art", {**PROJECT, ".dockerignore": DOCKERIGNORE})
    monkeypatch.chdir(root)
    data = artifact.build_zip(".", [".dockerignore"])
    with compression.compress(".", [".dockerignore"]) as handle:
        sdk = handle.read()
    ours, theirs = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(sdk))
    assert sorted(ours.namelist()) == sorted(theirs.namelist())
    assert {"sql/", "data/", "data/keep/", "src/", "src/pkg/"} <= set(ours.namelist())
    for info in theirs.infolist():
        assert ours.getinfo(info.filename).compress_type == info.compress_type
        assert ours.read(info.filename) == theirs.read(info.filename)
    assert {info.compress_type for info in ours.infolist() if not info.is_dir()} == {zipfile.ZIP_DEFLATED}


def test_too_large_artifact_is_refused_like_peak_sdk_and_names_the_largest_files(tmp_path):
    rng = random.Random(804)
    root = _tree(tmp_path, {"Dockerfile": "FROM scratch\n", "model.bin": rng.randbytes(7 * artifact.MB),
                            "weights.bin": rng.randbytes(4 * artifact.MB), "small.txt": "x\n"})
    with pytest.raises(artifact.ArtifactTooLarge) as raised:
        artifact.build_zip(root)
    assert "over 10 MiB" in str(raised.value)
    assert [name for name, _ in raised.value.largest][:2] == ["model.bin", "weights.bin"]
    assert "model.bin (7.0 MiB)" in str(raised.value)
    with pytest.raises(exceptions.FileLimitExceededException):
        with compression.compress(os.fspath(root)):
            pass


def test_artifact_just_under_the_limit_is_accepted(tmp_path):
    root = _tree(tmp_path, {"blob.bin": random.Random(1).randbytes(9 * artifact.MB)})
    assert len(artifact.build_zip(root)) <= artifact.MAX_COMPRESSED_BYTES


@pytest.mark.parametrize(("entry", "words"), [
    (".gitignore", "does not exist"),
    ("docker/.dockerignore", "not at the artifact root"),
    ("../.dockerignore", "outside the artifact directory"),
    ("docker", "is not a file"),
])
def test_bad_ignore_file_raises_a_clear_error(tmp_path, entry, words):
    _tree(tmp_path, {".dockerignore": "*.pyc\n"})
    root = _tree(tmp_path / "art", {"Dockerfile": "FROM scratch\n", "docker/.dockerignore": "*.pyc\n"})
    with pytest.raises(artifact.IgnoreFileError, match=words):
        artifact.artifact_files(root, [entry])


def test_missing_artifact_directory_raises_a_clear_error(tmp_path):
    with pytest.raises(artifact.ArtifactPathError, match="does not exist"):
        artifact.artifact_files(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(artifact.ArtifactPathError, match="is not a directory"):
        artifact.build_zip(tmp_path / "file")


@pytest.mark.parametrize(("cwd", "path", "fails"), [
    ("work", "app", True), ("work", "./app", True), ("work", "app/sub/..", True),
    ("work/app", ".", False), ("work/other", "../app", False),
])
def test_default_dockerignore_bug_is_predicted_as_peak_sdk_shows_it(tmp_path, monkeypatch, cwd, path, fails):
    _tree(tmp_path / "work" / "app", {"Dockerfile": "FROM scratch\n", ".dockerignore": "*.pyc\n", "sub/x": ""})
    (tmp_path / "work" / "other").mkdir()
    monkeypatch.chdir(tmp_path / cwd)
    assert artifact.sdk_default_ignore_fails(path) is fails
    if fails:
        with pytest.raises(exceptions.InvalidPathException):
            list(compression.get_files_to_include(path))
    else:
        assert _sdk_files(path) == artifact.artifact_files(path)
    assert "Dockerfile" in artifact.artifact_files(path)  # blocklint itself uses <path>/.dockerignore
