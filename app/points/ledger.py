"""The points ledger: the only code in the app that writes points.

Every change is an append-only `PointsEntry` plus, in the same transaction, conditional
UPDATEs of the cached `User.points`/`User.growth`/`User.earned` (CHECK >= 0 in the database)
and of the `points_daily` and `points_period` rollups. Idempotency keys are unique: a repeated
award is a no-op. Public writers: `award_points` (earn) and `spend_points` (spend), plus the
refund, reversal and admin-adjustment rows of SPEC section 4, all through `_post`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.accounts.models import User
from app.core import clock, events
from app.core.db import add_to_counter, add_to_rollup, db, insert_returning_id, transaction_memo, use_case
from app.core.errors import Conflict, NotFound

from .models import (
    ADJUST,
    EARN,
    REFUND,
    REVERSAL,
    SPEND,
    PointsDaily,
    PointsDay,
    PointsEntry,
    PointsPeriod,
    RuleDayCount,
)
from .rules import get_rule
from .tiers import get_effective_tier, list_tiers, tier_for_growth

# Earnings at least this big are worth telling the member about (PointsAwarded).
DEFAULT_NOTIFY_THRESHOLD = 50


def _key_used(key: str) -> bool:
    return db.session.scalar(select(PointsEntry.id).where(PointsEntry.idempotency_key == key)) is not None


def _take_cap(user_id: int, rule: str, day: date, cap: int) -> bool:
    """Count one more payment of `rule` today unless the cap is reached (database-guarded)."""
    if cap <= 0:
        return False
    keys = {"user_id": user_id, "rule": rule, "day": day}
    return add_to_counter(RuleDayCount, keys, "count", 1, below=cap)


def _apply_to_user(user_id: int, delta: int, growth_delta: int, earned: int = 0) -> tuple[int, int]:
    """Move the cached balances; refuses (Conflict) what would go below zero.

    `earned` adds to the lifetime earnings the all-time site board ranks by (the sum of the
    member's earn rows, as `points_daily` per day), in the same UPDATE.
    """
    statement = (
        update(User)
        .where(User.id == user_id, User.points + delta >= 0, User.growth + growth_delta >= 0)
        .values(points=User.points + delta, growth=User.growth + growth_delta, earned=User.earned + earned)
        .returning(User.points, User.growth, User.earned)
        .execution_options(synchronize_session=False)
    )
    row = db.session.execute(statement).first()
    if row is None:
        raise Conflict(_l("You don't have enough points for this."))
    cached = db.session.identity_map.get(identity_key(User, user_id))
    if cached is not None:
        # The new figures are known: no reload when the page or the next award reads them.
        set_committed_value(cached, "points", int(row[0]))
        set_committed_value(cached, "growth", int(row[1]))
        set_committed_value(cached, "earned", int(row[2]))
    return int(row[0]), int(row[1])


def _announce_tier(user_id: int, old_growth: int, new_growth: int) -> None:
    tiers = list_tiers()
    before, after = tier_for_growth(old_growth, tiers), tier_for_growth(new_growth, tiers)
    if after.threshold > before.threshold:
        events.publish(events.TierReached(user_id=user_id, tier_id=after.id))


def _post(
    user_id: int,
    *,
    kind: str,
    delta: int,
    growth_delta: int,
    key: str,
    rule: str = "",
    reason: str = "",
    reference: str = "",
    actor_id: int | None = None,
    cap: int | None = None,
) -> PointsEntry | None:
    """Write one ledger row and everything it moves, or nothing (used key, cap reached).

    No savepoint: the daily cap is taken first (and given back if the key turns out used),
    the row goes in with ON CONFLICT DO NOTHING on its unique key, and a balance that would
    go below zero deletes the row again before refusing.
    """
    day = clock.today()
    cap_keys = {"user_id": user_id, "rule": rule, "day": day}
    if cap is not None and not _take_cap(user_id, rule, day, cap):
        return None
    values = {
        "user_id": user_id,
        "kind": kind,
        "delta": delta,
        "growth_delta": growth_delta,
        "rule": rule,
        "reason": reason[:500],
        "reference": reference,
        "idempotency_key": key,
        "actor_id": actor_id,
        "day": day,
        "created_at": clock.now(),
    }
    entry_id = insert_returning_id(PointsEntry, values, ("idempotency_key",))
    if entry_id is None:  # this cause was paid before
        if cap is not None:
            add_to_counter(RuleDayCount, cap_keys, "count", -1)
        return None
    try:
        _points, growth = _apply_to_user(user_id, delta, growth_delta, delta if kind == EARN else 0)
    except Conflict:
        db.session.execute(delete(PointsEntry).where(PointsEntry.id == entry_id))
        raise
    if kind == EARN:
        add_to_rollup(PointsDaily, {"user_id": user_id, "day": day}, earned=delta)
        for period, starts_on in clock.periods_of(day):
            period_keys = {"user_id": user_id, "period": period, "starts_on": starts_on}
            add_to_rollup(PointsPeriod, period_keys, earned=delta)
    if kind == EARN or (kind == ADJUST and delta > 0):
        add_to_rollup(PointsDay, {"day": day}, issued=delta)
    elif kind == SPEND:
        add_to_rollup(PointsDay, {"day": day}, redeemed=-delta)
    entry = PointsEntry(id=entry_id, **values)  # the row as written (not tracked by the session)
    _paid_now()[key] = entry
    if growth_delta > 0:
        _announce_tier(user_id, growth - growth_delta, growth)
    return entry


def _paid_now() -> dict[str, PointsEntry]:
    """The rows this transaction wrote, by key (what the boards credit right after)."""
    return transaction_memo("points_paid", dict, models=())


def paid_under(key: str) -> tuple[int, int, date] | None:
    """(member, points, day) of the earning row under `key`: from this transaction's own
    writes when it paid just now (the usual case, no statement), else from the ledger."""
    entry = _paid_now().get(key)
    if entry is not None:
        return (entry.user_id, entry.delta, entry.day) if entry.kind == EARN else None
    row = db.session.execute(
        select(PointsEntry.user_id, PointsEntry.delta, PointsEntry.day).where(
            PointsEntry.idempotency_key == key, PointsEntry.kind == EARN
        )
    ).first()
    return (int(row[0]), int(row[1]), row[2]) if row else None


def _lock_balances(user_id: int) -> tuple[int, int]:
    """Lock the member's row (PostgreSQL; SQLite's write lock is already held) and read it."""
    row = db.session.execute(
        select(User.points, User.growth).where(User.id == user_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound()
    return int(row[0]), int(row[1])


@use_case
def award_points(
    user_id: int,
    *,
    rule: str,
    idempotency_key: str,
    points: int | None = None,
    reference: str = "",
    reason: str = "",
    announce: bool = True,
) -> PointsEntry | None:
    """Pay an earning rule: base points (the rule's, or `points`) times the tier multiplier.

    Returns the ledger row, or None when nothing was paid (key already used, rule off,
    daily cap reached, nothing to pay). `announce=False` skips the generic PointsAwarded
    notice for callers that send their own (birthday perks).
    """
    rule_row = get_rule(rule)
    # A used key is found by the ledger's unique index when `_post` inserts (no look-up first:
    # repeats are rare, and every award would pay for one).
    if rule_row is None or not rule_row.is_active:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        return None
    base = rule_row.points if points is None else points
    amount = base * get_effective_tier(user).multiplier_pct // 100
    if amount <= 0:
        return None
    entry = _post(
        user_id,
        kind=EARN,
        delta=amount,
        growth_delta=amount,
        key=idempotency_key,
        rule=rule,
        reason=reason,
        reference=reference,
        cap=rule_row.daily_cap,
    )
    threshold = current_app.config.get("POINTS_NOTIFY_THRESHOLD", DEFAULT_NOTIFY_THRESHOLD)
    if entry is not None and announce and amount >= threshold:
        events.publish(events.PointsAwarded(user_id=user_id, delta=amount, reason=rule))
    return entry


@use_case
def spend_points(
    user_id: int, *, points: int, idempotency_key: str, reference: str = "", reason: str = ""
) -> PointsEntry | None:
    """Take `points` from the balance (growth unchanged); Conflict when the balance is short.

    A repeated key spends nothing again and returns None.
    """
    if points < 0:
        raise ValueError("spend a positive amount")
    if points == 0 or _key_used(idempotency_key):
        return None
    return _post(
        user_id,
        kind=SPEND,
        delta=-points,
        growth_delta=0,
        key=idempotency_key,
        rule="redeem",
        reason=reason,
        reference=reference,
    )


@use_case
def refund_points(
    user_id: int, *, points: int, idempotency_key: str, reference: str = "", reason: str = ""
) -> PointsEntry | None:
    """Give back spent points (a cancelled order): points +, growth unchanged."""
    if points <= 0 or _key_used(idempotency_key):
        return None
    return _post(
        user_id,
        kind=REFUND,
        delta=points,
        growth_delta=0,
        key=idempotency_key,
        rule="refund",
        reason=reason,
        reference=reference,
    )


@use_case
def reverse_reference(
    user_id: int, *, reference: str, reason: str = "", actor_id: int | None = None
) -> PointsEntry | None:
    """Take back what `reference` (e.g. "post:12") earned, floored so nothing goes below 0."""
    sums = db.session.execute(
        select(
            func.coalesce(func.sum(PointsEntry.delta), 0),
            func.coalesce(func.sum(PointsEntry.growth_delta), 0),
            func.max(case((PointsEntry.kind == EARN, PointsEntry.id))),
        ).where(
            PointsEntry.user_id == user_id,
            PointsEntry.reference == reference,
            PointsEntry.kind.in_((EARN, REVERSAL)),
        )
    ).one()
    net_points, net_growth, last_id = int(sums[0]), int(sums[1]), sums[2]
    if last_id is None or (net_points <= 0 and net_growth <= 0):
        return None
    # Keyed by the newest earning it covers: a repeat is a no-op, yet what the reference
    # earns later (a restored post featured again) can be taken back by a later removal.
    key = f"reversal:{reference}:{last_id}"
    if _key_used(key):
        return None
    balance, growth = _lock_balances(user_id)
    return _post(
        user_id,
        kind=REVERSAL,
        delta=-min(max(net_points, 0), balance),
        growth_delta=-min(max(net_growth, 0), growth),
        key=key,
        rule="reversal",
        reason=reason,
        reference=reference,
        actor_id=actor_id,
    )


@use_case
def adjust_balance(
    user_id: int, *, delta: int, reason: str, actor_id: int | None, key: str | None = None
) -> PointsEntry | None:
    """An admin adjustment: ± points and growth, a negative one floored at zero."""
    if delta == 0:
        return None
    if delta > 0:
        points_delta = growth_delta = delta
    else:
        balance, growth = _lock_balances(user_id)
        points_delta, growth_delta = -min(-delta, balance), -min(-delta, growth)
    return _post(
        user_id,
        kind=ADJUST,
        delta=points_delta,
        growth_delta=growth_delta,
        key=key or f"adjust:{uuid.uuid4().hex}",
        rule="admin",
        reason=reason,
        actor_id=actor_id,
    )


# --- The audit ------------------------------------------------------------------------------


@dataclass
class Discrepancy:
    user_id: int
    username: str
    points: int
    ledger_points: int
    growth: int
    ledger_growth: int


def find_discrepancies() -> list[Discrepancy]:
    """Members whose cached balance or growth differs from their ledger's sums."""
    sums = (
        select(
            PointsEntry.user_id,
            func.sum(PointsEntry.delta).label("points"),
            func.sum(PointsEntry.growth_delta).label("growth"),
        )
        .group_by(PointsEntry.user_id)
        .subquery()
    )
    ledger_points = func.coalesce(sums.c.points, 0)
    ledger_growth = func.coalesce(sums.c.growth, 0)
    rows = db.session.execute(
        select(User.id, User.username, User.points, ledger_points, User.growth, ledger_growth)
        .outerjoin(sums, sums.c.user_id == User.id)
        .where((User.points != ledger_points) | (User.growth != ledger_growth))
        .order_by(User.id)
    )
    return [
        Discrepancy(*(row[0], row[1], int(row[2]), int(row[3]), int(row[4]), int(row[5]))) for row in rows
    ]


def find_earned_mismatches() -> list[tuple[int, int, int]]:
    """(user, cached, ledger) where `User.earned` differs from the member's earn rows."""
    earned = (
        select(PointsEntry.user_id, func.sum(PointsEntry.delta).label("earned"))
        .where(PointsEntry.kind == EARN)
        .group_by(PointsEntry.user_id)
        .subquery()
    )
    ledger = func.coalesce(earned.c.earned, 0)
    rows = db.session.execute(
        select(User.id, User.earned, ledger)
        .outerjoin(earned, earned.c.user_id == User.id)
        .where(User.earned != ledger)
        .order_by(User.id)
    )
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


def find_rollup_mismatches() -> list[tuple[int, date, int, int]]:
    """(user, day, rollup, ledger) where `points_daily` disagrees with the day's earn rows."""
    earned = (
        select(PointsEntry.user_id, PointsEntry.day, func.sum(PointsEntry.delta).label("earned"))
        .where(PointsEntry.kind == EARN)
        .group_by(PointsEntry.user_id, PointsEntry.day)
        .subquery()
    )
    rows = db.session.execute(
        select(earned.c.user_id, earned.c.day, func.coalesce(PointsDaily.earned, 0), earned.c.earned)
        .outerjoin(PointsDaily, (PointsDaily.user_id == earned.c.user_id) & (PointsDaily.day == earned.c.day))
        .where(func.coalesce(PointsDaily.earned, 0) != earned.c.earned)
    )
    return [(int(r[0]), r[1], int(r[2]), int(r[3])) for r in rows]


def find_day_mismatches() -> list[tuple[date, int, int, int, int]]:
    """(day, issued, redeemed by `points_day`, then by the ledger) where the two disagree."""
    issued = case(
        (PointsEntry.kind == EARN, PointsEntry.delta),
        ((PointsEntry.kind == ADJUST) & (PointsEntry.delta > 0), PointsEntry.delta),
        else_=0,
    )
    redeemed = case((PointsEntry.kind == SPEND, -PointsEntry.delta), else_=0)
    ledger = (
        select(
            PointsEntry.day.label("day"),
            func.sum(issued).label("issued"),
            func.sum(redeemed).label("redeemed"),
        )
        .group_by(PointsEntry.day)
        .subquery()
    )
    rollup = (ledger.c.day, func.coalesce(PointsDay.issued, 0), func.coalesce(PointsDay.redeemed, 0))
    rows = db.session.execute(
        select(*rollup, ledger.c.issued, ledger.c.redeemed)
        .outerjoin(PointsDay, PointsDay.day == ledger.c.day)
        .where((rollup[1] != ledger.c.issued) | (rollup[2] != ledger.c.redeemed))
    )
    extra = db.session.execute(
        select(PointsDay.day, PointsDay.issued, PointsDay.redeemed, literal(0), literal(0))
        .outerjoin(ledger, ledger.c.day == PointsDay.day)
        .where(ledger.c.day.is_(None), (PointsDay.issued != 0) | (PointsDay.redeemed != 0))
    )
    return [(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in [*rows, *extra]]


__all__ = [
    "ADJUST",
    "REFUND",
    "SPEND",
    "adjust_balance",
    "award_points",
    "find_discrepancies",
    "refund_points",
    "reverse_reference",
    "spend_points",
]
