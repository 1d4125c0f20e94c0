"""Who may see and do what in a circle: the rules every circle, post and file check uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, true

from app.core.db import db
from app.core.permissions import is_admin, is_signed_in, policy

from .models import HOST_ROLES, Circle, Membership


def as_circle(target: Any) -> Circle | None:
    """A circle from a Circle or its id (the media view passes an upload's `circle_id`)."""
    if isinstance(target, Circle):
        return target
    if isinstance(target, int):
        return db.session.get(Circle, target)
    return None


_SEEN = "quanzi_memberships_seen"


def membership_of(actor: Any, circle: Circle | int) -> Membership | None:
    """The actor's membership row (request, member or ban) in `circle`, if any."""
    if not is_signed_in(actor):
        return None
    circle_id = circle.id if isinstance(circle, Circle) else circle
    # The composite primary key lets the identity map answer repeated checks for free; the
    # map holds rows weakly, so keep a reference for the session's life (or each check of
    # one request would load the row again).
    membership = db.session.get(Membership, (circle_id, actor.id))
    if membership is not None:
        db.session.info.setdefault(_SEEN, {})[circle_id, actor.id] = membership
    return membership


def is_moderator(actor: Any, circle: Circle) -> bool:
    if is_admin(actor):
        return True
    membership = membership_of(actor, circle)
    return membership is not None and membership.is_moderator


@policy("circle.view_content", hide=True)
def _can_view_content(actor: Any, target: Any) -> bool:
    circle = as_circle(target)
    if circle is None:
        return False
    if is_admin(actor):
        return True
    membership = membership_of(actor, circle)
    if membership is not None and membership.status == "banned":
        return False
    if not circle.is_private:
        return True
    return membership is not None and membership.is_active


@policy("circle.create")
def _can_create(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor) and actor.role in ("host", "admin")


@policy("circle.join")
def _can_join(actor: Any, _circle: Circle) -> bool:
    return is_signed_in(actor)


@policy("circle.participate")
def _can_participate(actor: Any, circle: Circle) -> bool:
    """Post and comment: active members (and admins), never in an archived circle."""
    if circle.is_archived:
        return False
    if is_admin(actor):
        return True
    membership = membership_of(actor, circle)
    return membership is not None and membership.is_active


@policy("circle.moderate")
def _can_moderate(actor: Any, circle: Circle) -> bool:
    return is_moderator(actor, circle)


@policy("circle.manage_cohosts")
def _can_manage_cohosts(actor: Any, circle: Circle) -> bool:
    if is_admin(actor):
        return True
    membership = membership_of(actor, circle)
    return membership is not None and membership.is_active and membership.role == "owner"


# --- 透明人 (shadow-mute): the one visibility rule for what shadow-muted members write ------


def is_shadowed(actor: Any, circle: Circle) -> bool:
    """Whether what `actor` writes in `circle` now is shadowed (seen by them and hosts only)."""
    membership = membership_of(actor, circle)
    return membership is not None and membership.shadowed


def can_see_shadowed(actor: Any, circle: Circle | int, author_id: int | None) -> bool:
    """May `actor` see one shadowed post/comment/check-in by `author_id` in `circle`?"""
    if is_signed_in(actor) and actor.id == author_id:
        return True
    target = as_circle(circle)
    return target is not None and is_moderator(actor, target)


def shadow_filter(
    actor: Any,
    circle: Circle | None,
    *,
    shadowed: Any,
    author_id: Any,
    circle_id: Any = None,
) -> ColumnElement[bool]:
    """A WHERE clause hiding shadowed rows from everyone but their author and the hosts.

    Every list of posts, comments and check-ins adds this one clause, so a page costs no
    extra query per row. With `circle` None (the home feed spans circles) pass the rows'
    `circle_id` column: the actor's moderated circles become a subquery.
    """
    if is_admin(actor):
        return true()
    if circle is not None and is_moderator(actor, circle):
        return true()
    if not is_signed_in(actor):
        return shadowed.is_(False)
    allowed = [shadowed.is_(False), author_id == actor.id]
    if circle is None and circle_id is not None:
        moderated = select(Membership.circle_id).where(
            Membership.user_id == actor.id,
            Membership.status == "active",
            Membership.role.in_(HOST_ROLES),
        )
        allowed.append(circle_id.in_(moderated))
    return or_(*allowed)
