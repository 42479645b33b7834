// Starts `blocklint lsp` for the YAML and JSON files of a workspace that holds Press documents
// (a blocklint configuration, or a file that may be one: see detect.js); in any other workspace
// it starts nothing until such a file is opened. Everything else is the server's job.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");
const { mayBePress } = require("./detect");

const DOCUMENTS = "**/*.{yaml,yml,json}";
const SKIPPED = "**/{node_modules,.git,.venv,venv,.tox,dist,build}/**";
const MOST_FILES_LOOKED_AT = 5000;

let client;

async function textOf(uri) {
  try {
    return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8");
  } catch (error) {
    return "";  // unreadable (gone since it was listed, no permission): not a document to start for
  }
}

async function workspaceHoldsPressDocuments() {
  if ((await vscode.workspace.findFiles("**/.blocklint.toml", SKIPPED, 1)).length) {
    return true;
  }
  for (const uri of await vscode.workspace.findFiles("**/pyproject.toml", SKIPPED, 50)) {
    if ((await textOf(uri)).includes("[tool.blocklint")) {
      return true;
    }
  }
  for (const uri of await vscode.workspace.findFiles(DOCUMENTS, SKIPPED, MOST_FILES_LOOKED_AT)) {
    if (mayBePress(await textOf(uri), uri.path)) {
      return true;
    }
  }
  return false;
}

function start(context) {
  if (client) {
    return client;
  }
  const settings = vscode.workspace.getConfiguration("blocklint");
  const server = { command: settings.get("path", "blocklint"), args: settings.get("args", ["lsp"]) };
  client = new LanguageClient("blocklint", "blocklint", server, {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
    ],
  });
  context.subscriptions.push(client);
  client.start();
  return client;
}

async function activate(context) {
  if (await workspaceHoldsPressDocuments()) {
    start(context);
    return;
  }
  const opened = (document) => {
    const candidate = ["yaml", "json"].includes(document.languageId);
    if (!client && candidate && mayBePress(document.getText(), document.fileName)) {
      start(context);
    }
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(opened),
    vscode.workspace.onDidSaveTextDocument(opened));
  vscode.workspace.textDocuments.forEach(opened);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
