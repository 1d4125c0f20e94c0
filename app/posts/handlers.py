"""Notifications for replies and likes (wired in app/wiring.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import events
from app.core.db import db
from app.core.markdown import plain_excerpt
from app.notifications.services import notify, register_kind

from .models import Comment, Post
from .services.content import post_url

register_kind("post.commented", _l("%(actor)s commented on your post “%(title)s”"))
register_kind("comment.replied", _l("%(actor)s replied to your comment"))
register_kind("post.liked", _l("%(actor)s liked your post “%(title)s”"))
register_kind("comment.liked", _l("%(actor)s liked your comment"))


def _short(post: Post) -> str:
    return post.title[:24] if post.title else plain_excerpt(post.body, 24)


def on_comment_created(event: events.CommentCreated) -> None:
    """The post's author hears about comments; a replied-to member hears about replies."""
    comment = db.session.get(Comment, event.comment_id)
    post = db.session.get(Post, event.post_id)
    if comment is None or post is None or comment.shadowed:
        return  # a shadow-muted member's comments reach no one
    url = post_url(post) + f"#comment-{comment.id}"
    told: set[int] = set()
    if comment.parent_id is not None:
        parent = db.session.get(Comment, comment.parent_id)
        if parent is not None:
            notify(parent.author_id, "comment.replied", actor_id=event.author_id, url=url)
            told.add(parent.author_id)
    if post.author_id not in told:
        notify(
            post.author_id,
            "post.commented",
            actor_id=event.author_id,
            url=url,
            params={"title": _short(post)},
        )


def on_like_received(event: events.LikeReceived) -> None:
    """Likes are grouped per target: "张三 and 5 others liked your post"."""
    if event.target_kind == "post":
        post = db.session.get(Post, event.target_id)
        if post is None:
            return
        notify(
            event.owner_id,
            "post.liked",
            actor_id=event.liker_id,
            url=post_url(post),
            params={"title": _short(post)},
            group_key=f"like:post:{post.id}",
        )
    elif event.target_kind == "comment":
        comment = db.session.get(Comment, event.target_id)
        post = db.session.get(Post, comment.post_id) if comment else None
        if comment is None or post is None:
            return
        notify(
            event.owner_id,
            "comment.liked",
            actor_id=event.liker_id,
            url=post_url(post) + f"#comment-{comment.id}",
            group_key=f"like:comment:{comment.id}",
        )
