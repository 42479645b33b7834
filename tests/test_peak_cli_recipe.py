"""The `peak` CLI against `blocklint serve`, through the wrapper docs/submit.md shows, as written there:
the real peak CLI (peak-sdk's `typer_app`) creates a block spec from the examples in a real server
on loopback, and lists it back.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings(  # peak-sdk 1.29 calls pathspec APIs that pathspec 1.x deprecates
    "ignore:.*(gitwildmatch|match_tree).*:DeprecationWarning")
pytest.importorskip("peak")
pytest.importorskip("fastapi")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TOKEN = "peak-cli-recipe-token"

_helper = importlib.util.spec_from_file_location("_press_server", Path(__file__).parent / "press_server.py")
press_server = importlib.util.module_from_spec(_helper)
_helper.loader.exec_module(press_server)


def documented_wrapper() -> str:
    """The ```python block of docs/submit.md that runs the peak CLI's `typer_app`."""
    text = (ROOT / "docs" / "submit.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]
    found = [block for block in blocks if "typer_app" in block]
    assert len(found) == 1, "docs/submit.md should show one peak CLI wrapper"
    return found[0]


@pytest.fixture
def peak_local(tmp_path):
    registry = tmp_path / "registry.sqlite3"
    wrapper = tmp_path / "peak_local.py"
    wrapper.write_text(documented_wrapper(), encoding="utf-8")
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    with press_server.served(registry, token=TOKEN) as url:
        env = {**os.environ, "BLOCKLINT_SERVE_URL": url, "PEAK_AUTH_TOKEN": TOKEN, "NO_PROXY": "*",
               "HOME": str(tmp_path), "COLUMNS": "200"}

        def run(*args, **more_env):
            result = subprocess.run([sys.executable, str(wrapper), *args], cwd=tmp_path, env={**env, **more_env},
                                    capture_output=True, text=True, timeout=300)
            return result.returncode, result.stdout + result.stderr

        yield run


def test_the_documented_wrapper_runs_the_peak_cli_against_blocklint_serve(peak_local):
    code, output = peak_local("blocks", "specs", "create", "examples/workflow/workflow-private.yaml",
                              "--output", "json")
    assert code == 0, output
    created = json.loads(output[output.index("{"):])
    assert created["id"]
    code, output = peak_local("blocks", "specs", "list", "--output", "json")
    assert code == 0, output
    listed = json.loads(output[output.index("{"):])
    assert [(spec["id"], spec["metadata"]["name"]) for spec in listed["specs"]] == \
        [(created["id"], "workflow-block-private")]


def test_the_wrapper_really_talks_to_the_server_it_names(peak_local):
    """Not vacuous: with a token the server does not take, the peak CLI is refused (it reached it)."""
    code, output = peak_local("blocks", "specs", "list", PEAK_AUTH_TOKEN="wrong")
    assert code != 0 and "nauthori" in output, output
