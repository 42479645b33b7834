"""`blocklint submit`: the examples to the local registry, to a served one, and again; refusals;
dry runs; the token; a killed submit; two submits at once. Real local servers only."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from registry_consistency import consistency_problems

ROOT = Path(__file__).resolve().parent.parent
ALL_EXAMPLES = 22  # files under examples/ that submit reads (21 submitted, fallback.yaml skipped)

_helper = importlib.util.spec_from_file_location("_press_server", Path(__file__).parent / "press_server.py")
press_server = importlib.util.module_from_spec(_helper)
_helper.loader.exec_module(press_server)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with a copy of examples/ (artifact paths are relative to the project root)."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n\n[tool.blocklint]\n")
    monkeypatch.delenv("BLOCKLINT_REGISTRY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def submit(*args, cwd, env=None, timeout=60):
    """`blocklint submit ARGS` in a subprocess: (exit code, stdout + stderr)."""
    full_env = {**os.environ, "NO_PROXY": "*", **(env or {})}
    for name in ("PEAK_AUTH_TOKEN", "API_KEY"):
        if name not in (env or {}):
            full_env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "blocklint", "submit", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


def registry_at(path):
    from blocklint.registry.store import Registry

    return Registry(path)


def test_examples_go_to_the_local_registry_then_to_a_served_one_and_again_are_up_to_date(project, run):
    code, output = run("submit", "examples/")
    assert code == 0, output
    assert "created block spec 'workflow-block-private' (id " in output
    assert "created release 2.0.0 of block spec 'workflow-block-private'" in output
    assert "created app spec 'sdk'" in output and "created app deployment 'new-deployment'" in output
    assert "created revision 2" in output and "updated the run parameters" in output
    assert "examples/deployments/fallback.yaml: skipped" in output
    registry = registry_at(project / ".blocklint" / "registry.sqlite3")
    assert len(registry.list_specs("blocks", page_size=100)["specs"]) == 7
    assert consistency_problems(registry.path) == []

    code, output = run("submit", "examples/")
    assert code == 0, output
    assert f"{ALL_EXAMPLES} files: {ALL_EXAMPLES - 1} up to date, 1 skipped" in output

    served_registry = project / "served.sqlite3"
    with press_server.served(served_registry) as url:
        code, output = run("submit", "--target", url, "examples/")
        assert code == 0, output
        assert "created block spec 'workflow-block-private'" in output
        code, output = run("submit", "--target", url, "examples/")
        assert code == 0, output
        assert f"{ALL_EXAMPLES} files: {ALL_EXAMPLES - 1} up to date, 1 skipped" in output
    served = registry_at(served_registry)
    assert len(served.list_specs(None, page_size=100)["specs"]) == 8
    deployment = served.find_deployment("blocks", "new-deployment")
    assert deployment["latestRevision"]["revision"] == 2
    assert served.get_parameters(deployment["id"])["agg_type"] == "MAX"


def test_dry_run_prints_each_request_and_its_artifact_files_and_sends_nothing(project, run):
    code, output = run("submit", "--dry-run", "examples/workflow/workflow-private.yaml",
                       "examples/workflow/workflow-release.yaml", "examples/deployments/block-deployment.yaml")
    assert code == 0, output
    assert "would POST /v1/blocks/specs/" in output
    assert "spec: workflow workflow-block-private release 1.0.0 (config: images, steps, triggers, watchers)" in output
    assert ("artifact examples/artifact -> artifact.zip (5 entries): .dockerignore, Dockerfile, main.py, sql/, "
            "sql/query.sql") in output
    assert "would POST /v1/blocks/specs/<new block spec workflow-block-private>/releases" in output
    assert "would POST /v1/blocks/deployments/" in output
    assert output.splitlines()[-1] == "dry run: 3 files: 3 to create"
    assert not (project / ".blocklint").exists()


def test_a_link_out_of_the_project_is_never_uploaded_even_with_its_rule_ignored(project, tmp_path_factory):
    """BL808 fails the check; with BL808 ignored, the artifact is still refused and nothing stored."""
    outside = tmp_path_factory.mktemp("outside")
    (outside / "credentials").write_text("aws_secret_access_key = outside-the-project\n")
    (project / "examples" / "artifact" / "keys").symlink_to(outside, target_is_directory=True)
    spec = "examples/workflow/workflow-private.yaml"
    code, output = submit(spec, cwd=project)
    assert code == 1 and "BL808" in output and "nothing was sent" in output
    (project / ".blocklint.toml").write_text('ignore = ["BL808"]\n')
    code, output = submit(spec, cwd=project)
    assert code != 0, output
    assert "outside the project" in output and "'keys'" in output and "outside-the-project" not in output
    assert not registry_at(project / ".blocklint" / "registry.sqlite3").list_specs("blocks", page_size=100)["specs"]


def test_a_file_with_an_error_stops_everything_before_anything_is_sent(project, run):
    broken = project / "examples" / "workflow" / "workflow-shared.yaml"
    broken.write_text(broken.read_text().replace("name: workflow-block-shared", "name: Not A Name!\n    nme: x"))
    code, output = run("submit", "examples/")
    assert code == 1
    assert "BL101" in output and "nothing was sent" in output
    assert not (project / ".blocklint").exists()


def test_the_registry_refuses_an_invalid_spec_and_stores_nothing(project, tmp_path):
    from blocklint.registry.errors import Invalid
    from blocklint.load import load_path

    data = load_path(project / "examples" / "workflow" / "workflow-shared.yaml").data
    data["body"]["config"]["steps"]["step-1"]["parents"] = ["missing"]
    registry = registry_at(tmp_path / "r.sqlite3")
    with pytest.raises(Invalid) as refused:
        registry.create_spec("blocks", data["body"])
    assert any("missing" in finding["message"] for finding in refused.value.findings)
    assert registry.list_specs(None)["specs"] == []


def test_a_release_must_be_newer_and_a_same_version_must_be_the_same(project, run):
    assert run("submit", "examples/workflow/workflow-private.yaml")[0] == 0
    spec = project / "examples" / "workflow" / "workflow-private.yaml"
    original = spec.read_text()
    spec.write_text(original.replace('version: "1.0.0"', 'version: "0.9.0"'))
    code, output = run("submit", str(spec))
    assert code == 1
    assert "release version 0.9.0 of block spec 'workflow-block-private' must be greater than its latest release 1.0.0" \
        in output
    spec.write_text(original.replace("command: python main.py", "command: python other.py", 1))
    code, output = run("submit", str(spec))
    assert code == 1
    assert "release 1.0.0 of block spec 'workflow-block-private' already exists with different config" in output
    (project / "examples" / "artifact" / "main.py").write_text("print('changed')\n")
    spec.write_text(original)
    code, output = run("submit", str(spec))
    assert code == 1 and "different artifact files" in output
    spec.write_text(original.replace('version: "1.0.0"', 'version: "1.1.0"'))
    code, output = run("submit", str(spec))
    assert code == 0 and "created release 1.1.0" in output


def test_a_stopped_submit_ends_with_what_was_created_up_to_date_failed_and_not_attempted(project, run):
    assert run("submit", "examples/workflow/build-parameters.yaml", "examples/workflow/workflow-private.yaml")[0] == 0
    spec = project / "examples" / "workflow" / "workflow-private.yaml"
    spec.write_text(spec.read_text().replace("command: python main.py", "command: python other.py", 1))
    # In order: build-parameters (up to date), mixed-steps, templated (created), workflow-private
    # (refused: same version, other config), then workflow-shared and the two releases.
    code, output = run("submit", "examples/workflow/")
    assert code == 1, output
    assert "workflow-private.yaml: refused: release 1.0.0 of block spec 'workflow-block-private' already " \
           "exists with different config" in output
    lines = output.splitlines()
    assert lines[-1] == "7 files: 2 created, 1 up to date, 1 failed, 3 not attempted (stopped at the failure)"
    assert lines[-4] == "created:" and "nothing to do" not in output


def test_a_release_file_must_say_which_spec_it_belongs_to(project, run):
    release = project / "examples" / "workflow" / "workflow-release.yaml"
    release.write_text(release.read_text().replace("# blocklint: spec=workflow-private.yaml\n", ""))
    code, output = run("submit", "examples/workflow/")
    assert code == 1
    assert "add `# blocklint: spec=<spec file, name or id>`" in output


def test_the_token_never_appears_in_output(project, tmp_path):
    secret = "s3cr3t-token-value"
    with press_server.served(tmp_path / "guarded.sqlite3", token="the-right-one") as url:
        code, output = submit("--target", url, "examples/workflow/workflow-private.yaml", cwd=project,
                              env={"PEAK_AUTH_TOKEN": secret})
        assert code == 1
        assert "401 unauthorized" in output and secret not in output
        assert "1 file: 1 failed" in output and "nothing to do" not in output
        code, output = submit("--target", url, "examples/workflow/workflow-private.yaml", cwd=project,
                              env={"API_KEY": "the-right-one"})
        assert code == 0, output
        assert "the-right-one" not in output
    code, output = submit("--target", "peak", "examples/workflow/workflow-private.yaml", cwd=project)
    assert code == 2 and "set PEAK_AUTH_TOKEN or API_KEY" in output


def test_a_template_env_value_never_appears_in_output_nor_in_dry_run_requests(project):
    """A value a template reads with `--template-env NAME` is masked as **** wherever submit
    writes: a finding's message, the dry-run request body, the outcome lines, the created ids."""
    secret = "Team_S3cret_Value"
    deployment = project / "examples" / "deployments" / "block-deployment.yaml"
    deployment.write_text(deployment.read_text()
                          .replace("name: new-deployment", "name: '{{ os_env.TEAM_TOKEN }}'")
                          .replace("description: Creating", "description: For {{ os_env.TEAM_TOKEN }}, creating"))
    files = ["examples/workflow/workflow-private.yaml", str(deployment.relative_to(project))]
    env = {"TEAM_TOKEN": secret}
    code, output = submit("--dry-run", "--template-env", "TEAM_TOKEN", *files, cwd=project, env=env)
    assert code == 0, output
    assert "BL611" in output  # the rendered name is not kebab-case: the finding quotes it, masked
    assert "would POST /v1/blocks/deployments/" in output and '"description": "For ****, creating' in output
    assert "would create block deployment '****'" in output
    assert secret not in output
    code, output = submit("--template-env", "TEAM_TOKEN", *files, cwd=project, env=env)
    assert code == 0, output
    assert "created block deployment '****' (id " in output and "  block deployment ****: " in output
    assert secret not in output


