"""Leaderboard prizes: hosts (their circle's and campaigns' boards) and admins (any board,
the site's too) attach prizes to weekly boards; closing the week pays them exactly once.

Points prizes are paid as an *admin adjustment +* (SPEC section 4: points and growth +, no
tier multiplier): the team decided the amount, it is not an earning rule. Item prizes go
through the store's prize order (`place_order(..., is_prize=True)`, no cost; stock still
applies, and a sold-out item is recorded as `unavailable` instead of failing the week).

Ties: ranks come from `services.top_scores`, which orders equal scores by user id, so the
member who joined earlier takes the higher rank. Every rank is one member; nobody shares one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.checkins import services as checkins
from app.circles import services as circles
from app.core import audit, clock, events
from app.core.db import db, insert_ignoring_conflict, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import can, is_admin, is_signed_in, policy, require
from app.notifications.services import notify, register_kind
from app.points.ledger import adjust_balance
from app.store.models import StoreItem
from app.store.services import place_order

from . import services
from .models import (
    CAMPAIGN,
    CIRCLE,
    PAID,
    PRIZE_ITEM,
    PRIZE_KINDS,
    PRIZE_POINTS,
    SITE,
    UNAVAILABLE,
    Prize,
    PrizePayout,
)

MAX_POINTS = 10_000
HISTORY_PAGE = 20

register_kind(
    "leaderboards.prize",
    _l("You finished #%(rank)s on the weekly board of %(board)s and won %(prize)s!"),
)


@policy("leaderboards.manage_prizes")
def _can_manage(actor: Any, scope: services.Scope) -> bool:
    """Admins on any board; a circle's hosts on the boards of their circle and its campaigns."""
    if is_admin(actor):
        return True
    if not is_signed_in(actor) or scope.kind == SITE or scope.circle is None:
        return False
    return can(actor, "circle.moderate", scope.circle)


@dataclass
class PrizeInput:
    metric: str
    rank_from: int | None
    rank_to: int | None
    kind: str
    amount: int | None = None
    item_id: int | None = None


def _check(data: PrizeInput) -> tuple[dict[str, Any], StoreItem | None]:
    errors: dict[str, Any] = {}
    item = None
    if data.metric not in services.METRICS:
        errors["metric"] = _l("Choose a board.")
    rank_from = data.rank_from
    rank_to = data.rank_to if data.rank_to is not None else rank_from
    if rank_from is None or not 1 <= rank_from <= services.TOP:
        errors["rank_from"] = _l("Enter a rank from 1 to %(n)d.", n=services.TOP)
    elif rank_to is None or not rank_from <= rank_to <= services.TOP:
        errors["rank_to"] = _l("Enter a rank from %(a)d to %(n)d.", a=rank_from, n=services.TOP)
    if data.kind not in PRIZE_KINDS:
        errors["kind"] = _l("Choose points or a store item.")
    elif data.kind == PRIZE_POINTS:
        if data.amount is None or not 1 <= data.amount <= MAX_POINTS:
            errors["amount"] = _l("Enter 1 to %(n)d points.", n=MAX_POINTS)
    else:
        item = db.session.get(StoreItem, data.item_id) if data.item_id else None
        if item is None or not item.is_active:
            errors["item_id"] = _l("Choose an item from the store.")
    return errors, item


