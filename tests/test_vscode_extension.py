"""The VS Code extension in editors/vscode/: it starts `blocklint lsp` only in workspaces that hold
Press documents, it is bundled with esbuild and packaged with its LICENSE.

The activation logic runs in node against a stand-in for the `vscode` API (no VS Code here); its
idea of "may be a Press document" (detect.js) is held to blocklint's own detection. Packaging
(slow: npm) is skipped only where node and npm are missing or the npm registry cannot be reached.
"""

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from blocklint import kinds

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "editors" / "vscode"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

NOT_PRESS = {
    ".github/workflows/ci.yaml": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "compose.yaml": "services:\n  web:\n    image: nginx\n",
    "k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
    "package.json": '{"name": "web", "version": "1.0.0", "scripts": {}}\n',
    ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks: []\n",
    "mkdocs.yml": "site_name: docs\nnav:\n  - index.md\n",
}

# Bare bodies (as passed to the SDK, no `body:`), one per shape detect.js looks for.
BARE = {
    "spec.yaml": "version: 1\nkind: workflow\nmetadata:\n  name: nightly\nconfig:\n  steps: {}\n",
    "deployment.json": '{"metadata": {"name": "nightly"}, "spec": {"id": "0c1b"}}',
    "spec-metadata.yaml": "metadata:\n  name: nightly\nfeatured: true\n",
    "deployment-metadata.yaml": "title: Nightly\nsummary: The nightly run\n",
    "patch.yaml": "parameters:\n  batch_size: 10\n",
}

# Loads extension.js with stand-ins for `vscode` and the language client; activates it on a
# workspace of the given files, then opens the given documents; prints when the server started.
HARNESS = r"""
const Module = require("module");
const [extension, workspaceJson, openedJson] = process.argv.slice(1);
const workspace = JSON.parse(workspaceJson), opened = JSON.parse(openedJson);
const started = [], onOpen = [];
const matches = (glob, name) => glob.includes("{yaml,yml,json}") ? /\.(ya?ml|json)$/.test(name)
  : name.split("/").pop() === glob.split("/").pop();
const vscode = { workspace: {
  findFiles: async (glob, skipped, most) =>
    Object.keys(workspace).filter((name) => matches(glob, name)).slice(0, most).map((name) => ({ path: name })),
  fs: { readFile: async (uri) => {
    if (workspace[uri.path] === null) throw new Error("EACCES");
    return Buffer.from(workspace[uri.path]);
  } },
  getConfiguration: () => ({ get: (key, fallback) => fallback }),
  onDidOpenTextDocument: (listener) => { onOpen.push(listener); return { dispose() {} }; },
  onDidSaveTextDocument: () => ({ dispose() {} }),
  textDocuments: [],
} };
class LanguageClient {
  constructor(id, name, server) { this.server = server; }
  start() { started.push(this.server); return Promise.resolve(); }
  stop() {}
  dispose() {}
}
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "vscode") return vscode;
  if (request === "vscode-languageclient/node") return { LanguageClient };
  return load.call(this, request, ...rest);
};
(async () => {
  await require(extension).activate({ subscriptions: [] });
  const atActivation = started.length;
  for (const [name, text] of Object.entries(opened)) {
    const document = { languageId: name.endsWith(".json") ? "json" : "yaml", fileName: name, getText: () => text };
    onOpen.forEach((listener) => listener(document));
  }
  console.log(JSON.stringify({ atActivation, afterOpening: started.length, server: started[0] || null }));
})();
"""


def activate(workspace: dict, opened: dict | None = None) -> dict:
    done = subprocess.run(["node", "-e", HARNESS, str(EXTENSION / "extension.js"), json.dumps(workspace),
                           json.dumps(opened or {})], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def press_documents() -> list[Path]:
    """Every YAML/JSON file of the examples and the rule cases that blocklint takes for a Press
    document (detected, or claimed by its header)."""
    found = []
    for path in sorted([*(ROOT / "examples").rglob("*"), *(ROOT / "tests" / "cases").rglob("*")]):
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError):  # the hostile cases: not Press documents to YAML
            continue
        if kinds.header_claim(text) or kinds.detect(data, str(path)):
            found.append(path)
    return found


