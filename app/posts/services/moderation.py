"""Host actions on posts and comments, the moderation queue, and the circle's audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import User
from app.circles.models import Circle, Membership
from app.core import audit, events
from app.core.db import db, use_case
from app.core.errors import Invalid
from app.core.markdown import plain_excerpt
from app.core.permissions import require
from app.notifications.services import notify, register_kind

from ..models import Comment, Post
from .content import change_post_count, notify_mentions, post_url, went_public
from .flags import Flagged, list_flagged, resolve_reports

POST_ACTIONS = (
    "approve",
    "reject",
    "pin",
    "unpin",
    "feature",
    "unfeature",
    "hide",
    "unhide",
    "delete",
    "dismiss",
)
# approve / reject are for comments held by the sensitive-word list.
COMMENT_ACTIONS = ("approve", "reject", "hide", "unhide", "delete", "dismiss")
# How a host's action resolves the open reports on the content (the reporters' record).
UPHOLDS = ("hide", "delete", "reject")
DISMISSES = ("unhide", "dismiss")

register_kind("post.approved", _l("Your post “%(title)s” was approved"))
register_kind("post.rejected", _l("Your post “%(title)s” was not approved: %(reason)s"))
register_kind("post.featured", _l("Your post “%(title)s” was featured 🎉"))
register_kind("post.hidden", _l("Your post “%(title)s” was hidden by the hosts: %(reason)s"))
register_kind("post.deleted", _l("Your post “%(title)s” was removed by the hosts: %(reason)s"))
register_kind("comment.removed", _l("Your comment was removed by the hosts: %(reason)s"))
register_kind("comment.approved", _l("Your comment was approved and is now visible"))
register_kind("comment.rejected", _l("Your comment was not approved: %(reason)s"))

# comment action -> (statuses it applies to, whether the comment must be held, new status)
_COMMENT_TRANSITIONS: dict[str, tuple[tuple[str, ...], bool | None, str]] = {
    "approve": (("hidden",), True, "visible"),
    "reject": (("hidden",), True, "deleted"),
    "hide": (("visible",), False, "hidden"),
    "unhide": (("hidden",), False, "visible"),
    "delete": (("visible", "hidden"), None, "deleted"),
}

# action -> (statuses it applies to, values it sets)
_TRANSITIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "approve": (("pending",), {"status": "published"}),
    "reject": (("pending",), {"status": "rejected"}),
    "pin": (("published",), {"pin_rank": 1}),
    "unpin": (("published", "hidden"), {"pin_rank": 0}),
    "feature": (("published",), {"is_featured": True}),
    "unfeature": (("published", "hidden"), {"is_featured": False}),
    "hide": (("published",), {"status": "hidden"}),
    "unhide": (("hidden",), {"status": "published"}),
    "delete": (("pending", "published", "hidden", "rejected"), {"status": "deleted"}),
}


def _title(post: Post) -> str:
    return post.title[:30] if post.title else plain_excerpt(post.body, 30)


@use_case
def moderate_post(actor: Any, post: Post, action: str, *, reason: str = "") -> Post:
    """approve / reject / pin / unpin / feature / unfeature / hide / unhide / delete / dismiss, audited.

    Open reports on the post close as upheld (hide, delete, reject) or dismissed (dismiss,
    unhide, approve of a published post): the reporters' record that weighs their next report.
    """
    require(actor, "circle.view_content", post.circle)
    require(actor, "circle.moderate", post.circle)
    if action not in POST_ACTIONS:
        raise Invalid(fields={"action": _l("Unknown action.")})
    reason = (reason or "").strip()[:500]
    if action == "dismiss":
        # "This is fine": the reports close as dismissed and the post stays as it is.
        resolve_reports("post", post.id, "dismissed")
        audit.record(actor, "post.dismiss_reports", post, reason=reason, circle_id=post.circle_id)
        return post
    before = post.status
    statuses, values = _TRANSITIONS[action]
    query = update(Post).where(Post.id == post.id, Post.status.in_(statuses))
    for name, value in values.items():
        # Only a real change counts: featuring twice must not award twice.
        if name != "status":
            query = query.where(getattr(Post, name) != value)
    result = db.session.execute(query.values(**values).execution_options(synchronize_session=False))
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    db.session.refresh(post)
    if action in DISMISSES or (action == "approve" and before == "published"):
        resolve_reports("post", post.id, "dismissed")
    elif action in UPHOLDS:
        # Also confirms an automatic hide: the post stays hidden and the reporters were right.
        resolve_reports("post", post.id, "upheld")
    if changed and post.status != before:
        events.publish(
            events.PostVisibilityChanged(post_id=post.id, circle_id=post.circle_id, status=post.status)
        )
    params: dict[str, str | int] = {"title": _title(post), "reason": reason or "-"}
    url = post_url(post)
    if changed:
        if action == "approve":
            went_public(post)
            notify(post.author_id, "post.approved", actor_id=actor.id, url=url, params=params)
        elif action == "reject":
            events.publish(
                events.PostRemoved(
                    post_id=post.id, author_id=post.author_id, circle_id=post.circle_id, action="reject"
                )
            )
            notify(post.author_id, "post.rejected", actor_id=actor.id, params=params)
        elif action == "feature":
            events.publish(
                events.PostFeatured(
                    post_id=post.id, author_id=post.author_id, circle_id=post.circle_id, actor_id=actor.id
                )
            )
            notify(post.author_id, "post.featured", actor_id=actor.id, url=url, params=params)
        elif action == "hide":
            change_post_count(post.circle_id, -1)
            notify(post.author_id, "post.hidden", actor_id=actor.id, url=url, params=params)
        elif action == "unhide":
            change_post_count(post.circle_id, 1)
        elif action == "delete":
            if before == "published":
                change_post_count(post.circle_id, -1)
            if before in ("published", "hidden"):
                events.publish(
                    events.PostRemoved(
                        post_id=post.id, author_id=post.author_id, circle_id=post.circle_id, action="delete"
                    )
                )
            notify(post.author_id, "post.deleted", actor_id=actor.id, params=params)
    audit.record(actor, f"post.{action}", post, reason=reason, circle_id=post.circle_id)
    return post


@use_case
def moderate_comment(actor: Any, comment: Comment, action: str, *, reason: str = "") -> Comment:
    """approve / reject (held for review), hide / unhide / delete a comment, or dismiss its
    reports, audited (reports resolve as for posts)."""
    circle = db.session.get(Circle, comment.circle_id)
    require(actor, "circle.view_content", circle)
    require(actor, "circle.moderate", circle)
    if action not in COMMENT_ACTIONS:
        raise Invalid(fields={"action": _l("Unknown action.")})
    reason = (reason or "").strip()[:500]
    if action == "dismiss":
        resolve_reports("comment", comment.id, "dismissed")
        audit.record(actor, "comment.dismiss_reports", comment, reason=reason, circle_id=comment.circle_id)
        return comment
    if action not in ("approve", "reject"):
        resolve_reports("comment", comment.id, "upheld" if action in UPHOLDS else "dismissed")
    old, held, new = _COMMENT_TRANSITIONS[action]
    before, was_held = comment.status, comment.is_pending
    query = update(Comment).where(Comment.id == comment.id, Comment.status.in_(old))
    if held is not None:
        query = query.where(Comment.is_pending.is_(held))
    result = db.session.execute(
        query.values(status=new, is_pending=False).execution_options(synchronize_session=False)
    )
    db.session.refresh(comment)
    if result.rowcount:  # type: ignore[attr-defined]
        delta = 1 if new == "visible" else (-1 if before == "visible" else 0)
        if delta:
            db.session.execute(
                update(Post)
                .where(Post.id == comment.post_id)
                .values(comment_count=Post.comment_count + delta)
                .execution_options(synchronize_session=False)
            )
        if action == "approve":
            _publish_held_comment(actor, comment)
        else:
            events.publish(
                events.CommentVisibilityChanged(
                    comment_id=comment.id, post_id=comment.post_id, circle_id=comment.circle_id, status=new
                )
            )
        if action == "reject" or (action == "delete" and was_held):
            notify(comment.author_id, "comment.rejected", actor_id=actor.id, params={"reason": reason or "-"})
        elif action in ("hide", "delete"):
            notify(comment.author_id, "comment.removed", actor_id=actor.id, params={"reason": reason or "-"})
    audit.record(actor, f"comment.{action}", comment, reason=reason, circle_id=comment.circle_id)
    return comment


def _publish_held_comment(actor: Any, comment: Comment) -> None:
    """An approved comment appears as if just written: points, replies and @mentions now."""
    post = db.session.get(Post, comment.post_id)
    if post is None:
        return
    events.publish(
        events.CommentCreated(
            comment_id=comment.id, post_id=post.id, author_id=comment.author_id, circle_id=post.circle_id
        )
    )
    url = post_url(post) + f"#comment-{comment.id}"
    author = db.session.get(User, comment.author_id)
    if not comment.shadowed:  # a shadow-muted member's @mentions reach no one
        notify_mentions(comment.body, actor=author, circle=post.circle, url=url, kind="comment.mention")
    notify(comment.author_id, "comment.approved", actor_id=actor.id, url=url)


@dataclass
class Queue:
    pending_posts: list[Post]
    pending_comments: list[tuple[Comment, Post | None]]
    reports: list[Flagged]
    join_requests: list[Membership]
    members: list[Membership]
    log: list[audit.AuditEntry]
    actors: dict[int, User]


def get_queue(actor: Any, circle: Circle) -> Queue:
    """Everything a host handles on /c/<slug>/manage."""
    require(actor, "circle.view_content", circle)
    require(actor, "circle.moderate", circle)
    pending = list(
        db.session.scalars(
            select(Post)
            .where(Post.circle_id == circle.id, Post.status == "pending")
            .order_by(Post.id)
            .limit(50)
        ).unique()
    )
    held = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.circle_id == circle.id, Comment.is_pending.is_(True), Comment.status == "hidden")
            .order_by(Comment.id)
            .limit(50)
        ).unique()
    )
    held_posts = {c.post_id for c in held}
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(held_posts))).unique()}
    # Heaviest total report weight first: what most trusted members flagged leads.
    rows = list_flagged(circle)
    requests = list(
        db.session.scalars(
            select(Membership)
            .where(Membership.circle_id == circle.id, Membership.status == "pending")
            .order_by(Membership.created_at)
            .limit(100)
        ).unique()
    )
    members = list(
        db.session.scalars(
            select(Membership)
            .where(Membership.circle_id == circle.id, Membership.status.in_(("active", "banned")))
            .order_by(Membership.created_at)
            .limit(200)
        ).unique()
    )
    log = audit.list_entries(circle_id=circle.id, limit=30)
    actor_ids = {e.actor_id for e in log if e.actor_id is not None}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids))).unique()}
    return Queue(
        pending_posts=pending,
        pending_comments=[(c, posts.get(c.post_id)) for c in held],
        reports=rows,
        join_requests=requests,
        members=members,
        log=log,
        actors=actors,
    )
