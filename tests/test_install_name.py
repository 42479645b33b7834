"""Everything that tells a user how to install blocklint names the distribution in pyproject.toml.

The command is `blocklint`, but the name `blocklint` on PyPI belongs to an unrelated project:
`pip install blocklint` installs that one, and a CI recipe built on it checks nothing and passes.
These tests read every tracked text file (docs, recipes, the action and its scripts, the
pre-commit hook, the program's own hints) and fail on an install of any other name.
`pip install -e .` (the checkout itself) is fine wherever it appears.
"""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
TEXT_SUFFIXES = {".md", ".py", ".yml", ".yaml", ".toml", ".cfg", ".txt", ".sh", ".json", ".ini", ""}

# One requirement token after an installer's `install` (or `add`) in the same shell command
# (`pip install -q X`, `"$pip" install "X[server]"`, `pipx install X`, `uv tool install X`,
# `poetry add X`): a token naming blocklint. Prose ("install blocklint into a venv") is not one.
INSTALLED = re.compile(
    r"(?:\bpip3?|\bpipx|\buv(?:\s+pip|\s+tool)?|\bpoetry|\bpdm|\$\{?pip\}?[\"']?)\s+(?:install|add)\b[^\n|&;#`]*?(?<![\w./-])['\"]?(?P<name>[\w.-]*blocklint[\w.-]*)(?:\[[^\]\s]*\])?"
    r"['\"]?(?:[=<>~!]=?\S*)?(?=[\s'\";)|&]|$)")
# A pinned or bounded requirement anywhere (`blocklint==0.1.0`, `"blocklint>=0.1"`).
PINNED = re.compile(r"(?<![\w.-])(?P<name>[\w.-]*blocklint[\w.-]*)(?:\[[^\]\s]*\])?\s*(?:==|>=|<=|~=|!=)\s*\d")
# A lookup by distribution name (`importlib.metadata.version("blocklint")`).
LOOKED_UP = re.compile(r"\b(?:version|distribution|metadata|requires)\(\s*['\"](?P<name>[\w.-]*blocklint[\w.-]*)['\"]")


def installs(text: str) -> list[str]:
    """The distribution names `text` installs, pins or looks up that mention blocklint."""
    return [match["name"] for pattern in (INSTALLED, PINNED, LOOKED_UP) for match in pattern.finditer(text)]


def project_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    return [ROOT / name for name in listed
            if name and (ROOT / name).suffix in TEXT_SUFFIXES and (ROOT / name).is_file()
            and not name.startswith("tests/cases/") and name != "tests/test_install_name.py"]


@pytest.mark.parametrize("text, expected", [
    ("pip install blocklint", ["blocklint"]),
    ("- run: pip install blocklint\n", ["blocklint"]),
    ("pip install 'blocklint[server]'", ["blocklint"]),
    ('python -m pip install --quiet "blocklint==0.1.0"', ["blocklint", "blocklint"]),
    ('"$pip" install --quiet blocklint ;;', ["blocklint"]),
    ("pipx install blocklint", ["blocklint"]),
    ('dependencies = ["blocklint>=0.1"]', ["blocklint"]),
    ('importlib.metadata.version("blocklint")', ["blocklint"]),
    ("pip install peak-blocklint", ["peak-blocklint"]),
    ("pip install 'peak-blocklint[server]'", ["peak-blocklint"]),
    ("pip install -e . && blocklint check examples/", []),
    ('pip install -e ".[test]" && python -m pytest', []),
    ("pre-commit install  # then blocklint runs on commit", []),
    ("# install blocklint into a virtualenv of its own", []),
    ("uv tool install blocklint", ["blocklint"]),
    ("poetry add --group dev blocklint", ["blocklint"]),
    ("blocklint check --format sarif --output blocklint.sarif", []),
])
def test_installs_finds_every_way_of_naming_a_distribution(text, expected):
    assert installs(text) == expected


def test_distribution_name_is_not_the_unrelated_pypi_project():
    assert DISTRIBUTION != "blocklint"
    assert "blocklint" in DISTRIBUTION


def test_docs_recipes_and_hints_install_the_distribution_name():
    wrong = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in project_files()
             for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if any(name != DISTRIBUTION for name in installs(line))]
    assert not wrong, f"these install something other than {DISTRIBUTION!r}:\n" + "\n".join(wrong)


def test_the_readme_and_the_ci_recipes_install_the_distribution_name():
    """Not vacuous: the places a user copies an install from do name it. (What the action's
    `version: latest` installs is tested in tests/test_action.py.)"""
    for name in ("docs/ci.md", "README.md"):
        assert DISTRIBUTION in installs((ROOT / name).read_text(encoding="utf-8")), name


def test_serve_hint_names_the_server_extra_of_the_distribution():
    from blocklint.server.cli import SERVER_EXTRA_HINT

    assert installs(SERVER_EXTRA_HINT) == [DISTRIBUTION]
    assert f"{DISTRIBUTION}[server]" in SERVER_EXTRA_HINT
