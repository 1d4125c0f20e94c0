"""`flask points audit`: prove that every cached balance equals its ledger."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .ledger import find_discrepancies, find_earned_mismatches, find_rollup_mismatches

points_cli = AppGroup("points", help="Points ledger tools.")


@points_cli.command("audit")
def audit_command() -> None:
    """Check balance == sum(ledger) and growth == sum(growth deltas) for every member."""
    problems = find_discrepancies()
    for p in problems:
        click.echo(
            f"user {p.user_id} ({p.username}): points {p.points} != ledger {p.ledger_points}; "
            f"growth {p.growth} != ledger {p.ledger_growth}",
            err=True,
        )
    rollups = find_rollup_mismatches()
    for user_id, day, rollup, ledger in rollups:
        click.echo(f"user {user_id} on {day}: points_daily {rollup} != ledger earnings {ledger}", err=True)
    lifetime = find_earned_mismatches()
    for user_id, cached, ledger in lifetime:
        click.echo(f"user {user_id}: lifetime earnings {cached} != ledger earnings {ledger}", err=True)
    if problems or rollups or lifetime:
        click.echo(
            f"points audit FAILED: {len(problems)} balance(s), {len(rollups)} daily rollup(s), "
            f"{len(lifetime)} lifetime total(s) off",
            err=True,
        )
        raise SystemExit(1)
    click.echo("points audit OK: every balance and growth matches the ledger")
