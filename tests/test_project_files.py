"""The files every project has say what is true of this one: the licence the package declares,
a contributor guide whose paths exist, a changelog with the package's version."""

import json
import re
import tomllib
from pathlib import Path

import blocklint

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# A backticked path: a folder (`tests/cases/`) or a file (`blocklint/cli.py`, `pyproject.toml`);
# a placeholder (`tests/cases/<RULE>/`) stands for a name the reader picks: its folder must exist.
BACKTICKED = re.compile(r"`([^`\s]+)`")
PATH_LIKE = re.compile(r"^(?:[\w.<>-]+/)+(?:[\w.<>*-]+)?$|^[\w-]+\.(?:py|md|toml|json|in)$")
PLACEHOLDER = re.compile(r"[^/]*[<*].*$")
MARKDOWN_LINK = re.compile(r"\]\((?!https?://|#)([^)#]+)(?:#[^)]*)?\)")


def test_the_licence_is_the_one_the_package_and_the_extension_declare():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text, "the full text, not a notice"
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    extension = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text(encoding="utf-8"))
    assert extension["license"] == "Apache-2.0"


def test_the_project_urls_are_declared():
    assert {"Homepage", "Issues", "Changelog", "Security"} <= set(PYPROJECT["project"]["urls"])


def named_paths(text: str) -> list[str]:
    paths = []
    for name in BACKTICKED.findall(text):
        if PATH_LIKE.match(name) and not name.startswith((".", "/")):
            paths.append(PLACEHOLDER.sub("", name))
    return paths


def test_every_path_the_contributor_guide_names_exists():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    named = named_paths(text) + MARKDOWN_LINK.findall(text)
    assert "blocklint/fixers.py" in named and "tests/cases/" in named and "README.md" in named
    missing = sorted({path for path in named if not (ROOT / path).exists()})
    assert missing == [], f"CONTRIBUTING.md names paths that do not exist: {missing}"


def test_the_path_check_can_fail():
    assert named_paths("edit `blocklint/nowhere.py` and `tests/cases/<RULE>/bad.yaml`") == [
        "blocklint/nowhere.py", "tests/cases/"]
    assert not (ROOT / "blocklint/nowhere.py").exists()


def test_the_changelog_keeps_a_changelog_with_this_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert versions[0] == ("Unreleased", ""), "the newest section is Unreleased"
    assert all(date for name, date in versions[1:]), "every released version has its date"
    assert blocklint.__version__ in [name for name, _ in versions]
    for name, _ in versions:
        assert re.search(rf"^\[{re.escape(name)}\]: ", text, re.M), f"no link for [{name}]"


def test_security_policy_says_how_to_report_and_links_the_limits():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert "## Reporting a vulnerability" in text
    assert "(docs/limits.md)" in text and "(docs/security.md)" in text
    for path in named_paths(text):
        assert (ROOT / path).exists(), path


def test_the_readmes_layout_table_names_every_module_and_only_modules_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    rooms = [row.split(" | ")[0] for row in table.splitlines()[2:]]
    named = {name.rstrip("/") for room in rooms for name in re.findall(r"`([^`]+)`", re.sub(r"\(.*?\)", "", room))}
    package = ROOT / "blocklint"
    assert sorted(name for name in named if not (package / name).exists()) == []
    modules = {path.name for path in package.iterdir()
               if path.name.endswith(".py") and path.name not in ("__init__.py", "__main__.py")
               or path.is_dir() and (path / "__init__.py").exists()}
    assert sorted(modules - named) == [], "the README's layout table misses these modules"
