"""The workspace: its root once initialized (and a warm-up), and files changed on disk."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

CONFIG_GLOBS = ("**/.blocklint.toml", "**/pyproject.toml")
DOCUMENT_GLOBS = ("**/*.{yaml,yml,json,j2}",)  # a spec changed on disk re-lints what refers to it


def register(server, editor) -> None:
    @server.feature(lsp.INITIALIZED)
    async def initialized(ls, params):
        if ls.workspace.root_path and os.path.isdir(ls.workspace.root_path):
            # Relative paths in specs (an artifact's `path`) are relative to where the peak CLI
            # runs, the project's root: as `check` run from there, not from the editor's cwd.
            os.chdir(ls.workspace.root_path)
            editor.session.root = Path(ls.workspace.root_path)
        await _watch_files(ls)
        try:  # warm up (imports, rules, the workspace's plan) before the first document opens
            editor.session.plan_for(str(editor.session.root / "blocklint.yaml"))
        except Exception:  # noqa: BLE001 - a broken configuration is reported on the document
            pass

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls, params):
        changed = editor.session.files_changed([to_fs_path(change.uri) or change.uri for change in params.changes])
        for uri in list(ls.workspace.text_documents) if changed is None else changed:
            editor.publish(uri)


async def _watch_files(ls) -> None:
    """Ask the client to report changes to configurations and documents, when it can."""
    watch = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if not (watch and watch.dynamic_registration):
        return
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[lsp.FileSystemWatcher(glob_pattern=glob) for glob in CONFIG_GLOBS + DOCUMENT_GLOBS])
    try:  # without it, a changed configuration is still noticed by its modification time
        await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[lsp.Registration(
            id="blocklint-config", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))
    except Exception:  # noqa: BLE001 - a client that refuses the registration
        pass
