"""`flask perks daily`: today's birthday perks (run it once a day from cron; idempotent)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .birthdays import pay_todays_birthdays

perks_cli = AppGroup("perks", help="Member perks: birthday points.")


@perks_cli.command("daily")
def daily_command() -> None:
    """Pay the birthday points of everybody whose birthday is today (site time zone)."""
    found, paid = pay_todays_birthdays()
    click.echo(f"birthday perks: {paid} paid ({found} birthday(s) today, {found - paid} already paid)")
