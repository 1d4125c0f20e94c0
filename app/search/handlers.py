"""Domain events -> the search queue (wired in app/wiring.py; runs in the publisher's transaction).

Each handler only queues the document; it is indexed after the commit (see indexer.py).
"""

from __future__ import annotations

from sqlalchemy import select

from app.core import events
from app.core.db import db
from app.posts.models import Comment, Post

from . import indexer


def on_post_changed(
    event: events.PostPublished | events.PostRemoved | events.PostEdited | events.PostVisibilityChanged,
) -> None:
    """A post appeared, changed or went away: its entry (and its comments') follow."""
    indexer.enqueue("post", event.post_id)


def on_comment_changed(event: events.CommentCreated | events.CommentVisibilityChanged) -> None:
    """A comment appeared, was hidden, shown again or deleted."""
    indexer.enqueue("comment", event.comment_id)


def on_account_deleted(event: events.AccountDeleted) -> None:
    """The author's name is part of every entry they wrote: queue them all again."""
    for post_id in db.session.scalars(select(Post.id).where(Post.author_id == event.user_id)):
        indexer.enqueue("post", post_id)
    for comment_id in db.session.scalars(select(Comment.id).where(Comment.author_id == event.user_id)):
        indexer.enqueue("comment", comment_id)
