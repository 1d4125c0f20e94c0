"""Anti-abuse for new accounts: rate limits, link/image caps, duplicate posts.

A refusal is `Invalid` so the form comes back with the member's text and a clear message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import clock
from app.core.db import db
from app.core.errors import Invalid

from ..models import Comment, Post
from .text import count_links

# (limit for accounts younger than a day, limit for everyone else) per hour.
DEFAULTS: dict[str, Any] = {
    "QUANZI_POSTS_PER_HOUR": (3, 20),
    "QUANZI_COMMENTS_PER_HOUR": (10, 120),
    "QUANZI_NEW_ACCOUNT_MAX_LINKS": 2,
    "QUANZI_NEW_ACCOUNT_MAX_IMAGES": 3,
}


def _setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


def is_new_account(user: Any) -> bool:
    return bool(user.created_at > clock.now() - timedelta(days=1))


def _recent(model: type[Post] | type[Comment], author_id: int, since: Any) -> int:
    query = (
        select(func.count()).select_from(model).where(model.author_id == author_id, model.created_at > since)
    )
    return int(db.session.scalar(query) or 0)


def check_post(actor: Any, *, body: str, title: str, image_count: int) -> None:
    """Refuse a post that breaks the new-account caps, the rate limit, or repeats itself."""
    new = is_new_account(actor)
    if new and count_links(body + " " + title) > _setting("QUANZI_NEW_ACCOUNT_MAX_LINKS"):
        raise Invalid(
            fields={
                "body": _l(
                    "New accounts can include at most %(n)d links in a post.",
                    n=_setting("QUANZI_NEW_ACCOUNT_MAX_LINKS"),
                )
            }
        )
    if new and image_count > _setting("QUANZI_NEW_ACCOUNT_MAX_IMAGES"):
        raise Invalid(
            fields={
                "images": _l(
                    "New accounts can add at most %(n)d pictures to a post.",
                    n=_setting("QUANZI_NEW_ACCOUNT_MAX_IMAGES"),
                )
            }
        )
    now = clock.now()
    limit = _setting("QUANZI_POSTS_PER_HOUR")[0 if new else 1]
    if _recent(Post, actor.id, now - timedelta(hours=1)) >= limit:
        raise Invalid(_l("You are posting too fast. Take a break and try again in a while."))
    duplicate = db.session.scalar(
        select(Post.id)
        .where(
            Post.author_id == actor.id,
            Post.created_at > now - timedelta(days=1),
            Post.body == body,
            Post.title == title,
            Post.status != "deleted",
        )
        .limit(1)
    )
    if duplicate is not None:
        raise Invalid(_l("You already posted this. Edit the earlier post instead of posting it again."))


def check_comment(actor: Any, *, body: str) -> None:
    """Refuse a comment over the rate limit or the new-account link cap."""
    new = is_new_account(actor)
    if new and count_links(body) > _setting("QUANZI_NEW_ACCOUNT_MAX_LINKS"):
        raise Invalid(
            fields={
                "body": _l(
                    "New accounts can include at most %(n)d links in a comment.",
                    n=_setting("QUANZI_NEW_ACCOUNT_MAX_LINKS"),
                )
            }
        )
    limit = _setting("QUANZI_COMMENTS_PER_HOUR")[0 if new else 1]
    if _recent(Comment, actor.id, clock.now() - timedelta(hours=1)) >= limit:
        raise Invalid(fields={"body": _l("You are commenting too fast. Please wait a little.")})
