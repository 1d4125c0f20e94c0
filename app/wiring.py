"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.admin import handlers as tracking
from app.badges import handlers as badges
from app.badges import rules as badge_rules
from app.core import events
from app.points import handlers as points
from app.posts import handlers as posts
from app.webhooks import handlers as webhooks

# Webhooks come last in every list: they queue what the other handlers let commit.
HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    # UserRegistered pays nothing on purpose: bare sign-ups would be farmed by fake accounts.
    events.UserRegistered: [tracking.on_activity],
    events.ProfileUpdated: [points.on_profile_updated],
    events.CircleJoined: [points.on_circle_joined, webhooks.on_event],
    events.PostPublished: [
        points.on_post_published,
        badges.on_post_published,
        tracking.on_activity,
        webhooks.on_event,
    ],
    events.PostRemoved: [points.on_post_removed],
    events.PostFeatured: [points.on_post_featured, badges.on_post_featured, webhooks.on_event],
    events.CommentCreated: [posts.on_comment_created, points.on_comment_created, tracking.on_activity],
    events.LikeReceived: [posts.on_like_received, points.on_like_received, tracking.on_activity],
    events.CheckinRecorded: [points.on_checkin_recorded, tracking.on_activity, webhooks.on_event],
    events.CampaignCompleted: [
        points.on_campaign_completed,
        badges.on_campaign_completed,
        tracking.on_activity,
        webhooks.on_event,
    ],
    events.SignedIn: [badges.on_signed_in, tracking.on_activity],
    events.TierReached: [badges.on_tier_reached, webhooks.on_event],
    events.BadgeGranted: [webhooks.on_event],
    events.CertificateRevoked: [webhooks.on_event],
    events.OrderStatusChanged: [tracking.on_activity, webhooks.on_event],
    events.ApplicationSubmitted: [webhooks.on_event],
}

# Automatic badge rules: rule -> counter(user_id, circle_id | None) -> current value, each
# provided by the feature that owns the data (e.g. "posts": posts.services.count_published).
BADGE_COUNTERS: dict[str, badge_rules.Counter] = {}

# How badges look circles up (by id, by slug, a member's circles); the circles feature
# provides these. Left unset, circle badges and "show off" find no circles.
BADGE_CIRCLES = badge_rules.CircleDirectory()


def install() -> None:
    events.configure(HANDLERS)
    badge_rules.configure(counters=BADGE_COUNTERS, circles=BADGE_CIRCLES)
