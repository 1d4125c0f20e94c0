"""`flask leaderboards close-week`: last week's titles and prizes (idempotent)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import prizes

leaderboards_cli = AppGroup("leaderboards", help="Leaderboards, weekly titles and prizes.")


@leaderboards_cli.command("close-week")
def close_week() -> None:
    """Award last week's titles (活跃之星, 打卡之星) and pay the boards' prizes to last week's
    winners; running it twice changes nothing. Cron (site time zone): `5 0 * * 1`."""
    closed = prizes.close_week()
    click.echo(f"awarded {closed.titles} title(s), paid {closed.prizes} prize(s)")
