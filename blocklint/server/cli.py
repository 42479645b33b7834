"""The `blocklint serve` command."""

from __future__ import annotations

import sys

import click

SERVER_EXTRA_HINT = "blocklint serve needs the server extra: pip install 'peak-blocklint[server]'"
MIB = 2**20


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Loopback by default; any other address needs --token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--token", envvar="BLOCKLINT_SERVE_TOKEN", metavar="T",
              help="Require `Authorization: T` on every request (or set $BLOCKLINT_SERVE_TOKEN, which keeps "
                   "it out of the process list). Required to bind beyond loopback.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests whose Host header is NAME (repeatable; loopback names always are; "
                   "`*` allows any).")
@click.option("--allow-origin", "allowed_origins", multiple=True, metavar="ORIGIN",
              help="Also answer requests from web pages at ORIGIN, e.g. http://localhost:3000 (repeatable).")
@click.option("--max-json-mib", default=4, show_default=True, type=click.IntRange(1, 1024),
              help="Largest JSON request body, in MiB (413 above).")
@click.option("--max-upload-mib", default=16, show_default=True, type=click.IntRange(1, 1024),
              help="Largest multipart request body (a block spec with its artifact zip), in MiB (413 above).")
@click.option("--read-timeout", default=10, show_default=True, type=click.IntRange(1, 3600), metavar="SECONDS",
              help="A request's headers must arrive within this many seconds of its first byte, and its body "
                   "may pause no longer between two reads; a connection past it is closed.")
@click.option("--max-connections", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Connections served at once; a request on one more is answered 503.")
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False),
              help="The SQLite registry (default: $BLOCKLINT_REGISTRY, else .blocklint/registry.sqlite3 "
                   "in the project root).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host, port, token, allowed_hosts, allowed_origins, max_json_mib, max_upload_mib, read_timeout,
          max_connections, registry_file, log_level):
    """Serve the registry with the Press API that peak-sdk calls (blocks, apps, deployments,
    parameters), at /v1/... and /press/v1/..."""
    try:
        import uvicorn

        from blocklint.server.app import create_app
        from blocklint.server.connections import timed_protocol
        from blocklint.server.guard import Policy, host_name, is_loopback
        from blocklint.server.scratch import remove_stale
    except ImportError:
        click.echo(f"blocklint: {SERVER_EXTRA_HINT}", err=True)
        sys.exit(2)
    from blocklint.registry import open_registry, registry_path

    if not is_loopback(host_name(host)) and not token:
        click.echo(f"blocklint serve: binding {host} exposes the registry beyond this machine; set a token with "
                   "--token or $BLOCKLINT_SERVE_TOKEN (clients send it as the Authorization header)", err=True)
        sys.exit(2)
    path = registry_file or registry_path()
    try:
        registry = open_registry(path)
    except Exception as error:  # sqlite3.Error, OSError: a clear message, no traceback
        click.echo(f"blocklint: cannot open the registry {path}: {error}", err=True)
        sys.exit(2)
    removed = remove_stale()
    if removed:
        click.echo(f"blocklint serve: removed {len(removed)} scratch director{'y' if len(removed) == 1 else 'ies'} "
                   "left by a stopped server", err=True)
    if host not in ("0.0.0.0", "::"):  # a named address is a host name clients may use
        allowed_hosts = (*allowed_hosts, host)
    policy = Policy(token=token, allowed_hosts=tuple(allowed_hosts), allowed_origins=tuple(allowed_origins),
                    max_json_bytes=max_json_mib * MIB, max_upload_bytes=max_upload_mib * MIB)
    auth = "token required" if token else "no token required"
    click.echo(f"blocklint serve: registry {path} at http://{host}:{port} ({auth})", err=True)
    # uvicorn counts this connection too when it compares: one more lets `max_connections` be served.
    uvicorn.run(create_app(registry, policy=policy), host=host, port=port, log_level=log_level,
                http=timed_protocol(read_timeout, max(max_json_mib, max_upload_mib) * MIB),
                timeout_keep_alive=read_timeout, limit_concurrency=max_connections + 1)
