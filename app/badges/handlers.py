"""Automatic badge rules, evaluated on the event that can satisfy them (never by polling).

Each handler asks the one evaluator (`services.evaluate_rule`) about just the affected
member; `flask badges backfill` asks the same evaluator about everyone.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts.models import User
from app.core import events
from app.core.db import db

from . import services
from .models import Badge


def on_post_published(event: events.PostPublished) -> None:
    services.evaluate_rule("posts", event.author_id, circle_id=event.circle_id)


def on_post_featured(event: events.PostFeatured) -> None:
    services.evaluate_rule("featured_posts", event.author_id, circle_id=event.circle_id)


def on_signed_in(event: events.SignedIn) -> None:
    services.evaluate_rule("signin_streak", event.user_id)


def on_tier_reached(event: events.TierReached) -> None:
    services.evaluate_rule("tier", event.user_id)


def on_campaign_completed(event: events.CampaignCompleted) -> None:
    """The campaign's own badge (with a certificate), then the `campaign_completed` rules."""
    if event.badge_id is not None:
        badge = db.session.get(Badge, event.badge_id)
        user = db.session.get(User, event.user_id)
        if badge is not None and user is not None:
            # Stored once, in the site's language: certificates are printed in it.
            reason = ""
            if event.campaign_title:
                with force_locale("zh"):
                    reason = _("Completed the check-in campaign “%(title)s”", title=event.campaign_title)
            services.grant_badge(badge, user, actor=None, reason=reason, source="campaign", certificate=True)
    services.evaluate_rule("campaign_completed", event.user_id, circle_id=event.circle_id)
