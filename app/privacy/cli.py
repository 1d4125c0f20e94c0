"""`flask exports work [--once]`: build queued data exports and purge expired ones."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from . import exports

exports_cli = AppGroup("exports", help="Personal data exports.")


@exports_cli.command("work")
@click.option(
    "--once", is_flag=True, help="Build what is waiting and purge expired exports, then exit (cron)."
)
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def work(once: bool, interval: float) -> None:
    """Build queued exports (the web process does too; a worker is faster and survives restarts)."""
    while True:
        report = exports.work_once()
        if report.built or report.purged or once:
            click.echo(f"exports: {report.built} built, {report.skipped} skipped, {report.purged} expired")
        if once:
            return
        time.sleep(interval)
