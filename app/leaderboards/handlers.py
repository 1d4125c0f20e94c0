"""Keeping the rollups: event handlers add to `leaderboard_day`, `leaderboard_period` and
`leaderboard_total` in the event's transaction.

Each credit is keyed (`leaderboard_credit`), so a repeated event never counts twice. Points
per circle and campaign come from the ledger row the points handler just wrote for the same
cause (`paid_under`: kept from the write itself, else one indexed row by its unique key).
"""

from __future__ import annotations

from datetime import date

from app.accounts.models import User
from app.checkins import services as checkins
from app.core import clock, events
from app.core.db import add_to_rollup, db, insert_ignoring_conflict
from app.points.handlers import campaign_key
from app.points.ledger import paid_under

from .models import CAMPAIGN, CIRCLE, SITE, BoardCredit, BoardDay, BoardPeriod, BoardTotal

METRICS = ("points", "checkins", "likes", "invites")


def _credit(key: str) -> bool:
    """Claim `key`; False when it was already counted."""
    return insert_ignoring_conflict(BoardCredit, {"key": key}, ("key",))


def _add_scopes(scopes: list[tuple[str, int]], user_id: int, day: date, metric: str, amount: int) -> None:
    """`metric += amount` on the member's rows in every one of `scopes` for the day, its week,
    its month and all time: one race-safe upsert per table."""
    if metric not in METRICS:
        raise ValueError(metric)
    for scope, scope_id in scopes:
        owner = {"scope": scope, "scope_id": scope_id, "user_id": user_id}
        add_to_rollup(BoardDay, {**owner, "day": day}, **{metric: amount})
        for period, starts_on in clock.periods_of(day):
            period_keys = {**owner, "period": period, "starts_on": starts_on}
            add_to_rollup(BoardPeriod, period_keys, **{metric: amount})
        add_to_rollup(BoardTotal, owner, **{metric: amount})


def _credit_points(key: str, scopes: list[tuple[str, int]]) -> None:
    """Add what the ledger paid under `key` to circle/campaign boards (site: points_daily)."""
    earned = paid_under(key)
    if earned is None or not _credit(f"points:{key}"):
        return
    user_id, delta, day = earned
    _add_scopes(scopes, user_id, day, "points", delta)


def _campaign_of(target_kind: str, target_id: int) -> int | None:
    if target_kind != "checkin":
        return None
    checkin = checkins.get_checkin_by_id(target_id)
    return checkin.campaign_id if checkin else None


def on_checkin_recorded(event: events.CheckinRecorded) -> None:
    scopes = [(CIRCLE, event.circle_id), (CAMPAIGN, event.campaign_id)]
    if _credit(f"checkin:{event.checkin_id}"):
        _add_scopes([(SITE, 0), *scopes], event.user_id, event.day, "checkins", 1)
    _credit_points(f"checkin:{event.checkin_id}", scopes)
    user = db.session.get(User, event.user_id)
    # An invitee's first check-in counts once for the inviter, on the day of that check-in.
    if user is not None and user.invited_by_id and _credit(f"invite:{user.id}"):
        _add_scopes([(SITE, 0), *scopes], user.invited_by_id, event.day, "invites", 1)


def on_campaign_completed(event: events.CampaignCompleted) -> None:
    _credit_points(campaign_key(event), [(CIRCLE, event.circle_id), (CAMPAIGN, event.campaign_id)])


def on_like_received(event: events.LikeReceived) -> None:
    if event.liker_id == event.owner_id:
        return
    key = f"like:{event.target_kind}:{event.target_id}:{event.liker_id}"
    scopes: list[tuple[str, int]] = [(CIRCLE, event.circle_id)]
    campaign_id = _campaign_of(event.target_kind, event.target_id)
    if campaign_id is not None:
        scopes.append((CAMPAIGN, campaign_id))
    if _credit(key):
        _add_scopes([(SITE, 0), *scopes], event.owner_id, clock.today(), "likes", 1)
    _credit_points(key, scopes)


def on_post_published(event: events.PostPublished) -> None:
    _credit_points(f"post:{event.post_id}", [(CIRCLE, event.circle_id)])


def on_post_featured(event: events.PostFeatured) -> None:
    _credit_points(f"featured:{event.post_id}", [(CIRCLE, event.circle_id)])


def on_comment_created(event: events.CommentCreated) -> None:
    _credit_points(f"comment:{event.comment_id}", [(CIRCLE, event.circle_id)])
