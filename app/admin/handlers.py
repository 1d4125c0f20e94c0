"""The one tracking handler: domain events -> activity rows (wired in app/wiring.py).

Each event maps to at most one fact; the (kind, ref) key makes a repeated event harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core import events

from .models import CAMPAIGN, CHECKIN, COMMENT, LIKE, ORDER, POST, REGISTER, SIGNIN
from .tracking import Fact, record_activity


def _signed_in(e: events.SignedIn) -> Fact:
    return Fact(e.user_id, SIGNIN, f"signin:{e.user_id}:{e.day.isoformat()}")


def _post(e: events.PostPublished) -> Fact:
    return Fact(e.author_id, POST, f"post:{e.post_id}", e.circle_id, e.post_id)


def _comment(e: events.CommentCreated) -> Fact:
    return Fact(e.author_id, COMMENT, f"comment:{e.comment_id}", e.circle_id, e.comment_id)


def _like(e: events.LikeReceived) -> Fact:
    # The liker is the one who acted (the owner's reward is the points feature's business).
    return Fact(
        e.liker_id, LIKE, f"like:{e.target_kind}:{e.target_id}:{e.liker_id}", e.circle_id, e.target_id
    )


def _checkin(e: events.CheckinRecorded) -> Fact:
    return Fact(e.user_id, CHECKIN, f"checkin:{e.checkin_id}", e.circle_id, e.campaign_id)


def _campaign(e: events.CampaignCompleted) -> Fact:
    return Fact(e.user_id, CAMPAIGN, f"campaign:{e.campaign_id}:{e.user_id}", e.circle_id, e.campaign_id)


def _order(e: events.OrderStatusChanged) -> Fact:
    return Fact(e.user_id, ORDER, f"order:{e.order_id}:{e.status}", None, e.order_id)


def _registered(e: events.UserRegistered) -> Fact:
    return Fact(e.user_id, REGISTER, f"register:{e.user_id}", None, e.invited_by_id)


FACTS: dict[type[events.Event], Callable[[Any], Fact]] = {
    events.SignedIn: _signed_in,
    events.PostPublished: _post,
    events.CommentCreated: _comment,
    events.LikeReceived: _like,
    events.CheckinRecorded: _checkin,
    events.CampaignCompleted: _campaign,
    events.OrderStatusChanged: _order,
    events.UserRegistered: _registered,
}


def on_activity(event: events.Event) -> None:
    """Record what a member did, once, for the dashboard and the lapsing list."""
    build = FACTS.get(type(event))
    if build is not None:
        record_activity(build(event))
