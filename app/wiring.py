"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core import events
from app.webhooks import handlers as webhooks

# Webhooks come last in every list: they queue what the other handlers let commit.
HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    events.CircleJoined: [webhooks.on_event],
    events.PostPublished: [webhooks.on_event],
    events.PostFeatured: [webhooks.on_event],
    events.CheckinRecorded: [webhooks.on_event],
    events.CampaignCompleted: [webhooks.on_event],
    events.TierReached: [webhooks.on_event],
}


def install() -> None:
    events.configure(HANDLERS)