def test_an_unreachable_target_is_a_clear_error_after_retries(project, run):
    port = press_server.free_port()
    started = time.monotonic()
    code, output = run("submit", "--target", f"http://127.0.0.1:{port}", "examples/workflow/workflow-private.yaml")
    assert code == 2
    assert f"cannot reach http://127.0.0.1:{port}" in output and "Traceback" not in output
    assert output.splitlines()[-1] == "1 file: 1 failed"
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_killing_a_submit_inside_its_transaction_leaves_the_registry_consistent(project, tmp_path):
    registry_file = tmp_path / "killed.sqlite3"
    marker = tmp_path / "inside-transaction"
    env = {**os.environ, "BLOCKLINT_REGISTRY": str(registry_file)}
    hold = Path(__file__).resolve().parent / "registry_hold.py"
    process = subprocess.Popen([sys.executable, str(hold), str(marker), "submit", "examples/workflow/workflow-private.yaml"],
                               cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert process.poll() is None, "submit ended before reaching the transaction"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    registry = registry_at(registry_file)
    assert consistency_problems(registry.path) == []
    assert registry.list_specs(None)["specs"] == []  # the spec row written before the kill is gone
    code, output = submit("examples/workflow/workflow-private.yaml", cwd=project,
                          env={"BLOCKLINT_REGISTRY": str(registry_file)})
    assert code == 0, output
    assert "created block spec 'workflow-block-private'" in output
    assert consistency_problems(registry.path) == []


@pytest.mark.slow
def test_two_submits_at_once_lose_nothing(project, tmp_path):
    template = (project / "examples" / "workflow" / "workflow-shared.yaml").read_text()
    for team in ("a", "b"):
        directory = project / f"team-{team}"
        directory.mkdir()
        for number in range(4):
            text = template.replace("name: workflow-block-shared", f"name: team-{team}-block-{number}")
            (directory / f"spec-{number}.yaml").write_text(text)
        shutil.copy(project / "examples" / "workflow" / "workflow-private.yaml", directory / "shared.yaml")
    registry_file = tmp_path / "shared.sqlite3"
    env = {**os.environ, "BLOCKLINT_REGISTRY": str(registry_file), "NO_PROXY": "*"}
    processes = [subprocess.Popen([sys.executable, "-m", "blocklint", "submit", f"team-{team}/"], cwd=project,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for team in ("a", "b")]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    registry = registry_at(registry_file)
    names = sorted(spec["metadata"]["name"] for spec in registry.list_specs("blocks", page_size=100)["specs"])
    assert names == sorted([f"team-{t}-block-{n}" for t in "ab" for n in range(4)] + ["workflow-block-private"])
    shared = registry.find_spec("blocks", "workflow-block-private")
    assert [r["version"] for r in registry.list_releases("blocks", shared["id"])["releases"]] == ["1.0.0"]
    assert sum("created block spec 'workflow-block-private'" in output for output in outputs) == 1
    assert consistency_problems(registry.path) == []


def test_check_does_not_import_the_submit_machinery():
    code = ("import sys\nfrom blocklint.cli import main\nsys.argv = ['blocklint', 'check', 'examples/']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('httpx', 'fastapi', 'uvicorn', 'sqlite3', 'starlette') if m in sys.modules))")
    env = {**os.environ, "BLOCKLINT_REGISTRY": str(ROOT / "no-such-dir" / "registry.sqlite3")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_check_resolves_a_deployments_spec_id_in_the_registry(project, run):
    code, output = run("submit", "examples/workflow/workflow-private.yaml")
    assert code == 0, output
    spec_id = output.split("(id ", 1)[1].split(")", 1)[0]
    deployment = project / "examples" / "deployments" / "block-deployment.yaml"
    deployment.write_text(deployment.read_text().replace("../workflow/workflow-private.yaml", spec_id)
                          .replace("num_iterations: 50", "num_iterations: many"))
    code, output = run("check", str(deployment))
    assert code == 1 and "BL406" in output and "num_iterations" in output


class _FlakyPress:
    """A real loopback HTTP server that stores a created spec but answers its first create with
    500 (the answer lost on the way back), and rate-limits the first list."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.posts = 0
        self.lists = 0
        self.specs = []
        press = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, payload, headers=()):
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                press.lists += 1
                if press.lists == 1:
                    return self._answer(429, {"detail": "slow down"}, [("Retry-After", "0")])
                self._answer(200, {"specs": press.specs, "pageCount": 1})

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                press.posts += 1
                press.specs.append({"id": "spec-1", "metadata": {"name": "flaky"}})
                self._answer(500, {"detail": "the answer got lost"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_client_retries_but_never_creates_twice():
    from blocklint.client.http import PressClient, PressError

    press = _FlakyPress()
    try:
        with PressClient(press.url, "s3cr3t", backoff=0.01) as client:
            client.describe_spec = lambda family, spec_id: {"id": spec_id}
            assert client.create_spec("blocks", {"metadata": {"name": "flaky"}}) == {"id": "spec-1"}
            assert press.posts == 1  # looked up before re-sending: found, not sent again
            assert press.lists == 2  # the 429 was retried
            assert "s3cr3t" not in repr(client)
            with pytest.raises(PressError) as failed:
                client.redeploy("blocks", "d-1")  # not idempotent, no lookup: a 500 is not re-sent
            assert failed.value.status == 500 and "the answer got lost" in failed.value.message
            assert press.posts == 2
    finally:
        press.close()
