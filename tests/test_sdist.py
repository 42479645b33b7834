"""The source distribution carries what the tests read: every tracked file outside the package
(the examples, the tests with their cases and data, the docs, the action, the benchmarks, the
editor extension), and the tests on the bundled examples pass in an unpacked sdist.

An sdist holds regular files only, so the tracked symbolic links (golden cases of BL012, BL804
and BL807) stay out of it (MANIFEST.in): setuptools would copy their targets in their place,
which changes what those cases test. Their cases run from a checkout."""

import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds the sdist in an isolated environment (setuptools from the index)

ROOT = Path(__file__).resolve().parent.parent
SYMLINK_MODE = "120000"
# Tracked files the tests never read: what only git itself uses.
NOT_FOR_TESTS = {".gitignore"}


def tracked() -> dict[str, str]:
    """Tracked path -> its git mode."""
    listed = subprocess.run(["git", "ls-files", "-s", "-z"], cwd=ROOT, capture_output=True, check=True)
    modes = {}
    for entry in listed.stdout.decode().split("\0"):
        if entry:
            info, path = entry.split("\t", 1)
            modes[path] = info.split()[0]
    return modes


@pytest.fixture(scope="module")
def files_in_git() -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT, capture_output=True, text=True)
    if inside.stdout.strip() != "true":
        pytest.skip("not a git checkout (an unpacked sdist, say): nothing to compare the sdist with")
    return tracked()


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    # setuptools assembles the sdist in a folder of the checkout: one build at a time across the
    # run's test workers (each has its own module fixture), under a lock in their shared temp folder.
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared
    with (shared / "sdist-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)],
                               capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [archive] = out.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(out / "unpacked", filter="data")
    [top] = (out / "unpacked").iterdir()
    return top


def below_package(path: str) -> bool:
    """The package's own files (`blocklint/`, and `rules/` installed as `blocklint.rules`) are the
    wheel's concern; the sdist carries them as the package build finds them."""
    return path.startswith(("blocklint/", "rules/"))


def test_the_sdist_holds_every_tracked_file_the_tests_read(files_in_git, unpacked):
    wanted = [path for path, mode in files_in_git.items()
              if mode != SYMLINK_MODE and not below_package(path) and Path(path).name not in NOT_FOR_TESTS]
    assert "examples/workflow/workflow-private.yaml" in wanted and "tests/data/sarif-2.1.0.json" in wanted
    missing = [path for path in wanted if not (unpacked / path).is_file()]
    assert missing == [], f"add these to MANIFEST.in: {missing[:20]}"


def test_no_symbolic_link_travels_as_a_copy_of_its_target(files_in_git, unpacked):
    links = [path for path, mode in files_in_git.items() if mode == SYMLINK_MODE and not below_package(path)]
    assert links, "the golden cases have symbolic links: this test would check nothing without them"
    copied = [path for path in links if (unpacked / path).exists()]
    assert copied == [], f"exclude these from the sdist in MANIFEST.in: {copied[:20]}"


def test_the_project_files_are_in_the_sdist(unpacked):
    for name in ("LICENSE", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md"):
        assert (unpacked / name).is_file(), name
    assert "Apache License" in (unpacked / "LICENSE").read_text(encoding="utf-8")


def test_the_tests_on_the_bundled_examples_pass_in_the_unpacked_sdist(unpacked):
    """Run from the unpacked folder, which comes first on sys.path: the sdist's own package and
    files are what the tests import and read."""
    imported = subprocess.run([sys.executable, "-c", "import blocklint; print(blocklint.__file__)"],
                              cwd=unpacked, capture_output=True, text=True, check=True)
    assert Path(imported.stdout.strip()).is_relative_to(unpacked)
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_real_files.py", "-q", "-p", "no:cacheprovider"],
                          cwd=unpacked, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout.splitlines()[-1], done.stdout[-500:]


def test_the_sdist_carries_and_builds_the_native_tree_builder(unpacked, tmp_path):
    """setup.py, the builder's C source and the LibYAML sources with their licence travel in the
    sdist, and a wheel built from it holds the extension (where a C compiler exists)."""
    libyaml = ("api.c", "reader.c", "scanner.c", "parser.c", "yaml.h", "yaml_private.h", "config.h", "LICENSE")
    for name in ("setup.py", "native/treebuilder.c", *(f"native/libyaml/{name}" for name in libyaml)):
        assert (unpacked / name).is_file(), name
    if shutil.which("cc") is None:
        pytest.skip("no C compiler: the wheel would hold the pure-Python loader only")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path),
                            str(unpacked)], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert [name for name in names if name.startswith("blocklint/load/_native.")], names
    assert not [name for name in names if name.startswith("native/")]  # sources stay in the sdist
