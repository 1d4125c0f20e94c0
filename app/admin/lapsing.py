"""Lapsing members (流失预警) and win-back sends (流失召回).

A member is lapsing when they were active in the LOOKBACK days before the silent window and
have done nothing for the last `silent_days` days. A win-back send notifies chosen lapsing
members, optionally with a points gift or a store item, once per member per send: the
(send, member) primary key and the form's `request_id` make a double submit harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import audit, clock
from app.core.db import db, insert_ignoring_conflict, use_case
from app.core.errors import Invalid
from app.core.permissions import require
from app.notifications.services import notify, register_kind
from app.points.ledger import award_points
from app.points.models import Tier
from app.store.fulfilment import grant_prize
from app.store.models import StoreItem

from .models import SITE, ActivityLastDay, WinbackCampaign, WinbackRecipient

LOOKBACK = 30
MAX_LIST = 200
SILENT_CHOICES = (3, 7, 14, 30)

register_kind("winback.message", _l("%(message)s"))
register_kind("winback.gift", _l("%(message)s (a gift of %(points)s points is in your account)"))


@dataclass(frozen=True)
class Lapsing:
    user: User
    last_day: date
    tier: Tier | None
    last_winback: datetime | None

    @property
    def silent_for(self) -> int:
        return (clock.today() - self.last_day).days


def _lapsing_ids(silent_days: int) -> Any:
    # A member's latest active day (their site row) falls in the lookback before the silence.
    # The scope is inlined, not bound: the planner then knows ix_activity_last_day_site applies.
    today = clock.today()
    return (
        select(ActivityLastDay.user_id.label("user_id"), ActivityLastDay.day.label("last_day"))
        .where(
            ActivityLastDay.scope == literal(SITE, literal_execute=True),
            ActivityLastDay.day > today - timedelta(days=silent_days + LOOKBACK),
            ActivityLastDay.day <= today - timedelta(days=silent_days),
        )
        .subquery()
    )


def _listed(lapsing: Any, *columns: Any) -> Any:
    return (
        select(*columns)
        .join(lapsing, lapsing.c.user_id == User.id)
        .where(User.is_banned.is_(False), User.role != "admin")
    )


def list_lapsing(actor: Any, *, silent_days: int = 7, limit: int = MAX_LIST) -> list[Lapsing]:
    """Members silent for `silent_days` after being active before, most recently active first."""
    require(actor, "admin.access")
    lapsing = _lapsing_ids(silent_days)
    tier_threshold = (
        select(func.max(Tier.threshold))
        .where(Tier.threshold <= User.growth)
        .correlate(User)
        .scalar_subquery()
    )
    # Per listed member, on ix_winback_recipient_user: never a pass over every send.
    contacted = (
        select(func.max(WinbackRecipient.created_at))
        .where(WinbackRecipient.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    query = (
        _listed(lapsing, User, lapsing.c.last_day, tier_threshold, contacted)
        .order_by(lapsing.c.last_day.desc(), User.id)
        .limit(limit)
    )
    tiers = {t.threshold: t for t in db.session.scalars(select(Tier))}
    return [
        Lapsing(user, last_day, tiers.get(threshold) if threshold is not None else None, at)
        for user, last_day, threshold, at in db.session.execute(query)
    ]


def count_lapsing(actor: Any, *, silent_days: int = 7, limit: int = MAX_LIST) -> int:
    """How many members `list_lapsing` lists (it stops at `limit`), in one small query."""
    require(actor, "admin.access")
    listed = _listed(_lapsing_ids(silent_days), User.id).limit(limit).subquery()
    return int(db.session.scalar(select(func.count()).select_from(listed)) or 0)


@dataclass(frozen=True)
class WinbackResult:
    campaign: WinbackCampaign
    sent: int
    created: bool


def _insert_recipient(campaign_id: int, user_id: int) -> bool:
    return insert_ignoring_conflict(
        WinbackRecipient,
        {"campaign_id": campaign_id, "user_id": user_id, "created_at": clock.now()},
        ["campaign_id", "user_id"],
    )


def _check(message: str, points: int, item_id: int | None, request_id: str) -> None:
    errors: dict[str, Any] = {}
    if not 2 <= len(message) <= 300:
        errors["message"] = _l("Write 2–300 characters.")
    if not 0 <= points <= 10_000:
        errors["points"] = _l("Enter 0 to 10000 points.")
    if item_id is not None and db.session.get(StoreItem, item_id) is None:
        errors["item_id"] = _l("Choose an item from the store.")
    if not request_id or len(request_id) > 64:
        errors["message"] = _l("This form expired; please send it again.")
    if errors:
        raise Invalid(fields=errors)


@use_case
def send_winback(
    actor: Any,
    *,
    request_id: str,
    user_ids: list[int] | None,
    silent_days: int,
    message: str,
    points: int = 0,
    item_id: int | None = None,
) -> WinbackResult:
    """Send a win-back message to the chosen lapsing members (None: all of them), once each."""
    require(actor, "admin.access")
    message = (message or "").strip()
    _check(message, points, item_id, request_id)
    existing = db.session.scalar(select(WinbackCampaign).where(WinbackCampaign.request_id == request_id))
    if existing is not None:
        return WinbackResult(existing, 0, False)
    campaign = WinbackCampaign(
        request_id=request_id,
        message=message,
        silent_days=silent_days,
        points=points,
        item_id=item_id,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(campaign)
            db.session.flush()
    except IntegrityError:
        # The same form submitted twice at once: the other request's send is the answer.
        winner = db.session.scalar(select(WinbackCampaign).where(WinbackCampaign.request_id == request_id))
        if winner is None:
            raise
        return WinbackResult(winner, 0, False)
    chosen = set(user_ids) if user_ids is not None else None
    targets = [
        row.user
        for row in list_lapsing(actor, silent_days=silent_days)
        if chosen is None or row.user.id in chosen
    ]
    if not targets:
        raise Invalid(fields={"user_ids": _l("Choose at least one lapsing member.")})
    sent = 0
    for user in targets:
        if not _insert_recipient(campaign.id, user.id):
            continue
        sent += 1
        paid = 0
        if points:
            entry = award_points(
                user.id,
                rule="winback",
                idempotency_key=f"winback:{campaign.id}:{user.id}",
                points=points,
                reference=f"winback:{campaign.id}",
                reason=message[:100],
            )
            paid = entry.delta if entry is not None else 0
        order_id = None
        if item_id is not None:
            order_id = grant_prize(actor, user, item_id, reason=str(_l("Win-back gift"))).id
        db.session.execute(
            update(WinbackRecipient)
            .where(WinbackRecipient.campaign_id == campaign.id, WinbackRecipient.user_id == user.id)
            .values(points_paid=paid, order_id=order_id)
        )
        kind = "winback.gift" if paid else "winback.message"
        notify(user.id, kind, actor_id=actor.id, url="/tasks", params={"message": message, "points": paid})
    campaign.recipient_count = sent
    audit.record(
        actor,
        "winback.send",
        campaign,
        reason=message[:200],
        data={"recipients": sent, "points": points, "item_id": item_id, "silent_days": silent_days},
    )
    return WinbackResult(campaign, sent, True)


def list_sends(limit: int = 10) -> list[WinbackCampaign]:
    """The latest win-back sends, newest first."""
    return list(
        db.session.scalars(
            select(WinbackCampaign)
            .order_by(WinbackCampaign.created_at.desc(), WinbackCampaign.id.desc())
            .limit(limit)
        )
    )
