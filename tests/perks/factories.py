"""Perks test data through the services: members with points, trial cards, a Shanghai clock."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app.points import ledger
from tests.helpers import make_user
from tests.store.factories import make_item

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai wall-clock instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def member_with_points(username: str, points: int = 300) -> Any:
    """A 普通会员 (growth stays below 1000) with points to spend."""
    user = make_user(username)
    ledger.adjust_balance(user.id, delta=points, reason="test", actor_id=None)
    return user


def trial_card(admin: Any, tier: str = "advanced", days: int = 7, cost: int = 50, **kwargs: Any) -> Any:
    return make_item(
        admin,
        title=f"{tier} 体验卡",
        kind="tier_trial",
        trial_tier=tier,
        trial_days=days,
        points_cost=cost,
        **kwargs,
    )
