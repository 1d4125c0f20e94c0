"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core import events
from app.points import handlers as points

HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    # UserRegistered pays nothing on purpose: bare sign-ups would be farmed by fake accounts.
    events.ProfileUpdated: [points.on_profile_updated],
    events.CircleJoined: [points.on_circle_joined],
    events.PostPublished: [points.on_post_published],
    events.PostRemoved: [points.on_post_removed],
    events.PostFeatured: [points.on_post_featured],
    events.CommentCreated: [points.on_comment_created],
    events.LikeReceived: [points.on_like_received],
    events.CheckinRecorded: [points.on_checkin_recorded],
    events.CampaignCompleted: [points.on_campaign_completed],
}


def install() -> None:
    events.configure(HANDLERS)
