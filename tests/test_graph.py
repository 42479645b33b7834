"""`blocklint graph`: the step graph as Mermaid and DOT, through the CLI. The structure is
checked line by line, and every diagram is parsed by Mermaid itself (installed from npm into a
temporary folder, or the one `BLOCKLINT_MERMAID_DIR` names; skipped only without node and npm)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from blocklint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"

CONDITIONS = """body:
  version: 1
  kind: workflow
  metadata: {name: orders, summary: Orders.}
  release: {version: "1.0.0"}
  config:
    steps:
      load: {imageDetails: {id: 1}, command: python load.py}
      "odd \\"name\\" <end>": {imageDetails: {id: 1}, command: x, parents: [load]}
      report:
        type: http
        url: https://example.com
        method: get
        parents: [load, laod]
        executionParameters:
          conditional:
            - {condition: equals, paramName: STATUS, stepName: load, value: ok}
          parentStatus:
            - {condition: all-of, parents: [load], status: [success, failed]}
"""


def _graph(path, *args) -> str:
    result = CliRunner().invoke(cli, ["graph", str(path), "--isolated", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_mermaid_draws_steps_parents_and_conditions(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(CONDITIONS, encoding="utf-8")
    lines = _graph(path).splitlines()
    assert lines[0] == "flowchart TD"
    assert '    s0["load<br/><small>standard</small>"]' in lines
    assert '    s1["odd #34;name#34; #60;end#62;<br/><small>standard</small>"]' in lines
    assert '    s2["report<br/><small>http</small>"]' in lines
    assert '    u0["laod<br/><small>no such step</small>"]:::unknown' in lines
    edges = [line.strip() for line in lines if " --> " in line or " -.->" in line]
    assert edges == ["s0 --> s1", "s0 --> s2", "u0 --> s2", 's0 -.->|"equals STATUS ok"| s2',
                     's0 -.->|"all-of: success, failed"| s2']
    assert "    linkStyle 2 stroke:#c62828,stroke-width:2px" in lines
    assert any(line.startswith("    classDef unknown ") for line in lines)


def test_mermaid_highlights_every_edge_of_a_cycle():
    lines = _graph(CASES / "BL302" / "bad.yaml").splitlines()
    edges = [line.strip() for line in lines if " --> " in line]
    [style] = [line for line in lines if "linkStyle" in line]
    red = {edges[int(n)] for n in style.split()[1].split(",")}
    assert red == {"s2 --> s0", "s0 --> s1", "s1 --> s2", "s4 --> s3", "s3 --> s4"}


def test_dot_output(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(CONDITIONS, encoding="utf-8")
    text = _graph(path, "--format", "dot")
    assert text.startswith("digraph steps {\n") and text.endswith("}\n")
    assert '"load" -> "report" [style=dotted, label="equals STATUS ok"];' in text
    assert '"laod" -> "report" [color="#c62828", penwidth=2];' in text
    assert '"odd \\"name\\" <end>" [label="odd \\"name\\" <end>\\nstandard"];' in text
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=text, text=True, check=True, capture_output=True)


def test_a_file_without_steps_is_a_usage_error():
    result = CliRunner().invoke(cli, ["graph", str(CASES / "BL308" / "bad.yaml"), "--isolated"])
    assert result.exit_code == 2
    assert "not a workflow with steps" in result.output


INJECTION = """body:
  version: 1
  kind: workflow
  metadata: {name: orders, summary: Orders.}
  release: {version: "1.0.0"}
  config:
    steps:
      load: {imageDetails: {id: 1}, command: python load.py}
      "x%%{init: {'theme': 'dark', 'themeCSS': '.node rect {fill: red}'}}%%": {imageDetails: {id: 1}, command: x,
                                                                          parents: [load]}
