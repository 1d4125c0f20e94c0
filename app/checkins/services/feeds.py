"""Reading check-ins: feeds by keyset, the recommended list, my progress, the 打卡 tab."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.circles.models import Circle, Membership
from app.circles.policies import shadow_filter
from app.core import clock
from app.core.db import db
from app.core.pagination import Page, keyset
from app.core.permissions import is_signed_in, require
from app.safety.services import not_blocked_by

from ..models import Campaign, CampaignRun, Checkin, CheckinLike, CheckinReview, Completion, RunProgress
from .recording import MAKEUP_GRACE_DAYS

PAGE_SIZE = 20

DONE, MISSED, TODAY, FUTURE = "done", "missed", "today", "future"


def list_checkins(
    actor: Any, circle: Circle, campaign: Campaign, *, cursor: str | None = None
) -> Page[Checkin]:
    """A campaign's check-ins, newest first (one SELECT a page)."""
    require(actor, "campaign.view", circle)
    query = select(Checkin).where(
        Checkin.campaign_id == campaign.id, not_blocked_by(actor, Checkin.user_id), _visible(actor, circle)
    )
    return keyset(query, [(Checkin.id, True)], cursor=cursor, limit=PAGE_SIZE)


def circle_checkins(actor: Any, circle: Circle, *, cursor: str | None = None) -> Page[Checkin]:
    """Every campaign's check-ins in a circle, newest first: the circle's check-ins tab."""
    require(actor, "campaign.view", circle)
    query = select(Checkin).where(
        Checkin.circle_id == circle.id, not_blocked_by(actor, Checkin.user_id), _visible(actor, circle)
    )
    return keyset(query, [(Checkin.id, True)], cursor=cursor, limit=PAGE_SIZE)


def _visible(actor: Any, circle: Circle | None) -> Any:
    """Shadow-muted members' check-ins only for themselves and the hosts."""
    return shadow_filter(actor, circle, shadowed=Checkin.shadowed, author_id=Checkin.user_id)


