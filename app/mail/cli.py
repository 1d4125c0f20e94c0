"""`flask mail digest`: queue last week's digest for every member (cron, Monday morning).

Sending is the worker's job (`flask webhooks work`), like every other outbox row.
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from . import digest, services

mail_cli = AppGroup("mail", help="Email digests.")


@mail_cli.command("digest")
@click.option(
    "--week",
    "week",
    default=None,
    help="Any day (YYYY-MM-DD) of the week to summarise; default: last week (Monday to Sunday).",
)
def digest_command(week: str | None) -> None:
    """Queue the weekly digest once per member per week (running it again sends nothing twice)."""
    if not services.is_enabled():
        click.echo("mail: MAIL_SERVER is not set, so email is off; nothing queued")
        return
    try:
        day = date.fromisoformat(week) if week else None
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--week") from exc
    report = digest.send_digests(day)
    start = digest.week_of(day) if day else digest.last_week()
    click.echo(
        f"mail: digest for the week of {start.isoformat()}: {report.sent} queued, "
        f"{report.quiet} quiet (nothing to tell), {report.skipped} already done"
    )
