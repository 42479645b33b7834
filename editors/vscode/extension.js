// Starts `blocklint lsp` for YAML and JSON files; everything else is the server's job.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("blocklint");
  const server = { command: settings.get("path", "blocklint"), args: settings.get("args", ["lsp"]) };
  client = new LanguageClient("blocklint", "blocklint", server, {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
    ],
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
