"""Around a check-in: likes, the hosts' recommend (推荐) and review (点评)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.circles.models import Circle
from app.circles.policies import can_see_shadowed
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import require
from app.notifications.services import notify, register_kind

from ..models import Checkin, CheckinLike, CheckinReview

MAX_REVIEW = 500

register_kind("checkin.recommended", _l("%(actor)s recommended your check-in in “%(title)s”"))
register_kind("checkin.reviewed", _l("%(actor)s commented on your check-in: %(excerpt)s"))
register_kind("checkin.liked", _l("%(actor)s liked your check-in"))


def checkin_url(circle_slug: str, checkin: Checkin) -> str:
    return f"/c/{circle_slug}/campaigns/{checkin.campaign_id}#checkin-{checkin.id}"


def get_checkin(actor: Any, circle: Circle, checkin_id: int) -> Checkin:
    """A check-in of `circle` the actor may see, or NotFound."""
    require(actor, "campaign.view", circle)
    checkin = db.session.get(Checkin, checkin_id)
    if checkin is None or checkin.circle_id != circle.id:
        raise NotFound()
    if checkin.shadowed and not can_see_shadowed(actor, circle, checkin.user_id):
        raise NotFound()
    return checkin


def get_checkin_by_id(checkin_id: int) -> Checkin | None:
    """Any check-in by id (no permission check: for event handlers)."""
    return db.session.get(Checkin, checkin_id)


@use_case
def set_checkin_like(actor: Any, circle: Circle, checkin: Checkin, state: bool | None) -> tuple[bool, int]:
    """Like (True), unlike (False) or toggle (None) a check-in; repeats change nothing."""
    require(actor, "campaign.view", circle)
    require(actor, "checkin.like", checkin)
    keys = (CheckinLike.checkin_id == checkin.id, CheckinLike.user_id == actor.id)
    current = db.session.scalar(select(CheckinLike.active).where(*keys))
    wanted = (not current) if state is None else state
    changed = 0
    if wanted and current is None:
        try:
            with db.session.begin_nested():
                db.session.add(CheckinLike(checkin_id=checkin.id, user_id=actor.id, created_at=clock.now()))
            changed = 1
            if checkin.user_id != actor.id:
                events.publish(
                    events.LikeReceived(
                        target_kind="checkin",
                        target_id=checkin.id,
                        liker_id=actor.id,
                        owner_id=checkin.user_id,
                        circle_id=checkin.circle_id,
                    )
                )
        except IntegrityError:
            current = False  # a concurrent like of the same member got there first
    if changed == 0 and current is not None and bool(current) != wanted:
        result = db.session.execute(
            update(CheckinLike).where(*keys, CheckinLike.active.is_(not wanted)).values(active=wanted)
        )
        if getattr(result, "rowcount", 0):
            changed = 1 if wanted else -1
    if changed:
        db.session.execute(
            update(Checkin)
            .where(Checkin.id == checkin.id)
            .values(like_count=Checkin.like_count + changed)
            .execution_options(synchronize_session=False)
        )
    count = db.session.scalar(select(Checkin.like_count).where(Checkin.id == checkin.id)) or 0
    db.session.expire(checkin, ["like_count"])
    return wanted, int(count)


@use_case
def set_recommended(actor: Any, circle: Circle, checkin: Checkin, state: bool) -> bool:
    """A host recommends (推荐) a check-in or takes it off the list; the member hears of it."""
    require(actor, "checkin.moderate", circle)
    result = db.session.execute(
        update(Checkin)
        .where(Checkin.id == checkin.id, Checkin.is_recommended.is_(not state))
        .values(is_recommended=state)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(checkin, ["is_recommended"])
    if getattr(result, "rowcount", 0):
        audit.record(
            actor, "checkin.recommend" if state else "checkin.unrecommend", checkin, circle_id=circle.id
        )
        if state:
            notify(
                checkin.user_id,
                "checkin.recommended",
                actor_id=actor.id,
                url=checkin_url(circle.slug, checkin),
                params={"title": checkin.campaign.title},
            )
    return state


@use_case
def review_checkin(actor: Any, circle: Circle, checkin: Checkin, *, body: str) -> CheckinReview:
    """A host comments on (点评) a check-in; the member is notified."""
    require(actor, "checkin.moderate", circle)
    body = (body or "").strip()
    if not body:
        raise Invalid(fields={"body": _l("Write your comment first.")})
    if len(body) > MAX_REVIEW:
        raise Invalid(fields={"body": _l("At most %(n)d characters.", n=MAX_REVIEW)})
    review = CheckinReview(checkin_id=checkin.id, author_id=actor.id, body=body, created_at=clock.now())
    db.session.add(review)
    db.session.execute(
        update(Checkin)
        .where(Checkin.id == checkin.id)
        .values(review_count=Checkin.review_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire(checkin, ["review_count"])
    audit.record(actor, "checkin.review", checkin, circle_id=circle.id, data={"review_id": review.id})
    notify(
        checkin.user_id,
        "checkin.reviewed",
        actor_id=actor.id,
        url=checkin_url(circle.slug, checkin),
        params={"excerpt": body[:40]},
    )
    return review
