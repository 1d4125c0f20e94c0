"""Feeds: a circle's tabs and the home feed of my circles, by keyset, in constant queries."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import product
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, union_all

from app.circles.models import HOST_ROLES, Circle, Membership
from app.circles.policies import shadow_filter
from app.core.db import db
from app.core.errors import Invalid
from app.core.pagination import Page, decode_cursor, keyset
from app.core.permissions import is_admin, is_signed_in, require
from app.safety.services import not_blocked_by

from ..models import Comment, Like, Post, PostTag

TABS = ("latest", "featured", "materials", "checkins")
PAGE_SIZE = 20


def circle_feed(
    actor: Any,
    circle: Circle,
    *,
    tab: str = "latest",
    tag: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page[Post]:
    """One page of a circle's tab (pinned first on "latest"): always the same two SELECTs."""
    require(actor, "circle.view_content", circle)
    if tab not in TABS:
        raise Invalid("unknown tab")
    if tab == "checkins":
        # Check-ins have their own table and arrive with campaigns.
        return Page(items=[], next_cursor=None)
    query = select(Post).where(
        Post.circle_id == circle.id,
        Post.status == "published",
        not_blocked_by(actor, Post.author_id),
        shadow_filter(actor, circle, shadowed=Post.shadowed, author_id=Post.author_id),
    )
    if tab == "featured":
        query = query.where(Post.is_featured.is_(True))
    elif tab == "materials":
        query = query.where(Post.is_material.is_(True))
    if tag:
        query = query.where(
            Post.id.in_(select(PostTag.post_id).where(PostTag.circle_id == circle.id, PostTag.tag == tag))
        )
    if tab == "latest" and not tag:
        return keyset(query, [(Post.pin_rank, True), (Post.id, True)], cursor=cursor, limit=limit)
    return keyset(query, [(Post.id, True)], cursor=cursor, limit=limit)


def home_feed(actor: Any, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page[Post]:
    """Newest posts from the circles the actor belongs to, in two SELECTs at any size.

    Each circle's newest `limit + 1` ids come from the circle feed's index, one range per
    (circle, pinned or not) so each is already in id order, and the page is the newest of
    those: the database never sorts a circle's whole history, however many posts it has.
    """
    if not is_signed_in(actor):
        return Page(items=[], next_cursor=None)
    rows = db.session.execute(
        select(Membership.circle_id, Membership.role)
        .where(Membership.user_id == actor.id, Membership.status == "active")
        .order_by(Membership.circle_id)
    ).all()
    if not rows:
        return Page(items=[], next_cursor=None)
    before = decode_cursor(cursor, [int])[0] if cursor else None
    hosts = is_admin(actor)
    branches = []
    for (circle_id, role), pin_rank in product(rows, (0, 1)):
        ids = select(Post.id).where(
            Post.circle_id == circle_id,
            Post.status == "published",
            Post.pin_rank == pin_rank,
            not_blocked_by(actor, Post.author_id),
        )
        if not (hosts or role in HOST_ROLES):
            ids = ids.where(or_(Post.shadowed.is_(False), Post.author_id == actor.id))
        if before is not None:
            ids = ids.where(Post.id < before)
        newest = ids.order_by(Post.id.desc()).limit(limit + 1).subquery()
        branches.append(select(newest.c.id))
    candidates = union_all(*branches)
    query = select(Post).where(Post.id.in_(candidates))
    return keyset(query, [(Post.id, True)], cursor=cursor, limit=limit)


def liked_ids(actor: Any, kind: str, ids: Iterable[int]) -> set[int]:
    """Which of these posts/comments the actor likes (one query for a whole page)."""
    wanted = list(ids)
    if not wanted or not is_signed_in(actor):
        return set()
    query = select(Like.target_id).where(
        Like.user_id == actor.id,
        Like.target_kind == kind,
        Like.target_id.in_(wanted),
        Like.active.is_(True),
    )
    return set(db.session.scalars(query))


def list_comments(actor: Any, post: Post, *, moderator: bool = False) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments with their replies, oldest first (one query).

    Hosts also see hidden ones and those held for review; an author sees their own held
    comments; nobody sees comments of members they blocked.
    """
    statuses = ("visible", "hidden") if moderator else ("visible",)
    shown: ColumnElement[bool] = Comment.status.in_(statuses)
    if is_signed_in(actor) and not moderator:
        own_held = and_(
            Comment.author_id == actor.id, Comment.is_pending.is_(True), Comment.status == "hidden"
        )
        shown = or_(shown, own_held)
    query = (
        select(Comment)
        .where(
            Comment.post_id == post.id,
            shown,
            not_blocked_by(actor, Comment.author_id),
            shadow_filter(actor, post.circle, shadowed=Comment.shadowed, author_id=Comment.author_id),
        )
        .order_by(Comment.id)
        .limit(1000)
    )
    rows = list(db.session.scalars(query).unique())
    replies: dict[int, list[Comment]] = {}
    for row in rows:
        if row.parent_id is not None:
            replies.setdefault(row.parent_id, []).append(row)
    return [(row, replies.get(row.id, [])) for row in rows if row.parent_id is None]
