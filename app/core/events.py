"""Domain events: frozen dataclasses in the past tense, and the one way to publish them.

Who reacts to what is declared in `app/wiring.py` (the only cross-feature mechanism).
Handlers run in the publisher's transaction, in the order the table lists them, and must be
idempotent; an exception rolls the whole use case back. Effects outside the database go
through `after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.core.db import on_commit

Handler = Callable[[Any], None]

_table: dict[type, tuple[Handler, ...]] = {}


class Event:
    """Base class of every domain event."""


def configure(table: Mapping[type, Sequence[Handler]]) -> None:
    """Install the event table (called once by the app factory with `app.wiring.HANDLERS`)."""
    for event_type in table:
        if not (isinstance(event_type, type) and issubclass(event_type, Event)):
            raise TypeError(f"{event_type!r} is not an Event")
    _table.clear()
    _table.update({event_type: tuple(handlers) for event_type, handlers in table.items()})


def handlers_for(event_type: type) -> tuple[Handler, ...]:
    return _table.get(event_type, ())


def publish(event: Event) -> None:
    """Run every handler wired to this event's type, in order, in the caller's transaction."""
    for handler in _table.get(type(event), ()):
        handler(event)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` after the current use case commits; dropped if it rolls back."""
    on_commit(callback)


# --- The events. Publishers import them from here; wiring.py maps them to handlers. --------


@dataclass(frozen=True)
class UserRegistered(Event):
    user_id: int
    invited_by_id: int | None = None


@dataclass(frozen=True)
class ProfileUpdated(Event):
    user_id: int


@dataclass(frozen=True)
class AccountDeleted(Event):
    """A member deleted their account: their name is gone, their content stays anonymous."""

    user_id: int


@dataclass(frozen=True)
class CircleJoined(Event):
    user_id: int
    circle_id: int


@dataclass(frozen=True)
class PostPublished(Event):
    """A post became visible in its circle (created without review, or approved)."""

    post_id: int
    author_id: int
    circle_id: int
    kind: str = "post"


@dataclass(frozen=True)
class PostRemoved(Event):
    """Moderation took a post away (rejected or deleted); what it earned is reversed."""

    post_id: int
    author_id: int
    circle_id: int
    action: str


@dataclass(frozen=True)
class PostFeatured(Event):
    post_id: int
    author_id: int
    circle_id: int
    actor_id: int


@dataclass(frozen=True)
class CommentCreated(Event):
    comment_id: int
    post_id: int
    author_id: int
    circle_id: int


@dataclass(frozen=True)
class LikeReceived(Event):
    """Someone (never the owner) liked a post, comment or check-in for the first time."""

    target_kind: str
    target_id: int
    liker_id: int
    owner_id: int
    circle_id: int


@dataclass(frozen=True)
class SignedIn(Event):
    user_id: int
    day: date
    streak: int


@dataclass(frozen=True)
class CheckinRecorded(Event):
    checkin_id: int
    user_id: int
    campaign_id: int
    circle_id: int
    day: date
    # The campaign's points_per_checkin: the check-in rule pays this (times the tier multiplier).
    points: int


@dataclass(frozen=True)
class CampaignCompleted(Event):
    user_id: int
    campaign_id: int
    circle_id: int
    # The campaign's completion_points, paid once per run.
    points: int
    # The run completed (weekly campaigns pay once per run) and the campaign's badge, if any.
    run_id: int | None = None
    badge_id: int | None = None
    # Named in the badge's reason (the certificate says what it was earned for).
    campaign_title: str = ""


@dataclass(frozen=True)
class TierReached(Event):
    user_id: int
    tier_id: int


@dataclass(frozen=True)
class OrderStatusChanged(Event):
    """A store order was placed or moved (pending, shipped, cancelled, done): tell the member."""

    order_id: int
    user_id: int
    status: str


@dataclass(frozen=True)
class PointsAwarded(Event):
    """An earning at or above the notification threshold (small daily earnings stay quiet)."""

    user_id: int
    delta: int
    reason: str


@dataclass(frozen=True)
class BadgeGranted(Event):
    """A member received a badge (manually, by a rule, or for a campaign)."""

    badge_id: int
    user_id: int
    award_id: int


@dataclass(frozen=True)
class CertificateRevoked(Event):
    certificate_id: int
    user_id: int


@dataclass(frozen=True)
class PostEdited(Event):
    """The author changed a post's title, body, tags or files."""

    post_id: int
    author_id: int
    circle_id: int


@dataclass(frozen=True)
class PostVisibilityChanged(Event):
    """A post's status moved (approved, rejected, hidden, shown again, deleted)."""

    post_id: int
    circle_id: int
    status: str


@dataclass(frozen=True)
class CommentVisibilityChanged(Event):
    """A comment was hidden, shown again or deleted."""

    comment_id: int
    post_id: int
    circle_id: int
    status: str


@dataclass(frozen=True)
class ApplicationSubmitted(Event):
    """A member sent a KOC host application (达人招募) for admins to review."""

    application_id: int
    user_id: int


@dataclass(frozen=True)
class CheckinCommented(Event):
    """A member commented on a check-in (not a post comment: no `CommentCreated`)."""

    comment_id: int
    checkin_id: int
    author_id: int
    owner_id: int
    circle_id: int


@dataclass(frozen=True)
class NotificationCreated(Event):
    """A new in-app notification row for `user_id` (a grouped bump of an unread one is not new)."""

    user_id: int
    kind: str
    actor_id: int | None = None
    url: str = ""
    params: Mapping[str, str | int] = field(default_factory=dict, hash=False)
