"""`blocklint clean`: remove the result cache (`blocklint/cache.py`) of the project here."""

from __future__ import annotations

from pathlib import Path

import click

from blocklint.cache import CACHE_DIR


def cache_root(start: Path | None = None) -> Path:
    """Where `blocklint check` run here keeps its cache: the directory of the closest
    configuration file, else the working directory."""
    from blocklint.config import find_config

    found = find_config(start)
    return Path(found).parent if found else Path.cwd()


@click.command()
def clean():
    """Remove the result cache (.blocklint_cache) of the project here."""
    import shutil

    directory = cache_root() / CACHE_DIR
    if not directory.is_dir() or directory.is_symlink():
        click.echo(f"blocklint: no cache at {directory}", err=True)
        return
    shutil.rmtree(directory)
    click.echo(f"blocklint: removed {directory}", err=True)
