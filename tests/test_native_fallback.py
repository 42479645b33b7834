"""A user without a C compiler installs blocklint all the same and gets the same results, only
slower: the checkout installed into a fresh virtualenv with the compiler disabled (`CC=false`,
which setuptools' compiler honours) builds no native tree builder, the install succeeds, and
`blocklint check examples/` prints what it prints here."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # installs into a new virtualenv

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Taken before conftest's autouse fixture clears the proxy settings: a fresh venv's pip needs them.
ENVIRONMENT = dict(os.environ)


def check_examples(blocklint: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(blocklint), "check", "--no-cache", "examples/"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**ENVIRONMENT, **env})


def test_without_a_compiler_the_install_succeeds_and_checks_as_the_native_build_does(tmp_path):
    # A copy without build products: an in-tree build would reuse this checkout's compiled objects.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", "build", "*.so", "*.egg-info", "__pycache__", "node_modules", ".hypothesis", ".blocklint_cache"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-v", str(source)],
                               capture_output=True, text=True, timeout=900,
                               env={**ENVIRONMENT, "CC": "false", "PIP_NO_CACHE_DIR": "1"})
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "the native tree builder was not built" in installed.stdout + installed.stderr
    version = subprocess.run([str(venv / "bin" / "blocklint"), "--version"], capture_output=True, text=True,
                             check=True, env=ENVIRONMENT).stdout
    assert "(loader: pure Python (the native tree builder is not built))" in version

    without = check_examples(venv / "bin" / "blocklint")
    here = check_examples(BIN / "blocklint")
    assert without.returncode in (0, 1) and "Traceback" not in without.stderr, without.stderr[-3000:]
    assert (without.returncode, without.stdout) == (here.returncode, here.stdout)
    assert without.stdout.strip()  # the examples' findings, not an empty run
