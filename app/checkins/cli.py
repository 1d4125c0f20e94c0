"""`flask campaigns roll` and `flask campaigns remind` (run them from cron; both idempotent)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import services

campaigns_cli = AppGroup("campaigns", help="Check-in campaigns.")


@campaigns_cli.command("roll")
def roll() -> None:
    """Start this week's run of every weekly campaign (a second run changes nothing)."""
    created = services.roll_runs()
    click.echo(f"started {created} new run(s)")


@campaigns_cli.command("remind")
def remind() -> None:
    """Remind members of running campaigns who have not checked in today (once a day)."""
    sent = services.send_reminders()
    click.echo(f"sent {sent} reminder(s)")
