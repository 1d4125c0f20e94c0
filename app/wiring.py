"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.badges import handlers as badges
from app.badges import rules as badge_rules
from app.core import events

HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    events.PostPublished: [badges.on_post_published],
    events.PostFeatured: [badges.on_post_featured],
    events.SignedIn: [badges.on_signed_in],
    events.TierReached: [badges.on_tier_reached],
    events.CampaignCompleted: [badges.on_campaign_completed],
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
