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


CONTRACTS = ("Layers point one way", "The engine knows no rule", "The loader knows no rule or report",
             "Rules never import the CLI, the server or submit",
             "Front doors never import each other (the console script only hands over to the command line)",
             "Services never import each other",
             "No import cycles between sibling modules")


def _contracts() -> list:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_import_contracts_are_kept():
    code, output = lint_imports(ROOT)
    assert code == 0, output
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in output
    assert [contract["name"] for contract in _contracts()] == list(CONTRACTS)


def test_the_layers_are_few():
    """A design, not a sort of today's imports: front doors (the console script among them),
    services, the run, rules, engine, loader, model, leaves."""
    assert len(_contracts()[0]["layers"]) <= 8


# One arrow against each contract, each in a file of its own.
BROKEN = {
    "words.py": ("from blocklint import plan", "blocklint.words -> blocklint.plan"),
    "rules/dag.py": ("from blocklint import fixing", "blocklint.rules.dag -> blocklint.fixing"),
    "engine/fold.py": ("from blocklint import collect", "blocklint.engine.fold -> blocklint.collect"),
    "load/scalars.py": ("from blocklint import report", "blocklint.load.scalars -> blocklint.report"),
    "fixtures.py": ("from blocklint import submit", "blocklint.fixtures -> blocklint.submit"),
    "graph.py": ("from blocklint import lsp", "blocklint.graph -> blocklint.lsp"),
    "pytest_plugin.py": ("from blocklint import cli", "blocklint.pytest_plugin -> blocklint.cli"),
}


def test_a_broken_contract_is_reported(tmp_path):
    """The check can fail: the same contracts over a copy of the code with one forbidden import
    per contract; each contract reports its own."""
    copy = tmp_path / "blocklint"
    shutil.copytree(ROOT / "blocklint", copy, symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name, (line, _) in BROKEN.items():
        module = copy / name
        module.write_text(module.read_text() + f"\n{line}  # a forbidden arrow\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    code, output = lint_imports(tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert code == 1, output
    for name in CONTRACTS[:5]:  # the arrows make circles too, so the acyclic one may break as well
        assert f"{name} BROKEN" in output, output
    for _, arrow in BROKEN.values():
        assert arrow in output, arrow


def test_every_module_of_blocklint_stands_in_a_layer():
    """A module left out of the layers would be free to import anything: each must be placed."""
    import re as regex

    layers = _contracts()[0]["layers"]
    placed = {name.strip() for layer in layers for name in regex.split(r"[|:]", layer)}
    package = ROOT / "blocklint"
    modules = {f"blocklint.{path.stem}" for path in package.glob("*.py") if path.stem not in ("__init__", "__main__")}
    modules |= {f"blocklint.{path.name}" for path in package.iterdir()
                if path.is_dir() and (path / "__init__.py").exists()}
    assert modules - placed == set()
    assert placed - modules == set()
