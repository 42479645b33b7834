"""Build the release files and check them before anything is published.

    pip install -e ".[release]"        # build and twine
    python scripts/release.py          # writes dist/: the sdist and the wheel, checked

1. `python -m build` makes the sdist, then the wheel from the sdist (so a file missing from the
   sdist fails here, not for a user installing it);
2. `twine check --strict` checks both, as the package index will (metadata, the README rendering);
3. a new virtualenv installs the distribution *by name* from dist/ (the wheel, not the checkout),
   then the command it installs must report the version in blocklint/__init__.py, list the
   rules, pass a good spec and fail a bad one, from a folder outside the checkout.

It exits non-zero at the first step that fails, saying which. Publishing (`twine upload`) is left
to the person releasing: this script never sends anything.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "peak-blocklint"
GOOD_SPEC = ROOT / "tests" / "cases" / "BL101" / "good.yaml"
BAD_SPEC = ROOT / "tests" / "cases" / "BL101" / "bad.yaml"


class ReleaseError(Exception):
    pass


def version() -> str:
    """`__version__` from blocklint/__init__.py, read without importing the package."""
    tree = ast.parse((ROOT / "blocklint" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise ReleaseError("blocklint/__init__.py sets no __version__")


def run(step: str, command: list, *, cwd=None, expect: int = 0) -> str:
    print(f"release: {step}", flush=True)
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True)
    if result.returncode != expect:
        raise ReleaseError(f"{step}: exit {result.returncode} (expected {expect})\n{result.stdout}{result.stderr}")
    return result.stdout


def build(dist: Path) -> list[Path]:
    if dist.exists():
        shutil.rmtree(dist)
    run("building the sdist, and the wheel from it", [sys.executable, "-m", "build", "--outdir", dist, ROOT])
    files = sorted(dist.iterdir())
    wanted = version()
    names = [path.name for path in files]
    if not (any(n.endswith(".tar.gz") for n in names) and any(n.endswith(".whl") for n in names)):
        raise ReleaseError(f"expected an sdist and a wheel in {dist}, found {names}")
    if not all(f"-{wanted}" in name for name in names):
        raise ReleaseError(f"the files in {dist} do not carry version {wanted}: {names}")
    return files


def check_metadata(files: list[Path]):
    run("twine check --strict", [sys.executable, "-m", "twine", "check", "--strict", *files])


def check_install(dist: Path):
    """The wheel installs by name into a new virtualenv and works there."""
    wanted = version()
    with tempfile.TemporaryDirectory(prefix="blocklint-release-") as scratch:
        venv = Path(scratch) / "venv"
        run("a new virtualenv", [sys.executable, "-m", "venv", venv])
        python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
        # The distribution from dist/ only (no index: a published release of the same version cannot
        # stand in for it), then its dependencies from the configured index.
        run(f"installing {DISTRIBUTION}=={wanted} by name from {dist}",
            [python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--only-binary", ":all:",
             "--find-links", dist, f"{DISTRIBUTION}=={wanted}"])
        run("installing its dependencies",
            [python, "-m", "pip", "install", "--quiet", "--find-links", dist, f"{DISTRIBUTION}=={wanted}"])
        run("pip check", [python, "-m", "pip", "check"])
        blocklint = python.parent / "blocklint"
        shown = run("blocklint --version", [blocklint, "--version"], cwd=scratch)
        if wanted not in shown:
            raise ReleaseError(f"blocklint --version printed {shown.strip()!r}, not version {wanted}")
        if "BL101" not in run("blocklint rules", [blocklint, "rules"], cwd=scratch):
            raise ReleaseError("the installed blocklint lists no built-in rules (are they in the wheel?)")
        for spec, expect in ((GOOD_SPEC, 0), (BAD_SPEC, 1)):
            shutil.copy(spec, Path(scratch) / spec.name)
            run(f"blocklint check {spec.name}", [blocklint, "check", "--no-cache", spec.name], cwd=scratch,
                expect=expect)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where to write the files (default: dist/)")
    options = parser.parse_args(argv)
    dist = options.dist.resolve()
    try:
        files = build(dist)
        check_metadata(files)
        check_install(dist)
    except ReleaseError as error:
        print(f"release: failed: {error}", file=sys.stderr)
        return 1
    print(f"release: ready in {dist}: " + ", ".join(path.name for path in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
