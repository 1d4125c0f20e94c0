"""Notifications -> emails. Wired in `app/wiring.py`; runs in the notifying use case's transaction.

Only kinds listed in `KIND_CATEGORIES` are emailed (likes, points and welcomes stay in-app).
The message is rendered now, in the member's language, and queued in the mail outbox: it is
sent by the worker after the commit, and never if the use case rolls back.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from app.accounts.models import User
from app.core import events
from app.core.db import db
from app.notifications.services import render_text

from . import services
from .compose import absolute, compose
from .models import MailMessage, MailPreference

KIND_CATEGORIES: dict[str, str] = {
    # Replies and mentions
    "post.commented": "replies",
    "comment.replied": "replies",
    "post.mention": "replies",
    "comment.mention": "replies",
    "checkin.commented": "replies",
    "checkin.reviewed": "replies",
    # Moderation: outcomes for authors and members, and work waiting for hosts
    "post.approved": "moderation",
    "post.rejected": "moderation",
    "post.featured": "moderation",
    "post.hidden": "moderation",
    "post.deleted": "moderation",
    "comment.removed": "moderation",
    "checkin.recommended": "moderation",
    "post.pending": "moderation",
    "circle.join_request": "moderation",
    "circle.join_approved": "moderation",
    "circle.join_rejected": "moderation",
    "circle.muted": "moderation",
    "circle.banned": "moderation",
    "circle.cohost": "moderation",
    "application.approved": "moderation",
    "application.rejected": "moderation",
    # Badges, certificates and tiers
    "badge.granted": "badges",
    "badge.certificate": "badges",
    "tier.reached": "badges",
    # Store orders
    "order.pending": "orders",
    "order.done": "orders",
    "order.shipped": "orders",
    "order.cancelled": "orders",
}


def on_notification_created(event: events.NotificationCreated) -> None:
    """Queue the email twin of a notification when its category is on for the member."""
    category = KIND_CATEGORIES.get(event.kind)
    if category is None or not services.is_enabled():
        return
    user = db.session.get(User, event.user_id)
    if user is None or not user.email or user.is_banned:
        return
    preferences = services.get_preferences(user.id)
    if not preferences.allows(category):
        return
    actor = db.session.get(User, event.actor_id) if event.actor_id is not None else None
    actor_name = actor.name if actor is not None else None

    def text() -> str:
        return render_text(event.kind, actor_name, event.params)

    message = compose(
        "notification",
        user=user,
        category=category,
        language=preferences.language,
        subject=text,
        link=absolute(event.url) if event.url else absolute("/notifications"),
        link_label=_l("Open it on the site"),
    )
    services.queue(user, category, message)


def on_account_deleted(event: events.AccountDeleted) -> None:
    """A deleted member's address and the emails rendered for them go; nothing is sent later."""
    db.session.execute(delete(MailMessage).where(MailMessage.user_id == event.user_id))
    db.session.execute(delete(MailPreference).where(MailPreference.user_id == event.user_id))
