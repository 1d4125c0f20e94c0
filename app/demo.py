"""`flask seed-demo`: a believable Chinese demo community, built through the services.

Each feature contributes a step; they run in this order inside one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.accounts import demo as accounts_demo
from app.accounts.models import User
from app.admin import demo as admin_demo
from app.badges import demo as badges_demo
from app.checkins import demo as checkins_demo
from app.circles import demo as circles_demo
from app.core.db import db, use_case
from app.growth import demo as growth_demo
from app.leaderboards import demo as leaderboards_demo
from app.perks import demo as perks_demo
from app.points import demo as points_demo
from app.posts import demo as posts_demo
from app.safety import demo as safety_demo
from app.store import demo as store_demo

STEPS: list[Callable[[dict[str, Any]], None]] = [
    accounts_demo.seed,
    points_demo.seed,
    store_demo.seed,
    circles_demo.seed,
    posts_demo.seed,
    badges_demo.seed,
    checkins_demo.seed,
    perks_demo.seed,
    leaderboards_demo.seed,
    admin_demo.seed,
    growth_demo.seed,
    # Last: the demo's own posts were written before the list existed.
    safety_demo.seed,
]


@use_case
def seed_all() -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    with click.progressbar(STEPS, label="Seeding demo data") as steps:
        for step in steps:
            step(ctx)
    return ctx


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the site has no accounts yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo community (members, circles, posts, campaigns, store...)."""
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("demo data: the site already has accounts, nothing to do")
            return
        raise click.ClickException("the site already has accounts; seed-demo wants an empty site")
    ctx = seed_all()
    click.echo(f"demo data loaded; log in as admin / {ctx['password']} (or any demo member)")
