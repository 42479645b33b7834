"""The `blocklint serve` command."""

from __future__ import annotations

import sys

import click

SERVER_EXTRA_HINT = "blocklint serve needs the server extra: pip install 'peak-blocklint[server]'"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (loopback by default; anything else exposes the registry).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--token", envvar="BLOCKLINT_SERVE_TOKEN", metavar="T",
              help="Require `Authorization: T` on every request (or set $BLOCKLINT_SERVE_TOKEN, which keeps "
                   "it out of the process list).")
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False),
              help="The SQLite registry (default: $BLOCKLINT_REGISTRY, else .blocklint/registry.sqlite3 "
                   "in the project root).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host, port, token, registry_file, log_level):
    """Serve the registry with the Press API that peak-sdk calls (blocks, apps, deployments,
    parameters), at /v1/... and /press/v1/..."""
    try:
        import uvicorn

        from blocklint.server.app import create_app
    except ImportError:
        click.echo(f"blocklint: {SERVER_EXTRA_HINT}", err=True)
        sys.exit(2)
    from blocklint.registry import open_registry, registry_path

    path = registry_file or registry_path()
    try:
        registry = open_registry(path)
    except Exception as error:  # sqlite3.Error, OSError: a clear message, no traceback
        click.echo(f"blocklint: cannot open the registry {path}: {error}", err=True)
        sys.exit(2)
    auth = "token required" if token else "no token required"
    click.echo(f"blocklint serve: registry {path} at http://{host}:{port} ({auth})", err=True)
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        click.echo("blocklint serve: warning: listening beyond loopback without --token", err=True)
    uvicorn.run(create_app(registry, token=token), host=host, port=port, log_level=log_level)
