"""Demo perks (for `flask seed-demo`): a tier-exclusive 晨读营 and a few members' birthdays.

The store demo already sells a 高级会员7天体验卡 and 王哲 tries it; here he uses it to join the
advanced-only campaign that ordinary members see locked. Birthdays are set away from today
(a demo member whose birthday happens to be today would be odd).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.accounts import services as accounts
from app.checkins import services as checkins
from app.core import clock
from app.core.db import use_case
from app.points.tiers import get_effective_tier, get_tier_by_slug

# (username, month, day)
BIRTHDAYS = [("zhaoyue", 3, 8), ("linxi", 10, 24), ("heqing", 5, 20), ("wangzhe", 8, 16)]


def _not_today(month: int, day: int) -> tuple[int, int]:
    today = clock.today()
    if (month, day) != (today.month, today.day):
        return month, day
    moved = date(2000, month, day) + timedelta(days=1)
    return moved.month, moved.day


@use_case
def seed(ctx: dict[str, Any]) -> None:
    users, all_circles = ctx["users"], ctx["circles"]
    for username, month, day in BIRTHDAYS:
        user = users[username]
        accounts.update_profile(
            user, display_name=user.display_name, bio=user.bio, birthday=_not_today(month, day)
        )
    run_circle = all_circles["morning-run"]
    camp = checkins.create_campaign(
        users["chenmo"],
        run_circle,
        checkins.CampaignDraft(
            title="晨读营 · 每天 15 分钟",
            prompt="每天早上读 15 分钟，写下一句最打动你的话。高级会员专属，体验卡也能参加。",
            start_date=clock.today(),
            days=7,
            points_per_checkin=15,
            completion_points=100,
            min_tier="advanced",
        ),
    )
    advanced = get_tier_by_slug("advanced")
    lines = [
        "读了《被讨厌的勇气》第一夜：所有烦恼都来自人际关系。",
        "晨读 15 分钟，今天的一句：慢慢来，比较快。",
    ]
    joined = [
        u
        for u in ("wangzhe", "chenmo")
        if advanced and get_effective_tier(users[u]).threshold >= advanced.threshold
    ]
    for username, line in zip(joined, lines, strict=False):
        checkins.record_checkin(users[username], camp, body=line)
    ctx.setdefault("campaigns", {})["vip"] = camp
