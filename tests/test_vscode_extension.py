"""The thin VS Code extension in editors/vscode/ builds into a .vsix with vsce, from its lock file.

Skipped only where node and npm are missing or the npm registry cannot be reached."""

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[1] / "editors" / "vscode"


@pytest.mark.slow
def test_the_extension_packages_and_starts_blocklint_lsp(tmp_path):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=work, capture_output=True, text=True,
                               timeout=600)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install the build tools: {installed.stderr.strip()[-300:]}")
    built = subprocess.run(["npm", "run", "package"], cwd=work, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    [package] = work.glob("*.vsix")
    with zipfile.ZipFile(package) as vsix:
        names = vsix.namelist()
        assert "extension/extension.js" in names and "extension/package.json" in names
        script = vsix.read("extension/extension.js").decode()
    assert '"lsp"' in script or "'lsp'" in script  # it starts `blocklint lsp`