def list_recommended(
    campaign: Campaign, *, viewer: Any = None, circle: Circle | None = None, limit: int = 10
) -> list[Checkin]:
    """The hosts' recommended check-ins (推荐) `viewer` may see (none by members they blocked)."""
    query = (
        select(Checkin)
        .where(
            Checkin.campaign_id == campaign.id,
            Checkin.is_recommended.is_(True),
            not_blocked_by(viewer, Checkin.user_id),
            _visible(viewer, circle),
        )
        .order_by(Checkin.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def reviews_for(checkin_ids: Iterable[int], *, viewer: Any = None) -> dict[int, list[CheckinReview]]:
    """The hosts' reviews of these check-ins, oldest first (one query for a page)."""
    wanted = list(checkin_ids)
    out: dict[int, list[CheckinReview]] = defaultdict(list)
    if not wanted:
        return out
    query = (
        select(CheckinReview)
        .where(CheckinReview.checkin_id.in_(wanted), not_blocked_by(viewer, CheckinReview.author_id))
        .order_by(CheckinReview.id)
    )
    for review in db.session.scalars(query):
        out[review.checkin_id].append(review)
    return out


def liked_ids(actor: Any, checkin_ids: Iterable[int]) -> set[int]:
    """Which of these check-ins the actor likes (one query)."""
    wanted = list(checkin_ids)
    if not wanted or not is_signed_in(actor):
        return set()
    query = select(CheckinLike.checkin_id).where(
        CheckinLike.user_id == actor.id, CheckinLike.checkin_id.in_(wanted), CheckinLike.active.is_(True)
    )
    return set(db.session.scalars(query))


@dataclass
class Dot:
    day: date
    state: str
    number: int


@dataclass
class Progress:
    """A member's progress through a run: one dot per day."""

    run: CampaignRun | None
    dots: list[Dot] = field(default_factory=list)
    done: int = 0
    total: int = 0
    cards_left: int = 0
    checked_today: bool = False
    completed: bool = False
    running: bool = False
    makeup_days: list[date] = field(default_factory=list)


def get_progress(actor: Any, campaign: Campaign, run: CampaignRun | None) -> Progress:
    """My dots (done / missed / today / future), N/M, cards left and days I may make up."""
    if run is None:
        return Progress(run=None)
    today = clock.today()
    days: set[date] = set()
    used = 0
    completed = False
    if is_signed_in(actor):
        days = set(
            db.session.scalars(
                select(Checkin.day).where(Checkin.run_id == run.id, Checkin.user_id == actor.id)
            )
        )
        progress = db.session.get(RunProgress, (run.id, actor.id))
        used = progress.makeups_used if progress else 0
        completed = (
            db.session.scalar(
                select(Completion.id).where(Completion.run_id == run.id, Completion.user_id == actor.id)
            )
            is not None
        )
    dots = []
    for i in range(run.days):
        day = run.start_date + timedelta(days=i)
        if day in days:
            state = DONE
        elif day == today:
            state = TODAY
        elif day < today:
            state = MISSED
        else:
            state = FUTURE
        dots.append(Dot(day=day, state=state, number=i + 1))
    cards_left = max(campaign.makeup_cards - used, 0)
    makeup_open = today <= run.end_date + timedelta(days=MAKEUP_GRACE_DAYS)
    return Progress(
        run=run,
        dots=dots,
        done=len(days),
        total=run.days,
        cards_left=cards_left,
        checked_today=today in days,
        completed=completed,
        running=run.start_date <= today <= run.end_date,
        makeup_days=[d.day for d in dots if d.state == MISSED] if cards_left and makeup_open else [],
    )


@dataclass
class TodayItem:
    campaign: Campaign
    run: CampaignRun
    circle: Circle
    checked_today: bool


@dataclass
class MyCheckins:
    """The 打卡 tab: what runs today in my circles, what comes next, my streak."""

    today: list[TodayItem]
    upcoming: list[TodayItem]
    streak: int
    total_days: int


def my_checkins(actor: Any) -> MyCheckins:
    """Campaigns of my circles running today (and checked or not), the upcoming, my streak."""
    today = clock.today()
    mine = select(Membership.circle_id).where(Membership.user_id == actor.id, Membership.status == "active")
    rows = db.session.execute(
        select(CampaignRun, Campaign, Circle)
        .join(Campaign, Campaign.id == CampaignRun.campaign_id)
        .join(Circle, Circle.id == Campaign.circle_id)
        .where(Campaign.circle_id.in_(mine), CampaignRun.end_date >= today)
        .order_by(CampaignRun.start_date, CampaignRun.id)
        .limit(50)
    ).all()
    checked = set(
        db.session.scalars(select(Checkin.run_id).where(Checkin.user_id == actor.id, Checkin.day == today))
    )
    running: list[TodayItem] = []
    upcoming: list[TodayItem] = []
    for run, campaign, circle in rows:
        item = TodayItem(campaign=campaign, run=run, circle=circle, checked_today=run.id in checked)
        (running if run.start_date <= today else upcoming).append(item)
    recent = list(
        db.session.scalars(
            select(Checkin.day)
            .where(Checkin.user_id == actor.id, Checkin.day <= today)
            .distinct()
            .order_by(Checkin.day.desc())
            .limit(400)
        )
    )
    return MyCheckins(
        today=running, upcoming=upcoming, streak=streak_of(recent, today), total_days=len(recent)
    )


def streak_of(days_desc: list[date], today: date) -> int:
    """Consecutive days with a check-in ending today (or yesterday, if today is still open)."""
    if not days_desc:
        return 0
    expected = today if days_desc[0] == today else today - timedelta(days=1)
    streak = 0
    for day in days_desc:
        if day != expected:
            break
        streak += 1
        expected -= timedelta(days=1)
    return streak
