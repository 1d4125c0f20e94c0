"""Leaderboards read from the rollups: top 50 plus my rank, in a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from app.accounts.models import User
from app.checkins import services as checkins
from app.circles import services as circles
from app.core import audit, clock
from app.core.db import db, insert_ignoring_conflict, use_case
from app.core.errors import NotFound
from app.core.permissions import require
from app.points.models import PointsPeriod, Tier
from app.points.tiers import list_tiers, tier_for_growth

from .models import CAMPAIGN, CIRCLE, SITE, TITLE_KINDS, BoardPeriod, BoardTotal, Title

METRICS = ("points", "checkins", "likes", "invites")
PERIODS = ("week", "month", "all")
TOP = 50
TITLE_NAMES = {"points": _l("Star of the week"), "checkins": _l("Check-in star")}


@dataclass
class Scope:
    kind: str
    id: int
    key: str  # as in the URL: site, a circle slug, campaign:<id>
    circle: Any = None
    campaign: Any = None


@dataclass
class Row:
    rank: int
    user: User
    score: int
    tier: Tier | None


@dataclass
class Board:
    scope: Scope
    metric: str
    period: str
    since: date | None
    rows: list[Row] = field(default_factory=list)
    me: Row | None = None


def resolve_scope(actor: Any, key: str) -> Scope:
    """`site`, a circle's slug or `campaign:<id>`; private circles are 404 to outsiders."""
    key = (key or SITE).strip().lower()
    if key == SITE:
        return Scope(kind=SITE, id=0, key=SITE)
    if key.startswith("campaign:"):
        raw = key.split(":", 1)[1]
        campaign = checkins.get_campaign_by_id(int(raw)) if raw.isdigit() else None
        if campaign is None:
            raise NotFound()
        circle = checkins.campaign_circle(campaign)
        require(actor, "campaign.view", circle)
        return Scope(kind=CAMPAIGN, id=campaign.id, key=key, circle=circle, campaign=campaign)
    circle = circles.get_circle(key)
    require(actor, "circle.view_content", circle)
    return Scope(kind=CIRCLE, id=circle.id, key=circle.slug, circle=circle)


def period_start(period: str, today: date | None = None) -> date | None:
    """First day counted: this week's Monday, the 1st of this month, or None (all time)."""
    today = today or clock.today()
    if period == "week":
        return clock.week_start(today)
    if period == "month":
        return clock.month_start(today)
    return None


def _scores(scope: Scope, metric: str, period: str, starts_on: date | None) -> Select[Any]:
    """user_id, score for the scope and metric in the week or month starting `starts_on`, or
    all time: the kept rollup rows (one per member, indexed by score), never a GROUP BY."""
    if period == "all":
        if scope.kind == SITE and metric == "points":
            return select(User.id.label("user_id"), User.earned.label("score")).where(User.earned > 0)
        value = getattr(BoardTotal, metric)
        return select(BoardTotal.user_id.label("user_id"), value.label("score")).where(
            BoardTotal.scope == scope.kind, BoardTotal.scope_id == scope.id, value > 0
        )
    if scope.kind == SITE and metric == "points":
        return select(PointsPeriod.user_id.label("user_id"), PointsPeriod.earned.label("score")).where(
            PointsPeriod.period == period, PointsPeriod.starts_on == starts_on, PointsPeriod.earned > 0
        )
    value = getattr(BoardPeriod, metric)
    return select(BoardPeriod.user_id.label("user_id"), value.label("score")).where(
        BoardPeriod.scope == scope.kind,
        BoardPeriod.scope_id == scope.id,
        BoardPeriod.period == period,
        BoardPeriod.starts_on == starts_on,
        value > 0,
    )


def top_scores(scope: Scope, metric: str, week: date, limit: int = TOP) -> list[tuple[int, int]]:
    """[(user_id, score)] of the week starting `week`, best first, ties by who joined earlier
    (lower id)."""
    scores = _scores(scope, metric, "week", week).subquery()
    rows = db.session.execute(
        select(scores.c.user_id, scores.c.score)
        .order_by(scores.c.score.desc(), scores.c.user_id)
        .limit(limit)
    )
    return [(int(u), int(s)) for u, s in rows]


def get_board(actor: Any, *, scope: str = SITE, metric: str = "points", period: str = "week") -> Board:
    """Top 50 of a board with avatars and tiers, plus the actor's own row when outside it."""
    where = resolve_scope(actor, scope)
    if metric not in METRICS or period not in PERIODS:
        raise NotFound()
    since = period_start(period)
    scores = _scores(where, metric, period, since).subquery()
    ranked = db.session.execute(
        select(User, scores.c.score)
        .join(scores, scores.c.user_id == User.id)
        .order_by(scores.c.score.desc(), User.id)
        .limit(TOP)
    ).all()
    tiers = list_tiers()
    board = Board(scope=where, metric=metric, period=period, since=since)
    for rank, (user, score) in enumerate(ranked, start=1):
        board.rows.append(Row(rank=rank, user=user, score=int(score), tier=_tier(user, tiers)))
    if getattr(actor, "is_authenticated", False):
        # Asked whether or not the member is in the top 50: one statement either way, so a
        # board costs the same for everyone (no growth with the data or the member's place).
        me = _my_row(actor, where, metric, period, since, tiers)
        if all(row.user.id != actor.id for row in board.rows):
            board.me = me
    return board


def _tier(user: User, tiers: list[Tier]) -> Tier | None:
    return tier_for_growth(user.growth, tiers) if tiers else None


def _my_row(
    actor: Any, scope: Scope, metric: str, period: str, since: date | None, tiers: list[Tier]
) -> Row | None:
    """The member's score and rank in one statement (a correlated count of those ahead)."""
    mine = _scores(scope, metric, period, since).subquery()
    others = _scores(scope, metric, period, since).subquery()
    ahead = (
        select(func.count())
        .select_from(others)
        .where(
            or_(
                others.c.score > mine.c.score,
                and_(others.c.score == mine.c.score, others.c.user_id < actor.id),
            )
        )
        .scalar_subquery()
    )
    found = db.session.execute(select(mine.c.score, ahead).where(mine.c.user_id == actor.id)).first()
    if found is None or not found[0]:
        return None
    return Row(rank=int(found[1] or 0) + 1, user=actor, score=int(found[0]), tier=_tier(actor, tiers))


# --- Weekly titles -------------------------------------------------------------------------


@use_case
def close_week(day: date | None = None) -> int:
    """Give the top 3 of the site's points and check-ins boards of the week before `day`'s week
    their titles (活跃之星, 打卡之星); idempotent under the unique (user, week, kind)."""
    this_week = clock.week_start(day or clock.today())
    week = this_week - timedelta(days=7)
    site = Scope(kind=SITE, id=0, key=SITE)
    awarded = 0
    for kind in TITLE_KINDS:
        for rank, (user_id, score) in enumerate(top_scores(site, kind, week, 3), 1):
            values = {
                "user_id": user_id,
                "week": week,
                "kind": kind,
                "rank": rank,
                "score": score,
                "created_at": clock.now(),
            }
            if insert_ignoring_conflict(Title, values, ("user_id", "week", "kind")):
                awarded += 1
    if awarded:
        audit.record(None, "leaderboards.close_week", data={"week": week.isoformat(), "titles": awarded})
    return awarded


def list_titles(user_id: int, *, limit: int = 12) -> list[Title]:
    """A member's weekly titles, newest first (for profiles)."""
    query = select(Title).where(Title.user_id == user_id).order_by(Title.week.desc(), Title.kind).limit(limit)
    return list(db.session.scalars(query))
