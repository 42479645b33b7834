"""scripts/release.py, run for real: sdist and wheel built, `twine check`ed, and the wheel installed
by name into a new virtualenv, where the command works.

build and twine are installed into a virtualenv of their own (twine 6.1+ needs urllib3 2, which
peak-sdk in the test extras holds back). It needs the package index and takes a minute or two.
"""

import os
import shutil
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "release.py"
# Taken before conftest's autouse fixture clears the proxy settings: pip needs them.
ENVIRONMENT = dict(os.environ)

pytestmark = pytest.mark.slow


def _index_reachable() -> bool:
    if os.environ.get("PIP_NO_INDEX"):
        return False
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10).close()
        return True
    except OSError:
        return False


def test_the_version_lives_in_one_place():
    """pyproject.toml reads it from blocklint/__init__.py, which the script and the CLI report."""
    import blocklint

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "blocklint.__version__"}
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import release
    finally:
        sys.path.remove(str(SCRIPT.parent))
    assert release.version() == blocklint.__version__
    assert set(project["project"]["optional-dependencies"]["release"]) >= {"build>=1.2", "twine>=5"}


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    if not _index_reachable():
        pytest.skip("the package index is not reachable; the release script installs the wheel's dependencies")
    venv = tmp_path_factory.mktemp("release-tools") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted["release"]],
                   check=True, env=ENVIRONMENT, capture_output=True)
    return python


def release(tools, dist, env=None):
    return subprocess.run([tools, SCRIPT, "--dist", dist], capture_output=True, text=True, cwd=dist.parent,
                          env=env or ENVIRONMENT, timeout=1200)


def test_release_script_builds_checks_and_installs_the_wheel_by_name(tools, tmp_path):
    import blocklint

    dist = tmp_path / "dist"
    result = release(tools, dist)
    assert result.returncode == 0, result.stdout + result.stderr
    version = blocklint.__version__
    names = sorted(path.name for path in dist.iterdir())
    # A wheel for this interpreter and platform (the package has an extension module), holding the
    # native tree builder where a C compiler is at hand; published wheels come from cibuildwheel.
    native = shutil.which("cc") is not None
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert len(names) == 2 and names[0].startswith(f"peak_blocklint-{version}-{tag}") and names[0].endswith(".whl")
    assert names[1] == f"peak_blocklint-{version}.tar.gz"
    for step in ("twine check --strict", "installing peak-blocklint", "blocklint check good.yaml",
                 "blocklint check bad.yaml"):
        assert f"release: {step}" in result.stdout
    with zipfile.ZipFile(dist / names[0]) as wheel:
        inside = wheel.namelist()
    assert "blocklint/rules/triggers.py" in inside and "blocklint/schemas/press.json" in inside
    assert native == any(name.startswith("blocklint/load/_native.") for name in inside)


def test_release_script_fails_when_the_wheel_does_not_work(tools, tmp_path):
    """Not vacuous: a checkout whose command cannot start is refused at the install check."""
    copy = tmp_path / "checkout"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_symlink() or source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(source), copy / name) if source.is_symlink() else \
                (copy / name).write_bytes(source.read_bytes())
    cli = copy / "blocklint" / "cli.py"
    cli.write_text(cli.read_text(encoding="utf-8").replace("def main():", "def main():\n    raise SystemExit(3)\n",
                                                           1), encoding="utf-8")
    dist = tmp_path / "dist"
    result = subprocess.run([tools, copy / "scripts" / "release.py", "--dist", dist], capture_output=True,
                            text=True, env=ENVIRONMENT, timeout=1200)
    assert result.returncode == 1
    assert "release: failed: blocklint --version: exit 3" in result.stderr
