"""`flask leaderboards close-week`: weekly titles for last week's top 3 (idempotent)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import services

leaderboards_cli = AppGroup("leaderboards", help="Leaderboards and weekly titles.")


@leaderboards_cli.command("close-week")
def close_week() -> None:
    """Award last week's titles (活跃之星, 打卡之星); running it twice changes nothing."""
    awarded = services.close_week()
    click.echo(f"awarded {awarded} title(s)")