"""


def test_a_step_name_cannot_inject_a_mermaid_directive(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(INJECTION, encoding="utf-8")
    text = _graph(path)
    assert "%%" not in text and "'" not in text and "init:" in text
    assert '#37;#37;{init: {#39;theme#39;: #39;dark#39;' in text


def test_template_env_values_are_masked_in_the_graph(tmp_path):
    """A step named by an allowed environment variable: its value is never drawn."""
    path = tmp_path / "wf.yaml"
    path.write_text(CONDITIONS.replace("      report:", "      \"{{ os_env.DEPLOY_TOKEN }}\":"), encoding="utf-8")
    for output_format in ("mermaid", "dot"):
        result = CliRunner().invoke(cli, ["graph", str(path), "--isolated", "--template-env", "DEPLOY_TOKEN",
                                          "--format", output_format], env={"DEPLOY_TOKEN": "Zq7-corp-prod-9x"})
        assert result.exit_code == 0, result.output
        assert "Zq7-corp-prod-9x" not in result.output and "****" in result.output


MERMAID_DIR = os.environ.get("BLOCKLINT_MERMAID_DIR")
PARSE = """
const { JSDOM } = require("jsdom");
const dom = new JSDOM("<!doctype html><html><body></body></html>");
global.window = dom.window; global.document = dom.window.document;
global.DOMPurify = require("dompurify")(dom.window);
(async () => {
  const mermaid = (await import("mermaid")).default;
  mermaid.initialize({ startOnLoad: false });
  const diagrams = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const text of diagrams) { await mermaid.parse(text); }
  console.log("ok " + diagrams.length);
})().catch((error) => { console.error(String(error && error.message || error)); process.exit(1); });
"""


@pytest.fixture(scope="module")
def mermaid_dir(tmp_path_factory) -> str:
    """A folder where the `mermaid` parser (and jsdom, for its DOM) is installed from npm:
    `BLOCKLINT_MERMAID_DIR` if set, else a temporary one. Skipped only without node and npm,
    or when the npm registry cannot be reached."""
    if MERMAID_DIR:
        return MERMAID_DIR
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed; the mermaid parser needs them")
    prefix = tmp_path_factory.mktemp("mermaid")
    installed = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(prefix),
                                "mermaid@11", "jsdom@26", "dompurify@3"], capture_output=True, text=True, timeout=600)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install mermaid: {installed.stderr.strip()[-300:]}")
    return str(prefix)


@pytest.mark.slow
def test_mermaid_parses_every_diagram(tmp_path, mermaid_dir):
    path = tmp_path / "wf.yaml"
    path.write_text(CONDITIONS, encoding="utf-8")
    injection = tmp_path / "injection.yaml"
    injection.write_text(INJECTION, encoding="utf-8")
    sources = [path, injection, CASES / "BL302" / "bad.yaml", CASES / "BL305" / "bad.yaml",
               *sorted((ROOT / "examples" / "workflow").glob("*.yaml"))]
    diagrams = [_graph(source) for source in sources]
    diagrams.append(_graph_in(_project(tmp_path / "project"), "examples"))  # a project, references unresolved too
    (tmp_path / "hostile").mkdir()
    (tmp_path / "hostile" / "spec.yaml").write_text(HOSTILE_SPEC)
    (tmp_path / "hostile" / "deploy.yaml").write_text(HOSTILE_DEPLOYMENT)
    (tmp_path / "hostile" / "lost.yaml").write_text(HOSTILE_DEPLOYMENT.replace("spec.yaml", "gone.yaml"))
    (tmp_path / "hostile" / ".blocklint.toml").write_text("")
    diagrams.append(_graph_in(tmp_path / "hostile", "."))
    script = Path(mermaid_dir) / "parse-diagrams.cjs"
    script.write_text(PARSE, encoding="utf-8")
    done = subprocess.run(["node", str(script)], input=json.dumps(diagrams), text=True, capture_output=True,
                          cwd=mermaid_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.match(rf"ok {len(diagrams)}\b", done.stdout)


# --- the project -----------------------------------------------------------------------------------

NODE = re.compile(r'^    (?P<id>[nmp]\d+)\["(?P<name>[^"<]*)<br/><small>(?P<detail>[^<]*)</small>"\](?P<style>:::\w+)?$')
EDGE = re.compile(r'^    (?P<source>[nmp]\d+) -->\|"(?P<label>[^"]*)"\| (?P<target>[nmp]\d+)$')


def _project_edges(text: str) -> set:
    """(source name, label, target name) of each edge of a Mermaid project graph."""
    names = {match["id"]: match["name"] for match in map(NODE.match, text.splitlines()) if match}
    return {(names[match["source"]], match["label"], names[match["target"]])
            for match in map(EDGE.match, text.splitlines()) if match}


def _project(tmp_path) -> Path:
    tmp_path.mkdir(exist_ok=True)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / ".blocklint.toml").write_text("")
    return tmp_path


def _graph_in(cwd, *args) -> str:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["graph", *args])
    finally:
        os.chdir(old)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_folder_draws_the_project_app_specs_to_blocks_to_deployments_to_revisions(tmp_path):
    text = _graph_in(_project(tmp_path), "examples")
    assert text.startswith("flowchart LR\n")
    assert _project_edges(text) == {
        ("sdk", "config[].id", "workflow-block-mixed-steps"),  # app spec -> its blocks
        ("sdk", "config[].id", "workflow-block-new"),
        ("app-spec-release.yaml", "config[].id", "workflow-block-mixed-steps"),
        ("sdk", "spec.id", "new-deployment"),  # spec -> deployment (the app deployment)
        ("workflow-block-private", "spec.id", "new-deployment"),  # (the block deployment)
        ("workflow-block-new", "spec.id", "lso-deployment"),
        ("new-deployment", "blocklint: deployment", "app-deployment-revision.yaml"),  # deployment -> revision
        ("new-deployment", "blocklint: deployment", "block-deployment-revision.yaml"),
        ("sdk", "blocklint: spec", "app-spec-release.yaml"),  # spec -> its release
        ("service-block-private", "blocklint: spec", "web-app-release.yaml"),
        ("workflow-block-mixed-steps", "blocklint: spec", "mixed-steps-release.yaml"),
        ("workflow-block-private", "blocklint: spec", "workflow-release.yaml"),
    }
    assert "workflow-block-shared<br/><small>block spec · examples/workflow/workflow-shared.yaml</small>" in text


def test_several_files_draw_what_they_refer_to_in_dot(tmp_path):
    project = _project(tmp_path)
    text = _graph_in(project, "--format", "dot", "examples/deployments/block-deployment-revision.yaml",
                     "examples/app/app-spec.yaml")
    assert text.startswith("digraph project {\n") and text.endswith("}\n")
    labels = dict(re.findall(r'^    (n\d+) \[label="([^"]*)"', text, re.M))
    edges = {(labels[a].split("\\n")[0], label, labels[b].split("\\n")[0])
             for a, b, label in re.findall(r'^    (n\d+) -> (n\d+) \[label="([^"]*)"\];$', text, re.M)}
    assert edges == {("new-deployment", "blocklint: deployment", "block-deployment-revision.yaml"),
                     ("workflow-block-private", "spec.id", "new-deployment"),
                     ("sdk", "config[].id", "workflow-block-mixed-steps"),
                     ("sdk", "config[].id", "workflow-block-new")}
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=text, text=True, check=True, capture_output=True)


HOSTILE_SPEC = CONDITIONS.replace("name: orders", "name: \"x\\\"]%%{init: {'theme': 'dark'}}%%<b>\"")
HOSTILE_DEPLOYMENT = """body:
  metadata: {name: "d\\"ep -> evil", title: D}
  spec: {id: spec.yaml}
"""


def test_names_are_escaped_and_unresolved_references_drawn_apart(tmp_path):
    (tmp_path / ".blocklint.toml").write_text("")
    (tmp_path / "spec.yaml").write_text(HOSTILE_SPEC)
    (tmp_path / "deploy.yaml").write_text(HOSTILE_DEPLOYMENT)
    (tmp_path / "lost.yaml").write_text(HOSTILE_DEPLOYMENT.replace("spec.yaml", "gone/spec.yaml")
                                        .replace("d\\\"ep", "lost"))
    (tmp_path / "far.yaml").write_text(HOSTILE_DEPLOYMENT.replace("spec.yaml", "0bddb4c6-40c5-45c3-b477-fceb2c051609")
                                       .replace("d\\\"ep", "far"))
    text = _graph_in(tmp_path, ".")
    assert "%%" not in text and "'" not in text and "<b>" not in text
    assert '#34;]#37;#37;{init: {#39;theme#39;: #39;dark#39;}}#37;#37;#60;b#62;' in text
    assert '    m0["gone/spec.yaml<br/><small>not found</small>"]:::missing' in text.splitlines()
    assert '    p0["0bddb4c6-40c5-45c3-b477-fceb2c051609<br/><small>platform id</small>"]:::platform' in text.splitlines()
    assert any(line.startswith("    linkStyle ") for line in text.splitlines())
    dot = _graph_in(tmp_path, ".", "--format", "dot")
    assert '[label="d\\"ep -> evil\\nblock deployment\\ndeploy.yaml"]' in dot
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=dot, text=True, check=True, capture_output=True)
