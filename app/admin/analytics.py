"""Dashboard figures, read from rollups kept as members act (never from `activity_event`).

Days are site-local calendar days. Every figure reads the window's rows of `activity_day`
(per scope and day) or `points_day`: at most 90 per scope, whatever the volume of activity.
Distinct members over a window sum `latest` (members whose latest day in the scope is that
day), which is exact because every window ends today. Python only fills in empty days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select

from app.accounts.models import User
from app.circles.models import Circle
from app.core import clock
from app.core.db import db
from app.points.models import PointsDay, Tier

from .models import CHECKIN_SCOPE, CIRCLE_SCOPE, DONE_SCOPE, SITE, SITE_ID, ActivityDay

PERIODS = (7, 30, 90)

# How the completion chart names a campaign: the campaigns feature installs its lookup
# (ids -> titles) with `set_campaign_titles`; until then campaigns are shown by number.
_campaign_titles: list[Callable[[list[int]], dict[int, str]]] = []


def set_campaign_titles(lookup: Callable[[list[int]], dict[int, str]]) -> None:
    """Install the campaigns feature's title lookup for the completion-rate chart."""
    _campaign_titles[:] = [lookup]


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def window(days: int) -> Window:
    """The last `days` site-local days, today included (the rollups answer no other end)."""
    last = clock.today()
    return Window(last - timedelta(days=days - 1), last)


def _fill(win: Window, rows: dict[date, Any], empty: Any) -> list[tuple[date, Any]]:
    return [(day, rows.get(day, empty)) for day in win.days]


def _site_days(win: Window, *columns: Any) -> Any:
    return select(ActivityDay.day, *columns).where(
        ActivityDay.scope == SITE,
        ActivityDay.scope_id == SITE_ID,
        ActivityDay.day.between(win.start, win.end),
    )


def daily_active(win: Window) -> list[tuple[date, int]]:
    """Members who signed in, posted, commented, liked or checked in, per day."""
    rows = db.session.execute(_site_days(win, ActivityDay.active))
    return _fill(win, {day: int(n) for day, n in rows}, 0)


def posts_and_checkins(win: Window) -> list[tuple[date, tuple[int, int]]]:
    """(posts, check-ins) published per day."""
    rows = db.session.execute(_site_days(win, ActivityDay.posts, ActivityDay.checkins))
    return _fill(win, {day: (int(p), int(c)) for day, p, c in rows}, (0, 0))


def points_flow(win: Window) -> list[tuple[date, tuple[int, int]]]:
    """(issued, redeemed) points per day: earnings and positive adjustments vs store spending."""
    query = select(PointsDay.day, PointsDay.issued, PointsDay.redeemed).where(
        PointsDay.day.between(win.start, win.end)
    )
    rows = {day: (int(i), int(r)) for day, i, r in db.session.execute(query)}
    return _fill(win, rows, (0, 0))


def tier_distribution() -> list[tuple[Tier, int]]:
    """Members per tier reached by growth (the highest threshold at or below their growth)."""
    tiers = list(db.session.scalars(select(Tier).order_by(Tier.threshold)))
    if not tiers:
        return []
    # How many members reach each threshold, each a range of ix_user_account_growth; a tier
    # holds those who reach its threshold and not the next one.
    reaching = [
        select(func.count())
        .select_from(User)
        .where(User.is_banned.is_(False), User.growth >= tier.threshold)
        .scalar_subquery()
        for tier in tiers
    ]
    counts = [int(n) for n in db.session.execute(select(*reaching)).one()] + [0]
    return [(tier, counts[i] - counts[i + 1]) for i, tier in enumerate(tiers)]


@dataclass(frozen=True)
class CampaignRate:
    campaign_id: int
    title: str
    participants: int
    completed: int

    @property
    def percent(self) -> int:
        return self.completed * 100 // self.participants if self.participants else 0


def _scope_window(win: Window, *scopes: str) -> Any:
    scope = ActivityDay.scope == scopes[0] if len(scopes) == 1 else ActivityDay.scope.in_(scopes)
    return (scope, ActivityDay.day.between(win.start, win.end))


def campaign_completion(win: Window, limit: int = 8) -> list[CampaignRate]:
    """Per campaign active in the window: members who checked in vs members who completed it."""
    checked = func.sum(case((ActivityDay.scope == CHECKIN_SCOPE, ActivityDay.latest), else_=0))
    done = func.sum(case((ActivityDay.scope == DONE_SCOPE, ActivityDay.latest), else_=0))
    query = (
        select(ActivityDay.scope_id, checked, done)
        .where(*_scope_window(win, CHECKIN_SCOPE, DONE_SCOPE))
        .group_by(ActivityDay.scope_id)
        # Rows whose members all moved on to a later day (a sum of 0) are no campaign activity.
        .having((checked > 0) | (done > 0))
        .order_by(checked.desc(), ActivityDay.scope_id.desc())
        .limit(limit)
    )
    rows = [(int(cid), int(p), int(c)) for cid, p, c in db.session.execute(query)]
    titles = _campaign_titles[0]([cid for cid, _p, _c in rows]) if _campaign_titles and rows else {}
    return [CampaignRate(cid, titles.get(cid, f"#{cid}"), max(p, c), c) for cid, p, c in rows]


def top_circles(win: Window, limit: int = 5) -> list[tuple[Circle, int, int]]:
    """The busiest circles: (circle, actions, distinct active members) in the window."""
    actions = func.sum(ActivityDay.actions)
    busiest = (
        select(
            ActivityDay.scope_id.label("circle_id"),
            actions.label("actions"),
            func.sum(ActivityDay.latest).label("members"),
        )
        .where(*_scope_window(win, CIRCLE_SCOPE))
        .group_by(ActivityDay.scope_id)
        .having(actions > 0)
        .order_by(actions.desc(), ActivityDay.scope_id)
        .limit(limit)
        .subquery()
    )
    query = (
        select(Circle, busiest.c.actions, busiest.c.members)
        .join(busiest, busiest.c.circle_id == Circle.id)
        .order_by(busiest.c.actions.desc(), Circle.id)
    )
    return [(circle, int(a), int(m)) for circle, a, m in db.session.execute(query)]


@dataclass(frozen=True)
class Totals:
    active: int
    new_members: int
    posts: int
    checkins: int


def totals(win: Window) -> Totals:
    """Headline numbers for the window, in one query."""
    columns = (ActivityDay.latest, ActivityDay.registers, ActivityDay.posts, ActivityDay.checkins)
    query = _site_days(win).with_only_columns(*[func.coalesce(func.sum(c), 0) for c in columns])
    active, new, posts, checkins = db.session.execute(query).one()
    return Totals(int(active), int(new), int(posts), int(checkins))
