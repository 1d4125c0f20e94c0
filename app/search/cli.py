"""`flask search reindex` (rebuild from the database) and `flask search work` (retry queue)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from . import indexer

search_cli = AppGroup("search", help="Full-text search index.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the index from the database; searches keep working meanwhile."""
    backend = current_app.config.get("SEARCH_BACKEND")
    total = indexer.total_documents()
    started = time.monotonic()
    with click.progressbar(length=total, label=f"Indexing ({backend})") as bar:
        report = indexer.reindex(bar.update)
    seconds = time.monotonic() - started
    click.echo(
        f"search: {total} documents indexed in {seconds:.1f}s; "
        f"{report.indexed} queued change(s) applied, {report.failed} failed"
    )
    if report.failed:
        raise SystemExit(1)


@search_cli.command("work")
@click.option("--once", is_flag=True, help="Retry what is queued now, then exit (for cron).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def work(once: bool, interval: float) -> None:
    """Index queued changes and retry failed ones (run one per index: see the README)."""
    while True:
        report = indexer.drain_due()
        if report.indexed or report.failed or once:
            click.echo(f"search: {report.indexed} indexed, {report.failed} failed")
        if once:
            return
        time.sleep(interval)
