"""Demo data for the console (for `flask seed-demo`): eight weeks of tracked activity, quiet
members who have lapsed (some invited by hosts), and a few audited admin actions.

Activity rows are what `handlers.on_activity` would have written for those actions; check-in
and campaign rows stand in for the campaigns feature's history (numbered campaigns) until
its own demo publishes real `CheckinRecorded` events.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from app.accounts import services as accounts
from app.accounts.demo import avatar_png
from app.core import clock
from app.core.db import use_case
from app.points.ledger import award_points

from . import segments, services
from .models import CAMPAIGN, CHECKIN, COMMENT, LIKE, POST
from .tracking import Fact, record_activity

HISTORY_DAYS = 56

# username -> (chance of a post, of a comment, of a like, of a check-in) on a given day.
LEVELS: dict[str, tuple[float, float, float, float]] = {
    "linxi": (0.7, 0.8, 0.9, 0.9),
    "chenmo": (0.6, 0.7, 0.9, 0.95),
    "sutang": (0.5, 0.6, 0.8, 0.7),
    "heqing": (0.4, 0.6, 0.8, 0.8),
    "zhaoyue": (0.35, 0.5, 0.7, 0.85),
    "guoxiao": (0.3, 0.5, 0.7, 0.75),
    "wangzhe": (0.2, 0.4, 0.6, 0.35),
    "tangmin": (0.15, 0.3, 0.5, 0.3),
    "fangyu": (0.15, 0.3, 0.5, 0.2),
    "zhouyi": (0.1, 0.3, 0.4, 0.45),
    "liukun": (0.1, 0.2, 0.4, 0.2),
}
HOME_CIRCLE = {
    "linxi": "reading",
    "chenmo": "morning-run",
    "sutang": "baking",
    "heqing": "reading",
    "zhaoyue": "morning-run",
    "guoxiao": "morning-run",
    "wangzhe": "morning-run",
    "tangmin": "baking",
    "fangyu": "reading",
    "zhouyi": "reading",
    "liukun": "baking",
}
# Quiet members: (username, display name, inviter, days since sign-up, days since last seen).
QUIET = [
    ("xiaolu", "小鹿", "linxi", 50, 9),
    ("ajie", "阿杰", "chenmo", 45, 12),
    ("mengmeng", "萌萌", "linxi", 40, 15),
    ("laozhou", "老周", None, 55, 19),
    ("yuanyuan", "圆圆", "sutang", 35, 10),
    ("kaikai", "凯凯", None, 30, 24),
]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 15), tzinfo=clock.site_tz())


def _day_of_activity(
    user: Any, day: date, level: tuple[float, ...], circle_id: int | None, rng: random.Random
) -> None:
    tag = f"demo:{user.id}:{day.isoformat()}"
    post, comment, like, checkin = level
    with clock.freeze(_at(day, 8 + rng.randrange(12))):
        if rng.random() < post:
            record_activity(Fact(user.id, POST, f"{tag}:post", circle_id), day=day)
        for n in range(rng.randint(1, 3) if rng.random() < comment else 0):
            record_activity(Fact(user.id, COMMENT, f"{tag}:comment:{n}", circle_id), day=day)
        for n in range(rng.randint(1, 4) if rng.random() < like else 0):
            record_activity(Fact(user.id, LIKE, f"{tag}:like:{n}", circle_id), day=day)
        if rng.random() < checkin:
            # One seven-day campaign a week in every circle, numbered by week.
            campaign = 1 + (HISTORY_DAYS - (clock.today() - day).days) // 7
            record_activity(Fact(user.id, CHECKIN, f"{tag}:checkin", circle_id, campaign), day=day)


def _completions(users: dict[str, Any], circles: dict[str, Any], first: date, rng: random.Random) -> None:
    for week in range(HISTORY_DAYS // 7 - 1):
        last_day = first + timedelta(days=week * 7 + 6)
        for username, level in LEVELS.items():
            if rng.random() < level[3] ** 3:
                user = users[username]
                circle = circles.get(HOME_CIRCLE[username])
                with clock.freeze(_at(last_day, 21)):
                    record_activity(
                        Fact(
                            user.id,
                            CAMPAIGN,
                            f"demo:{user.id}:campaign:{week + 1}",
                            circle.id if circle else None,
                            week + 1,
                        ),
                        day=last_day,
                    )


def _quiet_members(ctx: dict[str, Any], circles: dict[str, Any], rng: random.Random) -> None:
    users = ctx["users"]
    today = clock.today()
    for username, name, inviter, joined, silent in QUIET:
        with clock.freeze(_at(today - timedelta(days=joined), 20)):
            user = accounts.register(
                username=username,
                email=f"{username}@demo.example.com",
                password=ctx["password"],
                display_name=name,
                invite_code=users[inviter].invite_code if inviter else "",
            )
            accounts.update_profile(
                user,
                display_name=name,
                bio="",
                avatar=io.BytesIO(avatar_png(username)),
                avatar_filename="a.png",
            )
        users[username] = user
        circle = circles.get("reading" if rng.random() < 0.5 else "morning-run")
        circle_id = circle.id if circle else None
        for ago in range(joined - 1, silent - 1, -1):
            if rng.random() < 0.55:
                _day_of_activity(user, today - timedelta(days=ago), (0.15, 0.3, 0.6, 0.5), circle_id, rng)
        last = today - timedelta(days=silent)
        with clock.freeze(_at(last, 21)):
            record_activity(
                Fact(user.id, CHECKIN, f"demo:{user.id}:{last.isoformat()}:last", circle_id, 1), day=last
            )
            if inviter:
                # What app/points/handlers.py pays the inviter on a first check-in.
                award_points(
                    users[inviter].id,
                    rule="invite",
                    idempotency_key=f"invite:{user.id}",
                    reference=f"user:{user.id}",
                )


@use_case
def seed(ctx: dict[str, Any]) -> None:
    """Weeks of activity for every chart, lapsing members, applications and audit rows."""
    users, circles = ctx["users"], ctx.get("circles", {})
    rng = random.Random("quanzi-demo-admin")
    first = clock.today() - timedelta(days=HISTORY_DAYS)
    for username, level in LEVELS.items():
        user = users.get(username)
        if user is None:
            continue
        circle = circles.get(HOME_CIRCLE[username])
        for n in range(HISTORY_DAYS):
            _day_of_activity(user, first + timedelta(days=n), level, circle.id if circle else None, rng)
    _completions(users, circles, first, rng)
    _quiet_members(ctx, circles, rng)
    admin = users["admin"]
    spammer = accounts.register(
        username="tuiguang888",
        email="tuiguang888@demo.example.com",
        password=ctx["password"],
        display_name="低价代购",
    )
    accounts.update_profile(
        spammer,
        display_name="低价代购",
        bio="",
        avatar=io.BytesIO(avatar_png("spam")),
        avatar_filename="a.png",
    )
    services.set_banned(admin, spammer, True, reason="批量发布广告链接")
    services.change_role(admin, users["sutang"], "host", reason="烘焙圈主，资料已核实")
    # Saved member segments an operator would keep (computed from data, never a list).
    segments.save_segment(
        admin, name="读书圈的积极分子", filters=segments.Filters(circle="reading", points_min=100)
    )
    segments.save_segment(
        admin,
        name="一周没露面的老朋友",
        filters=segments.Filters(active_to=clock.today() - timedelta(days=7)),
    )
