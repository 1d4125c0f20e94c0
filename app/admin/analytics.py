"""Dashboard figures. Each is one aggregate SQL query; Python only fills in empty days.

Days are site-local calendar days (`activity_event.day`, `points_entry.day`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, func, select

from app.accounts.models import User
from app.circles.models import Circle
from app.core import clock
from app.core.db import db
from app.points.models import ADJUST, EARN, SPEND, PointsEntry, Tier

from .models import ACTIVE_KINDS, CAMPAIGN, CHECKIN, POST, REGISTER, ActivityEvent

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


def window(days: int, *, end: date | None = None) -> Window:
    """The last `days` site-local days, today included."""
    last = end or clock.today()
    return Window(last - timedelta(days=days - 1), last)


def _fill(win: Window, rows: dict[date, Any], empty: Any) -> list[tuple[date, Any]]:
    return [(day, rows.get(day, empty)) for day in win.days]


def daily_active(win: Window) -> list[tuple[date, int]]:
    """Members who signed in, posted, commented, liked or checked in, per day."""
    query = (
        select(ActivityEvent.day, func.count(distinct(ActivityEvent.user_id)))
        .where(ActivityEvent.day.between(win.start, win.end), ActivityEvent.kind.in_(ACTIVE_KINDS))
        .group_by(ActivityEvent.day)
    )
    return _fill(win, {day: int(n) for day, n in db.session.execute(query)}, 0)


def posts_and_checkins(win: Window) -> list[tuple[date, tuple[int, int]]]:
    """(posts, check-ins) published per day."""
    query = (
        select(
            ActivityEvent.day,
            func.count(case((ActivityEvent.kind == POST, 1))),
            func.count(case((ActivityEvent.kind == CHECKIN, 1))),
        )
        .where(ActivityEvent.day.between(win.start, win.end), ActivityEvent.kind.in_((POST, CHECKIN)))
        .group_by(ActivityEvent.day)
    )
    rows = {day: (int(p), int(c)) for day, p, c in db.session.execute(query)}
    return _fill(win, rows, (0, 0))


def points_flow(win: Window) -> list[tuple[date, tuple[int, int]]]:
    """(issued, redeemed) points per day: earnings and positive adjustments vs store spending."""
    issued = case(
        (PointsEntry.kind == EARN, PointsEntry.delta),
        (and_(PointsEntry.kind == ADJUST, PointsEntry.delta > 0), PointsEntry.delta),
        else_=0,
    )
    redeemed = case((PointsEntry.kind == SPEND, -PointsEntry.delta), else_=0)
    query = (
        select(PointsEntry.day, func.sum(issued), func.sum(redeemed))
        .where(PointsEntry.day.between(win.start, win.end), PointsEntry.kind.in_((EARN, ADJUST, SPEND)))
        .group_by(PointsEntry.day)
    )
    rows = {day: (int(i or 0), int(r or 0)) for day, i, r in db.session.execute(query)}
    return _fill(win, rows, (0, 0))


def tier_distribution() -> list[tuple[Tier, int]]:
    """Members per tier reached by growth (the highest threshold at or below their growth)."""
    reached = (
        select(func.max(Tier.threshold))
        .where(Tier.threshold <= User.growth)
        .correlate(User)
        .scalar_subquery()
    )
    members = select(reached.label("threshold")).where(User.is_banned.is_(False)).subquery()
    counted = select(members.c.threshold, func.count().label("n")).group_by(members.c.threshold).subquery()
    query = (
        select(Tier, func.coalesce(counted.c.n, 0))
        .outerjoin(counted, counted.c.threshold == Tier.threshold)
        .order_by(Tier.threshold)
    )
    return [(tier, int(n)) for tier, n in db.session.execute(query)]


@dataclass(frozen=True)
class CampaignRate:
    campaign_id: int
    title: str
    participants: int
    completed: int

    @property
    def percent(self) -> int:
        return self.completed * 100 // self.participants if self.participants else 0


def campaign_completion(win: Window, limit: int = 8) -> list[CampaignRate]:
    """Per campaign active in the window: members who checked in vs members who completed it."""
    checked = func.count(distinct(case((ActivityEvent.kind == CHECKIN, ActivityEvent.user_id))))
    done = func.count(distinct(case((ActivityEvent.kind == CAMPAIGN, ActivityEvent.user_id))))
    query = (
        select(ActivityEvent.ref_id, checked, done)
        .where(
            ActivityEvent.day.between(win.start, win.end),
            ActivityEvent.kind.in_((CHECKIN, CAMPAIGN)),
            ActivityEvent.ref_id.is_not(None),
        )
        .group_by(ActivityEvent.ref_id)
        .order_by(checked.desc(), ActivityEvent.ref_id.desc())
        .limit(limit)
    )
    rows = [(int(cid), int(p), int(c)) for cid, p, c in db.session.execute(query)]
    titles = _campaign_titles[0]([cid for cid, _p, _c in rows]) if _campaign_titles and rows else {}
    return [CampaignRate(cid, titles.get(cid, f"#{cid}"), max(p, c), c) for cid, p, c in rows]


def top_circles(win: Window, limit: int = 5) -> list[tuple[Circle, int, int]]:
    """The busiest circles: (circle, actions, distinct active members) in the window."""
    busiest = (
        select(
            ActivityEvent.circle_id.label("circle_id"),
            func.count(ActivityEvent.id).label("actions"),
            func.count(distinct(ActivityEvent.user_id)).label("members"),
        )
        .where(
            ActivityEvent.day.between(win.start, win.end),
            ActivityEvent.kind.in_(ACTIVE_KINDS),
            ActivityEvent.circle_id.is_not(None),
        )
        .group_by(ActivityEvent.circle_id)
        .order_by(func.count(ActivityEvent.id).desc(), ActivityEvent.circle_id)
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
    in_window = ActivityEvent.day.between(win.start, win.end)
    query = select(
        func.count(distinct(case((ActivityEvent.kind.in_(ACTIVE_KINDS), ActivityEvent.user_id)))),
        func.count(case((ActivityEvent.kind == REGISTER, 1))),
        func.count(case((ActivityEvent.kind == POST, 1))),
        func.count(case((ActivityEvent.kind == CHECKIN, 1))),
    ).where(in_window)
    active, new, posts, checkins = db.session.execute(query).one()
    return Totals(int(active), int(new), int(posts), int(checkins))
