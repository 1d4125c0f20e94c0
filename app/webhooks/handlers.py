"""Domain events -> webhook events. Wired in `app/wiring.py`; runs in the publisher's transaction.

To publish a new domain event as a webhook, add it to `EVENT_NAMES` below and list
`webhooks.handlers.on_event` (last) for it in `app/wiring.py`. Until a feature has its own
event, it may call `services.enqueue(name, data)` directly inside its use case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from app.core import events

from . import services


def _order_event_name(event: events.OrderStatusChanged) -> str:
    # Orders start pending (physical) or done (everything else); later moves ship or cancel.
    return {"shipped": "order.shipped", "cancelled": "order.cancelled"}.get(event.status, "order.placed")


EVENT_NAMES: dict[type[events.Event], str | Callable[[Any], str]] = {
    events.CircleJoined: "member.joined",
    events.PostPublished: "post.published",
    events.PostFeatured: "post.featured",
    events.CheckinRecorded: "checkin.recorded",
    events.CampaignCompleted: "campaign.completed",
    events.TierReached: "tier.reached",
    events.BadgeGranted: "badge.granted",
    events.CertificateRevoked: "certificate.revoked",
    events.OrderStatusChanged: _order_event_name,
    events.ApplicationSubmitted: "application.submitted",
}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def event_data(event: events.Event) -> dict[str, Any]:
    """The event's own fields (ids and plain values) as the payload's `data`."""
    if not dataclasses.is_dataclass(event):
        return {}
    return {f.name: _json_value(getattr(event, f.name)) for f in dataclasses.fields(event)}


def on_event(event: events.Event) -> None:
    """Queue a delivery per subscribed endpoint for a mapped domain event."""
    mapped = EVENT_NAMES.get(type(event))
    name = mapped(event) if callable(mapped) else mapped
    if name is not None:
        services.enqueue(name, event_data(event))
