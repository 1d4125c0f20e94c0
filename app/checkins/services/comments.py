"""Members' comments on check-ins: writing one (the author hears of it) and reading a page's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.circles.models import Circle
from app.circles.policies import is_shadowed, shadow_filter
from app.circles.services import check_can_participate
from app.core import clock, events
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import require
from app.notifications.services import notify, register_kind

from ..models import Checkin, CheckinComment
from .social import checkin_url

MAX_COMMENT = 500

register_kind("checkin.commented", _l("%(actor)s left a comment on your check-in: %(excerpt)s"))


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
    # The counter first: a check-in deleted meanwhile updates no row and the comment is refused.
    result = db.session.execute(
        update(Checkin)
        .where(Checkin.id == checkin.id, Checkin.circle_id == circle.id)
        .values(comment_count=Checkin.comment_count + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound()
    comment = CheckinComment(
        checkin_id=checkin.id,
        circle_id=circle.id,
        author_id=actor.id,
        body=body,
        shadowed=is_shadowed(actor, circle),
        created_at=clock.now(),
    )
    db.session.add(comment)
    db.session.flush()
    db.session.expire(checkin, ["comment_count"])
    events.publish(
        events.CheckinCommented(
            comment_id=comment.id,
            checkin_id=checkin.id,
            author_id=actor.id,
            owner_id=checkin.user_id,
            circle_id=circle.id,
        )
    )
    if comment.shadowed:
        return comment  # a shadow-muted member's comments reach no one
    notify(
        checkin.user_id,
        "checkin.commented",
        actor_id=actor.id,
        url=checkin_url(circle.slug, checkin),
        params={"excerpt": body[:40]},
    )
    return comment


def comments_for(
    checkin_ids: Iterable[int], *, viewer: Any = None, circle: Circle | None = None
) -> dict[int, list[CheckinComment]]:
    """Members' comments on these check-ins `viewer` may see, oldest first (one query a page)."""
    wanted = list(checkin_ids)
    out: dict[int, list[CheckinComment]] = defaultdict(list)
    if not wanted:
        return out
    visible = shadow_filter(
        viewer, circle, shadowed=CheckinComment.shadowed, author_id=CheckinComment.author_id
    )
    query = (
        select(CheckinComment)
        .where(CheckinComment.checkin_id.in_(wanted), visible)
        .order_by(CheckinComment.checkin_id, CheckinComment.id)
    )
    for comment in db.session.scalars(query):
        out[comment.checkin_id].append(comment)
    return out