@use_case
def create_prize(actor: Any, scope_key: str, data: PrizeInput) -> Prize:
    """Attach a weekly prize to a board (`site`, a circle slug or `campaign:<id>`)."""
    scope = services.resolve_scope(actor, scope_key)
    require(actor, "leaderboards.manage_prizes", scope)
    errors, item = _check(data)
    if errors:
        raise Invalid(fields=errors)
    rank_from = int(data.rank_from or 1)
    prize = Prize(
        scope=scope.kind,
        scope_id=scope.id,
        metric=data.metric,
        period="week",
        rank_from=rank_from,
        rank_to=int(data.rank_to if data.rank_to is not None else rank_from),
        kind=data.kind,
        amount=int(data.amount or 0) if data.kind == PRIZE_POINTS else 0,
        item_id=item.id if item is not None else None,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(prize)
    db.session.flush()
    audit.record(
        actor,
        "leaderboards.prize.create",
        prize,
        circle_id=scope.circle.id if scope.circle is not None else None,
        data={
            "scope": scope.key,
            "metric": prize.metric,
            "ranks": [prize.rank_from, prize.rank_to],
            "kind": prize.kind,
            "amount": prize.amount,
            "item_id": prize.item_id,
        },
    )
    return prize


def scope_of(prize: Prize) -> services.Scope:
    """The board a prize sits on (circle and campaign loaded, for names and permissions)."""
    if prize.scope == CIRCLE:
        circle = circles.get_circle_by_id(prize.scope_id)
        return services.Scope(
            kind=CIRCLE, id=prize.scope_id, key=circle.slug if circle else "", circle=circle
        )
    if prize.scope == CAMPAIGN:
        campaign = checkins.get_campaign_by_id(prize.scope_id)
        circle = checkins.campaign_circle(campaign) if campaign else None
        key = f"campaign:{prize.scope_id}"
        return services.Scope(kind=CAMPAIGN, id=prize.scope_id, key=key, circle=circle, campaign=campaign)
    return services.Scope(kind=SITE, id=0, key=SITE)


@use_case
def remove_prize(actor: Any, prize_id: int) -> Prize:
    """Stop a prize from paying in future weeks (its history stays)."""
    prize = db.session.get(Prize, prize_id)
    if prize is None:
        raise NotFound()
    scope = scope_of(prize)
    require(actor, "leaderboards.manage_prizes", scope)
    moved = db.session.execute(
        update(Prize)
        .where(Prize.id == prize_id, Prize.is_active.is_(True))
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_l("This prize was already removed."))
    db.session.refresh(prize)
    audit.record(
        actor,
        "leaderboards.prize.remove",
        prize,
        circle_id=scope.circle.id if scope.circle is not None else None,
        data={"scope": prize.scope, "scope_id": prize.scope_id},
    )
    return prize


def list_prizes(scope: services.Scope) -> list[Prize]:
    """The board's active prizes, by metric then rank."""
    query = (
        select(Prize)
        .where(Prize.scope == scope.kind, Prize.scope_id == scope.id, Prize.is_active.is_(True))
        .order_by(Prize.metric, Prize.rank_from, Prize.id)
    )
    return list(db.session.scalars(query))


def list_payouts(scope: services.Scope, *, cursor: str | None = None) -> Page[PrizePayout]:
    """Past winners of the board's prizes: newest week first, then by rank (public, like the board)."""
    query = select(PrizePayout).where(PrizePayout.scope == scope.kind, PrizePayout.scope_id == scope.id)
    order = [(PrizePayout.week, True), (PrizePayout.rank, False), (PrizePayout.id, False)]
    return keyset(query, order, cursor=cursor, limit=HISTORY_PAGE)


# --- Paying --------------------------------------------------------------------------------


def _board_name(scope: services.Scope) -> str:
    if scope.campaign is not None:
        return str(scope.campaign.title)
    if scope.circle is not None:
        return str(scope.circle.name)
    return str(current_app.config.get("QUANZI_SITE_NAME") or _("Quanzi"))


def _prize_text(prize: Prize) -> str:
    if prize.kind == PRIZE_ITEM:
        return prize.item.title if prize.item is not None else ""
    return _("%(n)d points", n=prize.amount)


def _board_url(scope: services.Scope, prize: Prize) -> str:
    return f"/leaderboards?scope={scope.key}&metric={prize.metric}&period=week"


def _pay(prize: Prize, scope: services.Scope, week: date, rank: int, user_id: int, score: int) -> bool:
    """Pay one winner once: the unique (prize, week, user) row decides, then the ledger/store."""
    values = {
        "prize_id": prize.id,
        "scope": prize.scope,
        "scope_id": prize.scope_id,
        "week": week,
        "user_id": user_id,
        "rank": rank,
        "score": score,
        "status": PAID,
        "created_at": clock.now(),
    }
    if not insert_ignoring_conflict(PrizePayout, values, ("prize_id", "week", "user_id")):
        return False
    payout = db.session.scalars(
        select(PrizePayout).where(
            PrizePayout.prize_id == prize.id, PrizePayout.week == week, PrizePayout.user_id == user_id
        )
    ).one()
    board, text = _board_name(scope), _prize_text(prize)
    reason = _(
        "Weekly board prize: #%(rank)d of %(board)s (week of %(week)s)", rank=rank, board=board, week=week
    )
    if prize.kind == PRIZE_POINTS:
        adjust_balance(
            user_id,
            delta=prize.amount,
            reason=reason,
            actor_id=prize.created_by_id,
            key=f"lbprize:{payout.id}",
        )
    elif prize.item is None:
        payout.status = UNAVAILABLE
    else:
        try:
            with db.session.begin_nested():
                order = place_order(
                    user_id, prize.item, request_id=f"lbprize-{payout.id}", cost=0, is_prize=True, note=reason
                )
        except Conflict:
            payout.status = UNAVAILABLE
        else:
            payout.order_id = order.id
            events.publish(events.OrderStatusChanged(order_id=order.id, user_id=user_id, status=order.status))
    if payout.status == PAID:
        notify(
            user_id,
            "leaderboards.prize",
            url=_board_url(scope, prize),
            params={"rank": rank, "board": board, "prize": text},
        )
    audit.record(
        None,
        "leaderboards.prize.pay",
        payout,
        reason=reason,
        data={
            "prize_id": prize.id,
            "user_id": user_id,
            "rank": rank,
            "score": score,
            "status": payout.status,
        },
    )
    return payout.status == PAID


def _prizes_for(week: date) -> list[Prize]:
    # A prize pays for weeks that ended after it was created: attaching one on Monday
    # morning does not reach back into the week that just closed.
    week_end = clock.day_start(week + timedelta(days=7))
    query = select(Prize).where(Prize.is_active.is_(True), Prize.created_at < week_end).order_by(Prize.id)
    return list(db.session.scalars(query))


@use_case
def pay_prizes(week: date) -> int:
    """Pay every active prize for the week starting `week` (a Monday); idempotent."""
    paid = 0
    with force_locale("zh"):
        for prize in _prizes_for(week):
            scope = scope_of(prize)
            top = services.top_scores(scope, prize.metric, week, prize.rank_to)
            for rank, (user_id, score) in enumerate(top, start=1):
                if rank >= prize.rank_from and _pay(prize, scope, week, rank, user_id, score):
                    paid += 1
    return paid


@dataclass
class WeekClosed:
    titles: int
    prizes: int


@use_case
def close_week(day: date | None = None) -> WeekClosed:
    """Close the week before `day`'s week: weekly titles, then the boards' prizes. Idempotent."""
    week = clock.week_start(day or clock.today()) - timedelta(days=7)
    titles = services.close_week(day)
    return WeekClosed(titles=titles, prizes=pay_prizes(week))
