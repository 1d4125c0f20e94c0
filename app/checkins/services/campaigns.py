"""Campaigns and their runs: create, find the run of a day, roll weekly runs, remind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from app.badges import services as badges
from app.circles.models import Circle, Membership
from app.circles.services import get_circle_by_id
from app.core import audit, clock
from app.core.db import db, insert_ignoring_conflict, use_case
from app.core.errors import Forbidden, Invalid, NotFound
from app.core.permissions import require
from app.notifications.services import notify, register_kind
from app.points import tiers

from .. import policies  # noqa: F401  (importing registers the campaign and check-in rules)
from ..models import MAX_DAYS, Campaign, CampaignRun, Checkin, Completion, Reminder

MAX_POINTS = 1000
MAX_COMPLETION_POINTS = 10_000
MAX_TEXT_RULE = 1000

register_kind("campaign.remind", _l("Don't forget today's check-in for “%(title)s”"))


@dataclass
class CampaignDraft:
    """What a host fills in on the new-campaign form."""

    title: str
    prompt: str = ""
    start_date: date | None = None
    days: int | None = 7
    points_per_checkin: int | None = 10
    completion_points: int | None = 50
    badge_id: int | None = None
    makeup_cards: int | None = 0
    repeat_weekly: bool = False
    min_length: int | None = 0
    photo_required: bool = False
    # Tier-exclusive campaigns: the slug of the lowest tier that may check in ("" = everyone).
    min_tier: str = ""
    min_tier_id: int | None = None


# --- Queries -------------------------------------------------------------------------------


def get_campaign(actor: Any, circle: Circle, campaign_id: int) -> Campaign:
    """A campaign of `circle` the actor may see, or NotFound (private circles included)."""
    require(actor, "campaign.view", circle)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.circle_id != circle.id:
        raise NotFound()
    return campaign


def get_campaign_by_id(campaign_id: int) -> Campaign | None:
    """Any campaign by id (no permission check: callers check its circle)."""
    return db.session.get(Campaign, campaign_id)


def campaign_circle(campaign: Campaign) -> Circle:
    circle = get_circle_by_id(campaign.circle_id)
    if circle is None:
        raise NotFound()
    return circle


def list_circle_campaigns(circle: Circle, *, limit: int = 20) -> list[Campaign]:
    """The circle's campaigns, newest first."""
    query = select(Campaign).where(Campaign.circle_id == circle.id).order_by(Campaign.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def run_for_day(campaign_id: int, day: date) -> CampaignRun | None:
    """The run of this campaign whose days include `day`."""
    query = select(CampaignRun).where(
        CampaignRun.campaign_id == campaign_id, CampaignRun.start_date <= day, CampaignRun.end_date >= day
    )
    return db.session.scalars(query.order_by(CampaignRun.start_date.desc()).limit(1)).first()


def current_run(campaign: Campaign) -> CampaignRun | None:
    """The run running today; else the latest one already over; else the first to come."""
    today = clock.today()
    started = db.session.scalars(
        select(CampaignRun)
        .where(CampaignRun.campaign_id == campaign.id, CampaignRun.start_date <= today)
        .order_by(CampaignRun.start_date.desc())
        .limit(1)
    ).first()
    if started is not None:
        return started
    return db.session.scalars(
        select(CampaignRun)
        .where(CampaignRun.campaign_id == campaign.id)
        .order_by(CampaignRun.start_date)
        .limit(1)
    ).first()


def weekly_run_start(campaign: Campaign, day: date) -> date | None:
    """Start of the weekly run containing `day` (runs start every 7 days from start_date)."""
    if day < campaign.start_date:
        return None
    return campaign.start_date + timedelta(days=7 * ((day - campaign.start_date).days // 7))


def campaign_tier(campaign: Campaign) -> Any:
    """The tier a campaign is exclusive to, or None (open to every member of the circle)."""
    return tiers.get_tier(campaign.min_tier_id)


def effective_tier(actor: Any) -> Any:
    """The actor's effective tier (growth, or an active trial when higher)."""
    return tiers.get_effective_tier(actor)


def locked_tier(actor: Any, campaign: Campaign, effective: Any = None) -> Any:
    """The tier the actor still needs for this campaign, or None when they may take part.

    An active tier trial counts (the effective tier). `effective` saves its queries when a
    page shows many campaigns.
    """
    needed = campaign_tier(campaign)
    return None if tiers.meets_tier(actor, needed, effective) else needed


def check_tier(actor: Any, campaign: Campaign) -> None:
    """403, naming the tier needed, unless the actor reaches the campaign's tier (看得见体验不到)."""
    needed = locked_tier(actor, campaign)
    if needed is not None:
        raise Forbidden(
            _l(
                "Only for %(tier_en)s and up · upgrade to take part",
                tier_en=needed.name_en,
                tier_zh=needed.name_zh,
            )
        )


def list_tier_choices() -> list[Any]:
    """The tiers a campaign may be exclusive to, lowest first."""
    return tiers.list_tiers()


def list_badge_choices(circle: Circle) -> list[Any]:
    """Badges a campaign of this circle may award: the circle's own and site-wide ones."""
    return badges.list_badges(circle_id=circle.id) + badges.list_badges()


# --- Creating ------------------------------------------------------------------------------


def check_can_create(actor: Any, circle: Circle) -> None:
    """404 for a private circle the actor cannot see, 403 unless a host of the circle."""
    require(actor, "campaign.view", circle)
    require(actor, "campaign.create", circle)


def default_start() -> date:
    """The new-campaign form proposes starting today."""
    return clock.today()


def _int_in(errors: dict[str, Any], name: str, value: int | None, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if not low <= value <= high:
        errors[name] = _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
    return value


def _check_draft(circle: Circle, draft: CampaignDraft) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    draft.title = (draft.title or "").strip()
    draft.prompt = (draft.prompt or "").strip()
    if not draft.title:
        errors["title"] = _l("Give the campaign a title.")
    elif len(draft.title) > 80:
        errors["title"] = _l("At most %(n)d characters.", n=80)
    if len(draft.prompt) > 2000:
        errors["prompt"] = _l("At most %(n)d characters.", n=2000)
    if draft.start_date is None:
        errors["start_date"] = _l("Pick the first day.")
    elif draft.start_date < clock.today():
        errors["start_date"] = _l("The first day cannot be in the past.")
    draft.days = _int_in(errors, "days", draft.days, 1, MAX_DAYS, 7)
    if draft.repeat_weekly and draft.days > 7 and "days" not in errors:
        errors["days"] = _l("A weekly campaign lasts at most 7 days.")
    draft.points_per_checkin = _int_in(
        errors, "points_per_checkin", draft.points_per_checkin, 0, MAX_POINTS, 10
    )
    draft.completion_points = _int_in(
        errors, "completion_points", draft.completion_points, 0, MAX_COMPLETION_POINTS, 50
    )
    draft.makeup_cards = _int_in(errors, "makeup_cards", draft.makeup_cards, 0, max(draft.days - 1, 0), 0)
    draft.min_length = _int_in(errors, "min_length", draft.min_length, 0, MAX_TEXT_RULE, 0)
    draft.min_tier = (draft.min_tier or "").strip()
    if draft.min_tier:
        needed = tiers.get_tier_by_slug(draft.min_tier)
        if needed is None:
            errors["min_tier"] = _l("Choose one of the member tiers.")
        else:
            draft.min_tier_id = needed.id
    if draft.badge_id is not None:
        allowed = {badge.id for badge in list_badge_choices(circle)}
        if draft.badge_id not in allowed:
            errors["badge_id"] = _l("Choose a badge of this circle or a site-wide one.")
    return errors


@use_case
def create_campaign(actor: Any, circle: Circle, draft: CampaignDraft) -> Campaign:
    """A host starts a campaign in their circle; its first run is created with it."""
    require(actor, "campaign.view", circle)
    require(actor, "campaign.create", circle)
    errors = _check_draft(circle, draft)
    if errors:
        raise Invalid(fields=errors)
    assert draft.start_date is not None and draft.days is not None
    campaign = Campaign(
        circle_id=circle.id,
        title=draft.title,
        prompt=draft.prompt,
        start_date=draft.start_date,
        days=draft.days,
        points_per_checkin=draft.points_per_checkin,
        completion_points=draft.completion_points,
        badge_id=draft.badge_id,
        makeup_cards=draft.makeup_cards,
        repeat_weekly=draft.repeat_weekly,
        min_length=draft.min_length,
        photo_required=draft.photo_required,
        min_tier_id=draft.min_tier_id,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add(
        CampaignRun(
            campaign_id=campaign.id,
            number=1,
            start_date=campaign.start_date,
            end_date=campaign.start_date + timedelta(days=campaign.days - 1),
            created_at=clock.now(),
        )
    )
    audit.record(
        actor,
        "campaign.create",
        campaign,
        circle_id=circle.id,
        data={"title": campaign.title, "min_tier": draft.min_tier or None},
    )
    return campaign


# --- Scheduled jobs ------------------------------------------------------------------------


@use_case
def roll_runs() -> int:
    """Start this week's run of every weekly campaign that lacks one (idempotent)."""
    today = clock.today()
    weekly = db.session.scalars(
        select(Campaign).where(Campaign.repeat_weekly.is_(True), Campaign.start_date <= today)
    )
    created = 0
    for campaign in weekly:
        start = weekly_run_start(campaign, today)
        if start is None:
            continue
        values = {
            "campaign_id": campaign.id,
            "number": (start - campaign.start_date).days // 7 + 1,
            "start_date": start,
            "end_date": start + timedelta(days=campaign.days - 1),
            "created_at": clock.now(),
        }
        if insert_ignoring_conflict(CampaignRun, values, ("campaign_id", "start_date")):
            created += 1
    return created


@use_case
def send_reminders() -> int:
    """Tell members of running campaigns who have not checked in today (once a day each)."""
    today = clock.today()
    checked = exists().where(
        Checkin.run_id == CampaignRun.id, Checkin.user_id == Membership.user_id, Checkin.day == today
    )
    rows = db.session.execute(
        select(CampaignRun.id, Campaign.id, Circle.slug, Campaign.title, Membership.user_id)
        .join(Campaign, Campaign.id == CampaignRun.campaign_id)
        .join(Circle, Circle.id == Campaign.circle_id)
        .join(
            Membership,
            and_(Membership.circle_id == Campaign.circle_id, Membership.status == "active"),
        )
        .where(CampaignRun.start_date <= today, CampaignRun.end_date >= today, ~checked)
        .order_by(CampaignRun.id, Membership.user_id)
    ).all()
    sent = 0
    for run_id, campaign_id, slug, title, user_id in rows:
        values = {"run_id": run_id, "user_id": user_id, "day": today}
        if insert_ignoring_conflict(Reminder, values, ("run_id", "user_id", "day")):
            notify(
                user_id,
                "campaign.remind",
                url=f"/c/{slug}/campaigns/{campaign_id}",
                params={"title": title},
            )
            sent += 1
    return sent


def count_completed_runs(user_id: int, circle_id: int | None) -> int:
    """Completed runs of a member (in one circle, or anywhere): the `campaign_completed` rule."""
    query = select(func.count()).select_from(Completion).where(Completion.user_id == user_id)
    if circle_id is not None:
        query = query.where(Completion.circle_id == circle_id)
    return int(db.session.scalar(query) or 0)
