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
    script = Path(mermaid_dir) / "parse-diagrams.cjs"
    script.write_text(PARSE, encoding="utf-8")
    done = subprocess.run(["node", str(script)], input=json.dumps(diagrams), text=True, capture_output=True,
                          cwd=mermaid_dir, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.match(rf"ok {len(diagrams)}\b", done.stdout)
