"""Members' comments on check-ins: writing one (the author hears of it) and reading a page's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, or_, select, update

from app.circles.models import Circle
from app.circles.policies import is_shadowed, shadow_filter
from app.circles.services import check_can_participate, moderator_ids
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import can, is_signed_in, require
from app.notifications.services import notify, register_kind
from app.safety.services import find_sensitive, not_blocked_by

from ..models import Checkin, CheckinComment
from .social import checkin_url

MAX_COMMENT = 500

register_kind("checkin.commented", _l("%(actor)s left a comment on your check-in: %(excerpt)s"))
register_kind(
    "checkin.comment_pending", _l("%(actor)s commented on a check-in in %(circle)s: waiting for your review")
)
register_kind("checkin.comment_approved", _l("Your comment on a check-in was approved and is now visible"))
register_kind("checkin.comment_rejected", _l("Your comment on a check-in was not approved: %(reason)s"))

MODERATE_ACTIONS = ("approve", "reject")


@use_case
def comment_on_checkin(actor: Any, circle: Circle, checkin: Checkin, *, body: str) -> CheckinComment:
    """A member comments on a check-in; its author is notified and it earns the comment rule."""
    require(actor, "campaign.view", circle)
    require(actor, "checkin.comment", circle)
    check_can_participate(actor, circle)
    body = (body or "").strip()
    if not body:
        raise Invalid(fields={"body": _l("Write something first.")})
    if len(body) > MAX_COMMENT:
        raise Invalid(fields={"body": _l("At most %(n)d characters.", n=MAX_COMMENT)})
    # Hosts approve their own circle's queue, so their words are not held for it.
    flagged = None if can(actor, "checkin.moderate", circle) else find_sensitive(body)
    # The counter first: a check-in deleted meanwhile updates no row and the comment is refused
    # (a held comment counts only once approved: +0 still matches the row).
    result = db.session.execute(
        update(Checkin)
        .where(Checkin.id == checkin.id, Checkin.circle_id == circle.id)
        .values(comment_count=Checkin.comment_count + (0 if flagged else 1))
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound()
    comment = CheckinComment(
        checkin_id=checkin.id,
        circle_id=circle.id,
        author_id=actor.id,
        body=body,
        status="pending" if flagged else "visible",
        flagged_word=flagged,
        shadowed=is_shadowed(actor, circle),
        created_at=clock.now(),
    )
    db.session.add(comment)
    db.session.flush()
    db.session.expire(checkin, ["comment_count"])
    if flagged:
        for host_id in moderator_ids(circle):
            notify(
                host_id,
                "checkin.comment_pending",
                actor_id=actor.id,
                url=f"/c/{circle.slug}/manage#pending-comments",
                params={"circle": circle.name},
            )
        return comment
    _went_public(circle, checkin, comment)
    return comment


def _went_public(circle: Circle, checkin: Checkin, comment: CheckinComment) -> None:
    """A comment became visible (written, or approved): the points rule and the author's note."""
    if comment.author_id is None:
        return  # its author's account is gone: nobody to pay, nobody to name
    events.publish(
        events.CheckinCommented(
            comment_id=comment.id,
            checkin_id=checkin.id,
            author_id=comment.author_id,
            owner_id=checkin.user_id,
            circle_id=circle.id,
        )
    )
    if comment.shadowed:
        return  # a shadow-muted member's comments reach no one
    notify(
        checkin.user_id,
        "checkin.commented",
        actor_id=comment.author_id,
        url=checkin_url(circle.slug, checkin),
        params={"excerpt": comment.body[:40]},
    )


def get_comment(actor: Any, circle: Circle, comment_id: int) -> CheckinComment:
    """A comment on a check-in of `circle` (for the hosts' actions), or NotFound."""
    require(actor, "campaign.view", circle)
    comment = db.session.get(CheckinComment, comment_id)
    if comment is None or comment.circle_id != circle.id:
        raise NotFound()
    return comment


@use_case
def moderate_comment(
    actor: Any, circle: Circle, comment: CheckinComment, action: str, *, reason: str = ""
) -> CheckinComment:
    """A host approves or rejects a comment held for review; repeats change nothing. Audited."""
    require(actor, "campaign.view", circle)
    require(actor, "checkin.moderate", circle)
    if action not in MODERATE_ACTIONS:
        raise Invalid(fields={"action": _l("Unknown action.")})
    reason = (reason or "").strip()[:500]
    new = "visible" if action == "approve" else "rejected"
    result = db.session.execute(
        update(CheckinComment)
        .where(CheckinComment.id == comment.id, CheckinComment.status == "pending")
        .values(status=new)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(comment)
    if getattr(result, "rowcount", 0):
        checkin = db.session.get(Checkin, comment.checkin_id)
        if action == "approve" and checkin is not None:
            db.session.execute(
                update(Checkin)
                .where(Checkin.id == checkin.id)
                .values(comment_count=Checkin.comment_count + 1)
                .execution_options(synchronize_session=False)
            )
            db.session.expire(checkin, ["comment_count"])
            _went_public(circle, checkin, comment)
            if comment.author_id is not None:
                notify(
                    comment.author_id,
                    "checkin.comment_approved",
                    actor_id=actor.id,
                    url=checkin_url(circle.slug, checkin),
                )
        elif action == "reject" and comment.author_id is not None:
            notify(
                comment.author_id,
                "checkin.comment_rejected",
                actor_id=actor.id,
                params={"reason": reason or "-"},
            )
    audit.record(actor, f"checkin_comment.{action}", comment, reason=reason, circle_id=circle.id)
    return comment


def list_held_comments(actor: Any, circle: Circle, *, limit: int = 50) -> list[CheckinComment]:
    """Comments on check-ins waiting for the hosts (empty for everyone else)."""
    if not can(actor, "checkin.moderate", circle):
        return []
    query = (
        select(CheckinComment)
        .where(CheckinComment.circle_id == circle.id, CheckinComment.status == "pending")
        .order_by(CheckinComment.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def comments_for(
    checkin_ids: Iterable[int], *, viewer: Any = None, circle: Circle | None = None
) -> dict[int, list[CheckinComment]]:
    """Members' comments on these check-ins `viewer` may see, oldest first (one query a page).

    Visible ones, plus the viewer's own held ones; none by members the viewer blocked, none by
    shadow-muted members unless the viewer is them or a host.
    """
    wanted = list(checkin_ids)
    out: dict[int, list[CheckinComment]] = defaultdict(list)
    if not wanted:
        return out
    shown: ColumnElement[bool] = CheckinComment.status == "visible"
    if is_signed_in(viewer):
        shown = or_(shown, and_(CheckinComment.status == "pending", CheckinComment.author_id == viewer.id))
    visible = shadow_filter(
        viewer, circle, shadowed=CheckinComment.shadowed, author_id=CheckinComment.author_id
    )
    query = (
        select(CheckinComment)
        .where(
            CheckinComment.checkin_id.in_(wanted),
            shown,
            not_blocked_by(viewer, CheckinComment.author_id),
            visible,
        )
        .order_by(CheckinComment.checkin_id, CheckinComment.id)
    )
    for comment in db.session.scalars(query):
        out[comment.checkin_id].append(comment)
    return out
