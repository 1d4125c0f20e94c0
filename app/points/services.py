"""Points pages and the admin seam: my ledger and chart, admin adjustments, the audit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core import audit, clock
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import is_admin, policy, require

from .ledger import adjust_balance
from .models import PointsDaily, PointsEntry

HISTORY_PAGE = 20
MAX_ADJUSTMENT = 1_000_000


# The one admin gate for the points and store seams of the admin console.
@policy("admin.access")
def _admin_access(actor: Any, _target: Any) -> bool:
    return is_admin(actor)


def list_history(user: Any, *, cursor: str | None = None, limit: int = HISTORY_PAGE) -> Page[PointsEntry]:
    """My ledger, newest first, one keyset page at a time."""
    query = select(PointsEntry).where(PointsEntry.user_id == user.id)
    return keyset(query, [(PointsEntry.id, True)], cursor=cursor, limit=limit)


def daily_earned(user: Any, days: int = 30) -> list[tuple[date, int]]:
    """Points earned on each of the last `days` site-local days (from the rollup, not the ledger)."""
    end = clock.today()
    start = end - timedelta(days=days - 1)
    rows: dict[date, int] = dict(
        db.session.execute(
            select(PointsDaily.day, PointsDaily.earned).where(
                PointsDaily.user_id == user.id, PointsDaily.day >= start, PointsDaily.day <= end
            )
        )
        .tuples()
        .all()
    )
    return [(start + timedelta(days=i), int(rows.get(start + timedelta(days=i), 0))) for i in range(days)]


@use_case
def adjust_points(actor: Any, target: User, *, delta: int, reason: str) -> PointsEntry | None:
    """An admin adds or removes points with a reason (ledger row + audit row)."""
    require(actor, "admin.access")
    reason = (reason or "").strip()
    errors: dict[str, Any] = {}
    if delta == 0 or abs(delta) > MAX_ADJUSTMENT:
        errors["delta"] = _l("Enter a whole number other than 0.")
    if not reason:
        errors["reason"] = _l("Please give a reason.")
    if errors:
        raise Invalid(fields=errors)
    user = db.session.get(User, target.id)
    if user is None:
        raise NotFound()
    entry = adjust_balance(user.id, delta=delta, reason=reason, actor_id=actor.id)
    audit.record(
        actor,
        "points.adjust",
        user,
        reason=reason,
        data={"requested": delta, "applied": entry.delta if entry else 0},
    )
    return entry
