"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core import events
from app.posts import handlers as posts

HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    events.CommentCreated: [posts.on_comment_created],
    events.LikeReceived: [posts.on_like_received],
}


def install() -> None:
    events.configure(HANDLERS)
