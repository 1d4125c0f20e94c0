"""Admin stewardship of circles: list every circle, hand a circle to a new owner, archive it.

Kept beside `services.py` (which members and hosts use) so the admin console reaches circles
through this feature's own functions, never its tables.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from app.accounts.models import User
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import require

from .models import Circle, Membership


def list_all_circles(*, query: str = "", cursor: str | None = None, limit: int = 30) -> Page[Circle]:
    """Every circle (archived too), newest first, optionally matching name or slug."""
    statement = select(Circle)
    query = query.strip()
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(or_(Circle.slug.like(like), Circle.name.ilike(f"%{query}%")))
    return keyset(statement, [(Circle.id, True)], cursor=cursor, limit=limit)


def get_circle_by_id_or_404(circle_id: int) -> Circle:
    circle = db.session.get(Circle, circle_id)
    if circle is None:
        raise NotFound()
    return circle


@use_case
def assign_owner(actor: Any, circle: Circle, new_owner: User, *, reason: str = "") -> Circle:
    """Make `new_owner` the circle's owner; the previous owner stays on as a co-host."""
    require(actor, "admin.access")
    if new_owner.is_banned:
        raise Invalid(fields={"username": _l("A banned account cannot own a circle.")})
    previous_id = circle.owner_id
    if previous_id == new_owner.id:
        return circle
    if previous_id is not None:
        db.session.execute(
            update(Membership)
            .where(Membership.circle_id == circle.id, Membership.user_id == previous_id)
            .values(role="cohost")
            .execution_options(synchronize_session=False)
        )
    membership = db.session.get(Membership, (circle.id, new_owner.id))
    if membership is None:
        db.session.add(Membership(circle_id=circle.id, user_id=new_owner.id, role="owner", status="active"))
        db.session.execute(
            update(Circle)
            .where(Circle.id == circle.id)
            .values(member_count=Circle.member_count + 1)
            .execution_options(synchronize_session=False)
        )
        joined = True
    else:
        joined = membership.status != "active"
        if joined:
            db.session.execute(
                update(Circle)
                .where(Circle.id == circle.id)
                .values(member_count=Circle.member_count + 1)
                .execution_options(synchronize_session=False)
            )
        membership.role, membership.status, membership.muted_until = "owner", "active", None
    circle.owner_id = new_owner.id
    db.session.flush()
    db.session.expire(circle, ["member_count"])
    audit.record(
        actor,
        "circle.assign_owner",
        circle,
        reason=reason,
        circle_id=circle.id,
        data={"from": previous_id, "to": new_owner.id},
    )
    if joined:
        events.publish(events.CircleJoined(user_id=new_owner.id, circle_id=circle.id))
    return circle


@use_case
def set_archived(actor: Any, circle: Circle, archived: bool, *, reason: str = "") -> Circle:
    """Archive (read-only, out of discover) or restore a circle; repeating changes nothing."""
    require(actor, "admin.access")
    if circle.is_archived == archived:
        return circle
    circle.archived_at = clock.now() if archived else None
    audit.record(
        actor,
        "circle.archive" if archived else "circle.unarchive",
        circle,
        reason=reason,
        circle_id=circle.id,
    )
    return circle
