"""Checking in: today's check-in or a make-up, the progress counter and completion once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.circles.policies import is_shadowed
from app.circles.services import check_can_participate
from app.core import clock, events, images
from app.core.db import db, insert_ignoring_conflict, insert_once, upsert, use_case
from app.core.errors import Conflict, Invalid
from app.core.permissions import require

from ..models import Campaign, CampaignRun, Checkin, Completion, RunProgress
from .campaigns import campaign_circle, check_tier, run_for_day

MAX_BODY = 2000
# A missed day can still be made up on the day after the run's last day.
MAKEUP_GRACE_DAYS = 1


@dataclass
class CheckinResult:
    checkin: Checkin
    created: bool
    completed: bool = False


def _find(run_id: int, user_id: int, day: date) -> Checkin | None:
    return db.session.scalars(
        select(Checkin).where(Checkin.run_id == run_id, Checkin.user_id == user_id, Checkin.day == day)
    ).first()


def _run_for_today(campaign: Campaign, today: date) -> CampaignRun:
    run = run_for_day(campaign.id, today)
    if run is not None:
        return run
    if today < campaign.start_date:
        raise Conflict(
            _l("This campaign starts on %(day)s: come back then!", day=campaign.start_date.isoformat())
        )
    raise Conflict(_l("This campaign is not running today."))


def _run_for_makeup(campaign: Campaign, day: date, today: date) -> CampaignRun:
    if day >= today:
        raise Invalid(fields={"day": _l("Make-up cards are for days that have passed.")})
    run = run_for_day(campaign.id, day)
    if run is None:
        raise Invalid(fields={"day": _l("That day is not part of this campaign.")})
    if today > run.end_date + timedelta(days=MAKEUP_GRACE_DAYS):
        raise Conflict(_l("Make-ups for this round are closed."))
    if campaign.makeup_cards <= 0:
        raise Conflict(_l("This campaign has no make-up cards."))
    return run


def _check_text(campaign: Campaign, body: str, has_image: bool) -> None:
    errors: dict[str, Any] = {}
    need = max(campaign.min_length, 1)
    if not body:
        errors["body"] = _l("Write a few words about today.")
    elif len(body) < need:
        errors["body"] = _l("Write at least %(n)d characters (%(have)d so far).", n=need, have=len(body))
    elif len(body) > MAX_BODY:
        errors["body"] = _l("At most %(n)d characters.", n=MAX_BODY)
    if campaign.photo_required and not has_image:
        errors["image"] = _l("This campaign asks for a photo with every check-in.")
    if errors:
        raise Invalid(fields=errors)


def _bump_progress(run_id: int, user_id: int, *, makeup: bool, cards: int) -> int | None:
    """Count one more day done (and a card used for a make-up); the new total or None.

    None means no card was left. One upsert: the first day inserts the member's progress
    row, later days add to it under its row lock, so concurrent check-ins of one member queue
    here and the last of them sees the full count; a make-up adds only while a card is left.
    """
    if makeup and cards < 1:
        return None
    action = "DO UPDATE SET done = campaign_progress.done + 1"
    if makeup:  # `cards` is the campaign's integer setting: a handful of cached shapes
        action += (
            ", makeups_used = campaign_progress.makeups_used + 1"
            f" WHERE campaign_progress.makeups_used < {int(cards)}"
        )
    row = {"run_id": run_id, "user_id": user_id, "done": 1, "makeups_used": 1 if makeup else 0}
    done = upsert(RunProgress, [row], ("run_id", "user_id"), action, returning=("done",)).scalar()
    return int(done) if done is not None else None  # no row: the guard refused (no card left)


def _complete(actor: Any, campaign: Campaign, run: CampaignRun) -> bool:
    values = {
        "run_id": run.id,
        "campaign_id": campaign.id,
        "circle_id": campaign.circle_id,
        "user_id": actor.id,
        "created_at": clock.now(),
    }
    if not insert_ignoring_conflict(Completion, values, ("run_id", "user_id")):
        return False
    events.publish(
        events.CampaignCompleted(
            user_id=actor.id,
            campaign_id=campaign.id,
            circle_id=campaign.circle_id,
            points=campaign.completion_points,
            run_id=run.id,
            badge_id=campaign.badge_id,
            campaign_title=campaign.title,
        )
    )
    return True


@use_case
def record_checkin(
    actor: Any,
    campaign: Campaign,
    *,
    body: str,
    image: IO[bytes] | None = None,
    image_filename: str | None = None,
    day: date | None = None,
) -> CheckinResult:
    """Check in for today, or make up a missed `day` with a card; a repeat changes nothing.

    Completing every day of the run publishes CampaignCompleted exactly once.
    """
    circle = campaign_circle(campaign)
    require(actor, "campaign.view", circle)
    require(actor, "checkin.create", circle)
    check_can_participate(actor, circle)
    check_tier(actor, campaign)
    today = clock.today()
    makeup = day is not None and day != today
    target = day if day is not None and makeup else today
    run = _run_for_makeup(campaign, target, today) if makeup else _run_for_today(campaign, today)
    existing = _find(run.id, actor.id, target)
    if existing is not None:
        return CheckinResult(existing, created=False)
    body = (body or "").strip()
    _check_text(campaign, body, image is not None)
    upload = None
    if image is not None:
        upload = images.save_image(
            image, owner_id=actor.id, variants=images.POST_IMAGE, filename=image_filename, circle_id=circle.id
        )
        db.session.flush()
    values = {
        "run_id": run.id,
        "campaign_id": campaign.id,
        "circle_id": circle.id,
        "user_id": actor.id,
        "day": target,
        "body": body,
        "image_id": upload.id if upload else None,
        "is_makeup": makeup,
        "shadowed": is_shadowed(actor, circle),
        "created_at": clock.now(),
    }
    # ON CONFLICT DO NOTHING, not a savepoint: a concurrent request of the same member for the
    # same day may have got there first, and then its check-in is the one.
    checkin = insert_once(Checkin, values, ("run_id", "user_id", "day"))
    if checkin is None:
        if upload is not None:
            db.session.delete(upload)
        found = _find(run.id, actor.id, target)
        if found is None:  # the other request's row went away again (its account was deleted)
            raise Conflict(_l("Your check-in could not be saved. Please try again."))
        return CheckinResult(found, created=False)
    done = _bump_progress(run.id, actor.id, makeup=makeup, cards=campaign.makeup_cards)
    if done is None:
        raise Conflict(_l("You have no make-up cards left."))
    events.publish(
        events.CheckinRecorded(
            checkin_id=checkin.id,
            user_id=actor.id,
            campaign_id=campaign.id,
            circle_id=circle.id,
            day=target,
            points=campaign.points_per_checkin,
        )
    )
    completed = done >= run.days and _complete(actor, campaign, run)
    return CheckinResult(checkin, created=True, completed=completed)
