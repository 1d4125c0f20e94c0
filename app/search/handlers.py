"""Domain events -> the search queue (wired in app/wiring.py; runs in the publisher's transaction).

Each handler only queues the document; it is indexed after the commit (see indexer.py).
"""

from __future__ import annotations

from app.core import events

from . import indexer


def on_post_changed(
    event: events.PostPublished | events.PostRemoved | events.PostEdited | events.PostVisibilityChanged,
) -> None:
    """A post appeared, changed or went away: its entry (and its comments') follow."""
    indexer.enqueue("post", event.post_id)


def on_comment_changed(event: events.CommentCreated | events.CommentVisibilityChanged) -> None:
    """A comment appeared, was hidden, shown again or deleted."""
    indexer.enqueue("comment", event.comment_id)
