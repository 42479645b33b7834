"""The pre-commit hook, run by the real `pre-commit` on temporary git repositories.

pre-commit builds its own virtualenv and pip-installs blocklint from a git repository, so this
test copies the project (as it is now, uncommitted changes included) into a temporary git repo,
commits it, and points `pre-commit try-repo` at it from a second repo holding good, bad and
non-Press files. It needs the package index (it is slow: about a minute) and PRE_COMMIT_HOME is
a temporary directory, so nothing on the machine is touched.
"""

import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases"
# Taken before conftest's autouse fixture clears the proxy settings: pip inside pre-commit needs them.
ENVIRONMENT = dict(os.environ)

pytestmark = [
    pytest.mark.slow,  # pre-commit installs the hook into its own virtualenv
    pytest.mark.skipif(shutil.which("pre-commit") is None,
                       reason="pre-commit is not installed (pip install -e '.[test]' installs it)"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _index_reachable() -> bool:
    if os.environ.get("PIP_NO_INDEX"):
        return False
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10).close()
        return True
    except OSError:
        return False


def git(*args, cwd):
    env = {**ENVIRONMENT, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": str(cwd)}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


def copy_project(destination: Path) -> str:
    """The project's files as they are now (tracked and new, not ignored), committed; returns the sha."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_symlink() or source.is_file():  # links stay links, as git keeps them
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name, follow_symlinks=False)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "blocklint", cwd=destination)
    return git("rev-parse", "HEAD", cwd=destination)


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    if not _index_reachable():
        pytest.skip("the package index (pypi.org) is not reachable; pre-commit pip-installs the hook")
    hook_repo = tmp_path_factory.mktemp("hook-repo")
    copy_project(hook_repo)
    consumer = tmp_path_factory.mktemp("consumer")
    (consumer / "specs").mkdir()
    shutil.copy(CASES / "BL101" / "good.yaml", consumer / "specs" / "good.yaml")
    shutil.copy(CASES / "BL101" / "bad.yaml", consumer / "specs" / "bad.yaml")
    # Files pre-commit hands to a yaml/json hook in any repository, which are not Press documents.
    (consumer / ".github" / "workflows").mkdir(parents=True)
    (consumer / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    (consumer / "deploy.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (consumer / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (consumer / ".pre-commit-config.yaml").write_text("repos: []\n")
    git("init", "-q", cwd=consumer)
    git("add", "-A", cwd=consumer)
    home = tmp_path_factory.mktemp("pre-commit-home")
    return hook_repo, consumer, home


def try_repo(repos, *files):
    hook_repo, consumer, home = repos
    env = {**ENVIRONMENT, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "HOME": str(home)}
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run(["pre-commit", "try-repo", str(hook_repo), "blocklint", "--verbose", "--files", *files],
                            cwd=consumer, env=env, capture_output=True, text=True, timeout=900)
    return result.returncode, result.stdout + result.stderr


def test_hook_passes_good_specs_and_skips_files_that_are_not_press_documents(repos):
    code, output = try_repo(repos, "specs/good.yaml", ".github/workflows/ci.yml", "deploy.yaml", "package.json",
                            ".pre-commit-config.yaml")
    assert code == 0, output
    assert "blocklint" in output and "Passed" in output


def test_hook_fails_on_a_bad_spec_with_the_finding(repos):
    code, output = try_repo(repos, "specs/good.yaml", "specs/bad.yaml")
    assert code == 1, output
    assert "Failed" in output
    assert "specs/bad.yaml:12:5: BL101 error unknown key 'trigers' in config; did you mean 'triggers'?" in output
    assert "specs/good.yaml:" not in output.replace("specs/good.yaml .", "")


# --- the `repo: local` recipes of docs/ci.md, as written there -------------------------------

# git and the system's tools, without this environment's bin folder (and its blocklint)
SYSTEM_PATH = os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"])

def documented_local_recipe(language: str) -> str:
    """The `.pre-commit-config.yaml` block of docs/ci.md whose local hook uses `language`."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]
    found = [block for block in blocks if "repo: local" in block and f"language: {language}\n" in block]
    assert len(found) == 1, f"docs/ci.md should hold one local pre-commit recipe with language: {language}"
    return found[0]


def run_local_hook(consumer: Path, home: Path, config: str, *files: str, path: str):
    (consumer / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git("add", ".pre-commit-config.yaml", cwd=consumer)  # pre-commit refuses an unstaged configuration
    env = {**ENVIRONMENT, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "HOME": str(home),
           "PATH": path}
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run([shutil.which("pre-commit"), "run", "--verbose", "--files", *files], cwd=consumer, env=env,
                            capture_output=True, text=True, timeout=900)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def local_consumer(repos, tmp_path):
    _, consumer, _ = repos
    copy = tmp_path / "consumer"
    shutil.copytree(consumer, copy, symlinks=True)
    return copy


def test_documented_system_hook_runs_the_installed_blocklint(local_consumer, tmp_path):
    """`language: system`: the blocklint on PATH (here, this environment's) runs as the hook."""
    config = documented_local_recipe("system")
    path = os.pathsep.join([str(Path(shutil.which("blocklint")).parent), SYSTEM_PATH])
    good = run_local_hook(local_consumer, tmp_path / "home", config, "specs/good.yaml", "package.json",
                          ".github/workflows/ci.yml", path=path)
    assert good[0] == 0 and "Passed" in good[1], good[1]
    bad = run_local_hook(local_consumer, tmp_path / "home", config, "specs/good.yaml", "specs/bad.yaml", path=path)
    assert bad[0] == 1, bad[1]
    assert "specs/bad.yaml:12:5: BL101 error unknown key 'trigers' in config; did you mean 'triggers'?" in bad[1]


def test_documented_python_hook_installs_the_checkout_into_its_environment(repos, local_consumer, tmp_path):
    """`language: python` with the checkout's absolute path as its dependency: pre-commit builds
    the environment itself, so no blocklint on PATH is needed (PATH here holds none)."""
    hook_repo, _, _ = repos
    config = documented_local_recipe("python").replace("/opt/blocklint", str(hook_repo))
    assert str(hook_repo) in config
    assert shutil.which("blocklint", path=SYSTEM_PATH) is None
    code, output = run_local_hook(local_consumer, tmp_path / "home", config, "specs/good.yaml", "specs/bad.yaml",
                                  path=SYSTEM_PATH)
    assert code == 1, output
    assert "specs/bad.yaml:12:5: BL101 error unknown key 'trigers' in config; did you mean 'triggers'?" in output
