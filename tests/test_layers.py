"""The layers point one way and no sibling modules import each other in a circle: import-linter
checks the contracts in pyproject.toml against the code as it is."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def lint_imports(cwd, env=None) -> tuple[int, str]:
    program = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert program, "import-linter is a test dependency: pip install -e '.[test]'"
    done = subprocess.run([program, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)
    return done.returncode, ANSI.sub("", done.stdout + done.stderr)


def test_import_contracts_are_kept():
    code, output = lint_imports(ROOT)
    assert code == 0, output
    assert "Contracts: 2 kept, 0 broken." in output


def test_a_broken_contract_is_reported(tmp_path):
    """The check can fail: the same contracts over a copy of the code with one upward import."""
    copy = tmp_path / "blocklint"
    shutil.copytree(ROOT / "blocklint", copy, symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    words = copy / "words.py"
    words.write_text(words.read_text() + "\nfrom blocklint import plan  # an upward arrow\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    code, output = lint_imports(tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert code == 1, output
    assert "blocklint.words -> blocklint.plan" in output


def test_every_module_of_blocklint_stands_in_a_layer():
    """A module left out of the layers would be free to import anything: each must be placed."""
    import tomllib

    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    package = ROOT / "blocklint"
    modules = {f"blocklint.{path.stem}" for path in package.glob("*.py") if path.stem not in ("__init__", "__main__")}
    modules |= {f"blocklint.{path.name}" for path in package.iterdir()
                if path.is_dir() and (path / "__init__.py").exists()}
    assert modules - placed == set()
