"""Demo titles and prizes (for `flask seed-demo`): the reading circle's weekly check-in board
carries prizes, its past winners are in the history, and last week is closed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core import clock
from app.core.db import use_case

from . import prizes

# The reading circle's 读书笔记 campaign ran 20 days ago (app/checkins/demo.py).
CAMPAIGN_DAYS_AGO = 20


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users, items = ctx["users"], ctx.get("store_items", {})
    first_week = clock.week_start(clock.today() - timedelta(days=CAMPAIGN_DAYS_AGO))
    offers = [
        prizes.PrizeInput(metric="checkins", rank_from=1, rank_to=1, kind="points", amount=300),
        prizes.PrizeInput(metric="checkins", rank_from=2, rank_to=2, kind="points", amount=200),
    ]
    if "frame" in items:
        offers.append(
            prizes.PrizeInput(
                metric="checkins", rank_from=3, rank_to=3, kind="item", item_id=items["frame"].id
            )
        )
    with clock.freeze(clock.day_start(first_week - timedelta(days=3)) + timedelta(hours=12)):
        for offer in offers:
            prizes.create_prize(users["linxi"], "reading", offer)
    # The weeks the campaign ran were closed on their Mondays, as cron would have.
    for week in (first_week, first_week + timedelta(days=7)):
        with clock.freeze(clock.day_start(week + timedelta(days=7)) + timedelta(minutes=5)):
            prizes.pay_prizes(week)
    ctx["titles"] = prizes.close_week().titles