@needs_node
def test_detect_never_misses_a_document_blocklint_checks_and_passes_other_yaml_by():
    documents = press_documents()
    assert len(documents) > 100
    script = ("const { mayBePress } = require(process.argv[1]);"
              "const files = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(Object.keys(files).filter((name) => mayBePress(files[name], name))));")
    files = {str(path): path.read_text(encoding="utf-8", errors="replace") for path in documents}
    for name, text in BARE.items():
        assert kinds.detect(yaml.safe_load(text), name), name
    files.update({**BARE, **NOT_PRESS})
    done = subprocess.run(["node", "-e", script, str(EXTENSION / "detect.js")], input=json.dumps(files),
                          capture_output=True, text=True, timeout=60, check=True)
    flagged = set(json.loads(done.stdout))
    assert [name for name in [*map(str, documents), *BARE] if name not in flagged] == []
    assert flagged & set(NOT_PRESS) == set()


@needs_node
def test_the_server_starts_in_a_workspace_with_a_press_document():
    spec = (ROOT / "examples" / "workflow" / "workflow-private.yaml").read_text(encoding="utf-8")
    started = activate({**NOT_PRESS, "unreadable.yaml": None, "specs/nightly.yaml": spec})
    assert started["atActivation"] == 1 and started["server"] == {"command": "blocklint", "args": ["lsp"]}


@needs_node
def test_a_blocklint_configuration_marks_a_press_workspace():
    assert activate({**NOT_PRESS, ".blocklint.toml": ""})["atActivation"] == 1
    assert activate({**NOT_PRESS, "pyproject.toml": "[tool.blocklint]\n"})["atActivation"] == 1


@needs_node
def test_elsewhere_nothing_starts_until_a_press_document_is_opened():
    spec = (ROOT / "examples" / "deployments" / "block-deployment.yaml").read_text(encoding="utf-8")
    assert activate(NOT_PRESS, {"compose.yaml": NOT_PRESS["compose.yaml"]}) == \
        {"atActivation": 0, "afterOpening": 0, "server": None}
    assert activate(NOT_PRESS, {"new.yaml": spec})["afterOpening"] == 1


def test_the_manifest_activates_on_press_workspaces_and_packages_the_license():
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert "*" not in manifest["activationEvents"] and "onStartupFinished" not in manifest["activationEvents"]
    assert "workspaceContains:**/.blocklint.toml" in manifest["activationEvents"]
    assert "--skip-license" not in manifest["scripts"]["package"]
    assert manifest["main"] == "./dist/extension.js" and "esbuild" in manifest["scripts"]["bundle"]
    assert (EXTENSION / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()


@pytest.mark.slow
def test_the_extension_bundles_and_packages_with_its_license(tmp_path):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns("node_modules", "dist", "*.vsix"))
    installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=work, capture_output=True, text=True,
                               timeout=600)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install the build tools: {installed.stderr.strip()[-300:]}")
    built = subprocess.run(["npm", "run", "package"], cwd=work, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stdout + built.stderr, built.stdout + built.stderr
    [package] = work.glob("*.vsix")
    with zipfile.ZipFile(package) as vsix:
        names = set(vsix.namelist())
        script = vsix.read("extension/dist/extension.js").decode()
        license_text = vsix.read("extension/LICENSE.txt")
    assert not any("node_modules" in name for name in names), sorted(names)  # one bundled file
    assert "extension/extension.js" not in names and "extension/detect.js" not in names
    assert 'require("vscode-languageclient' not in script and 'require("./detect")' not in script  # bundled
    assert '"lsp"' in script  # it starts `blocklint lsp`
    assert license_text == (ROOT / "LICENSE").read_bytes()
