"""`flask badges backfill`: grant automatic badges to members who already qualify."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import rules, services

badges_cli = AppGroup("badges", help="Badges and certificates.")


@badges_cli.command("backfill")
@click.option("--batch", default=200, show_default=True, help="Members per transaction.")
def backfill(batch: int) -> None:
    """Evaluate every automatic rule for every member (idempotent: holders are skipped)."""
    wired = rules.wired_rules()
    if not wired:
        click.echo("no automatic badge rule has a counter wired yet: nothing to evaluate")
        return
    click.echo("rules: " + ", ".join(wired))
    granted = 0
    with click.progressbar(length=services.count_users(), label="Evaluating members") as bar:
        for user_ids in services.user_id_batches(batch):
            granted += services.backfill_users(user_ids)
            bar.update(len(user_ids))
    click.echo(f"granted {granted} badge(s)")
