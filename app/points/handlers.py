"""What earns points: reactions to other features' events (wired in app/wiring.py).

Every award carries an idempotency key naming its cause, so a repeated event never pays twice;
a `reference` ties what a post earned together so that moderation can take it back.
"""

from __future__ import annotations

from app.accounts.models import User
from app.core import events
from app.core.db import db

from .ledger import award_points, reverse_reference
from .tasks import complete_task


def on_post_published(event: events.PostPublished) -> None:
    reference = f"post:{event.post_id}"
    award_points(event.author_id, rule="post", idempotency_key=reference, reference=reference)
    complete_task(event.author_id, "first_post", reference=reference)


def on_post_removed(event: events.PostRemoved) -> None:
    reverse_reference(event.author_id, reference=f"post:{event.post_id}", reason=event.action)


def on_post_featured(event: events.PostFeatured) -> None:
    award_points(
        event.author_id,
        rule="featured",
        idempotency_key=f"featured:{event.post_id}",
        reference=f"post:{event.post_id}",
    )


def on_comment_created(event: events.CommentCreated) -> None:
    reference = f"comment:{event.comment_id}"
    award_points(event.author_id, rule="comment", idempotency_key=reference, reference=reference)


def on_checkin_commented(event: events.CheckinCommented) -> None:
    reference = f"checkin_comment:{event.comment_id}"
    award_points(event.author_id, rule="comment", idempotency_key=reference, reference=reference)


def on_like_received(event: events.LikeReceived) -> None:
    # One key per (thing, liker): unlike and like again finds the key used and pays nothing.
    if event.liker_id == event.owner_id:
        return
    award_points(
        event.owner_id,
        rule="like",
        idempotency_key=f"like:{event.target_kind}:{event.target_id}:{event.liker_id}",
        reference=f"{event.target_kind}:{event.target_id}",
    )


def on_circle_joined(event: events.CircleJoined) -> None:
    complete_task(event.user_id, "join_circle")


def on_profile_updated(event: events.ProfileUpdated) -> None:
    user = db.session.get(User, event.user_id)
    if user is not None and user.display_name.strip() and user.bio.strip() and user.avatar_id:
        complete_task(user.id, "complete_profile")


def on_checkin_recorded(event: events.CheckinRecorded) -> None:
    reference = f"checkin:{event.checkin_id}"
    award_points(
        event.user_id, rule="checkin", idempotency_key=reference, points=event.points, reference=reference
    )
    complete_task(event.user_id, "first_checkin", reference=reference)
    user = db.session.get(User, event.user_id)
    # The inviter earns (once: the key) when the invitee first checks in, never on bare
    # sign-up, which fake accounts could farm.
    if user is not None and user.invited_by_id:
        award_points(
            user.invited_by_id,
            rule="invite",
            idempotency_key=f"invite:{user.id}",
            reference=f"user:{user.id}",
        )


def campaign_key(event: events.CampaignCompleted) -> str:
    """The ledger key of a completion: once per run (weekly campaigns complete every week)."""
    if event.run_id is None:
        return f"campaign:{event.campaign_id}:{event.user_id}"
    return f"campaign:{event.campaign_id}:run:{event.run_id}:{event.user_id}"


def on_campaign_completed(event: events.CampaignCompleted) -> None:
    award_points(
        event.user_id,
        rule="campaign",
        idempotency_key=campaign_key(event),
        points=event.points,
        reference=f"campaign:{event.campaign_id}",
    )
