"""Site-wide commands: `backup PATH`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH (online backup API)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        click.echo(
            "This site runs on PostgreSQL: back it up with pg_dump, e.g.\n"
            '  pg_dump --format=custom --file quanzi.dump "$DATABASE_URL"',
            err=True,
        )
        raise SystemExit(2)
    source_path = url.database
    if not source_path or not Path(source_path).exists():
        raise click.ClickException(f"no database file at {source_path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(str(path))
    try:
        with click.progressbar(length=100, label="Backing up") as bar:
            done = 0

            def progress(_status: int, remaining: int, total: int) -> None:
                nonlocal done
                now = int(100 * (total - remaining) / total) if total else 100
                bar.update(now - done)
                done = now

            source.backup(target, pages=256, progress=progress)
            bar.update(100 - done)
    finally:
        target.close()
        source.close()
    click.echo(f"backup written to {path}")
