"""Comments, likes and reports."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.circles.policies import can_see_shadowed, is_moderator, is_shadowed
from app.circles.services import check_can_participate, moderator_ids
from app.core import clock, events
from app.core.db import db, insert_ignoring_conflict, keep_loaded_after_commit, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import is_signed_in, policy, require
from app.notifications.services import notify, register_kind
from app.safety.services import find_sensitive

from ..models import Comment, Like, Post
from . import abuse
from .content import notify_mentions, post_url

MAX_COMMENT = 2000

register_kind("comment.pending", _l("%(actor)s commented in %(circle)s: waiting for your review"))


@policy("post.like")
def _can_like(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


def get_comment(actor: Any, circle_id: int, comment_id: int) -> Comment:
    """A visible comment of a post the actor may see, or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.circle_id != circle_id or comment.status == "deleted":
        raise NotFound()
    post = db.session.get(Post, comment.post_id)
    if post is None:
        raise NotFound()
    require(actor, "post.view", post)
    if comment.shadowed and not can_see_shadowed(actor, post.circle, comment.author_id):
        raise NotFound()
    return comment


@use_case
def create_comment(actor: Any, post: Post, *, body: str, parent_id: int | None = None) -> Comment:
    """Comment on a post, or reply to a comment (replies to replies join the same thread)."""
    keep_loaded_after_commit()  # the view reads the post and the new comment
    require(actor, "post.view", post)
    check_can_participate(actor, post.circle)
    if post.status != "published":
        raise Invalid(_l("This post cannot take comments yet."))
    body = (body or "").strip()
    if not body:
        raise Invalid(fields={"body": _l("Write something first.")})
    if len(body) > MAX_COMMENT:
        raise Invalid(fields={"body": _l("At most %(n)d characters.", n=MAX_COMMENT)})
    parent = None
    if parent_id:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.post_id != post.id or parent.status != "visible":
            raise Invalid(fields={"body": _l("The comment you replied to is gone.")})
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id) or parent
    abuse.check_comment(actor, body=body)
    # Hosts approve their own circle's queue, so their words are not held for it.
    flagged = None if is_moderator(actor, post.circle) else find_sensitive(body)
    comment = Comment(
        post_id=post.id,
        circle_id=post.circle_id,
        author_id=actor.id,
        parent_id=parent.id if parent else None,
        body=body,
        shadowed=is_shadowed(actor, post.circle),
        created_at=clock.now(),
    )
    if flagged:
        return _hold_for_review(actor, post, comment, flagged)
    db.session.add(comment)
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(comment_count=Post.comment_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire(post, ["comment_count"])
    events.publish(
        events.CommentCreated(
            comment_id=comment.id, post_id=post.id, author_id=actor.id, circle_id=post.circle_id
        )
    )
    if not comment.shadowed:  # a shadow-muted member's @mentions reach no one
        notify_mentions(body, actor=actor, circle=post.circle, url=post_url(post), kind="comment.mention")
    return comment


def _hold_for_review(actor: Any, post: Post, comment: Comment, word: str) -> Comment:
    """A sensitive word: the comment waits, hidden, in the hosts' queue (nothing is paid yet)."""
    comment.status, comment.is_pending, comment.flagged_word = "hidden", True, word
    db.session.add(comment)
    db.session.flush()
    for host_id in moderator_ids(post.circle):
        notify(
            host_id,
            "comment.pending",
            actor_id=actor.id,
            url=f"/c/{post.circle.slug}/manage#pending-comments",
            params={"circle": post.circle.name},
        )
    return comment


def _target_model(kind: str) -> type[Post] | type[Comment]:
    return Post if kind == "post" else Comment


def _require_visible(actor: Any, target: Post | Comment) -> None:
    post = target if isinstance(target, Post) else db.session.get(Post, target.post_id)
    if post is None:
        raise NotFound()
    require(actor, "post.view", post)
    if isinstance(target, Comment) and target.status != "visible":
        raise NotFound()
    if (
        isinstance(target, Comment)
        and target.shadowed
        and not can_see_shadowed(actor, post.circle, target.author_id)
    ):
        raise NotFound()


@use_case
def set_like(actor: Any, kind: str, target: Post | Comment, state: bool | None) -> tuple[bool, int]:
    """Like (True), unlike (False) or toggle (None); repeats change nothing. -> (liked, count)."""
    keep_loaded_after_commit()  # the view links to the target
    _require_visible(actor, target)
    require(actor, "post.like", target)
    model = _target_model(kind)
    current = db.session.scalar(
        select(Like.active).where(
            Like.user_id == actor.id, Like.target_kind == kind, Like.target_id == target.id
        )
    )
    wanted = (not current) if state is None else state
    changed = 0
    if wanted:
        # A concurrent like of the same member may get there first: its row is the one.
        first = current is None and insert_ignoring_conflict(
            Like,
            {"user_id": actor.id, "target_kind": kind, "target_id": target.id, "created_at": clock.now()},
            ("user_id", "target_kind", "target_id"),
        )
        if first:
            changed = 1
        else:
            result = db.session.execute(
                update(Like)
                .where(
                    Like.user_id == actor.id,
                    Like.target_kind == kind,
                    Like.target_id == target.id,
                    Like.active.is_(False),
                )
                .values(active=True)
            )
            changed = 1 if result.rowcount else 0  # type: ignore[attr-defined]
        if first and target.author_id != actor.id:
            events.publish(
                events.LikeReceived(
                    target_kind=kind,
                    target_id=target.id,
                    liker_id=actor.id,
                    owner_id=target.author_id,
                    circle_id=target.circle_id,
                )
            )
    else:
        result = db.session.execute(
            update(Like)
            .where(
                Like.user_id == actor.id,
                Like.target_kind == kind,
                Like.target_id == target.id,
                Like.active.is_(True),
            )
            .values(active=False)
        )
        changed = -1 if result.rowcount else 0  # type: ignore[attr-defined]
    if changed:
        count = db.session.scalar(
            update(model)
            .where(model.id == target.id)
            .values(like_count=model.like_count + changed)
            .returning(model.like_count)
            .execution_options(synchronize_session=False)
        )
    else:
        count = db.session.scalar(select(model.like_count).where(model.id == target.id))
    db.session.expire(target, ["like_count"])
    return wanted, int(count or 0)
