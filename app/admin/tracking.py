"""Event tracking: one row per member action, written in one place (`handlers.on_activity`).

With each new row go the dashboard's rollups, in the same transaction: the member's latest
active day per scope (`activity_last_day`, an upsert) and the day's counters (`activity_day`,
rollups written at the commit). Charts and the lapsing list read those, never
`activity_event`, so they cost the same at any volume; `activity_event` stays the record
that a new chart can be built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, TextClause, and_, bindparam, select, text
from sqlalchemy.engine import Dialect

from app.accounts.models import User
from app.core import clock
from app.core.db import add_to_rollup, cached_text, db, upsert

from .models import (
    ACTIVE_KINDS,
    CAMPAIGN,
    CHECKIN,
    CHECKIN_SCOPE,
    CIRCLE_SCOPE,
    DONE_SCOPE,
    POST,
    REGISTER,
    SITE,
    SITE_ID,
    ActivityDay,
    ActivityEvent,
    ActivityLastDay,
)


@dataclass(frozen=True)
class Fact:
    user_id: int
    kind: str
    ref: str
    circle_id: int | None = None
    ref_id: int | None = None


def record_activity(fact: Fact, *, day: date | None = None) -> bool:
    """Insert the fact unless it was recorded already; True when a row was added."""
    day = day or clock.today()
    values = {
        "user_id": fact.user_id,
        "kind": fact.kind,
        "ref": fact.ref[:96],
        "circle_id": fact.circle_id,
        "ref_id": fact.ref_id,
        "day": day,
        "created_at": clock.now(),
    }
    if db.session.execute(cached_text(("activity_event",), _event_insert), values).first() is None:
        return False
    _count(fact, day, _advance(fact, day))
    return True


def _event_insert(dialect: Dialect) -> TextClause:
    # INSERT ... SELECT ... WHERE the member exists: an event about an account deleted in the
    # meantime records nothing instead of failing its publisher's transaction. RETURNING, not
    # rowcount: psycopg can report -1, which would count a repeated fact again.
    table: Table = ActivityEvent.__table__  # type: ignore[assignment]
    columns = ["user_id", "kind", "ref", "circle_id", "ref_id", "day", "created_at"]
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT {', '.join(':' + c for c in columns)} "
        f"WHERE EXISTS (SELECT 1 FROM {quote(User.__tablename__)} WHERE id = :user_id) "
        "ON CONFLICT (kind, ref) DO NOTHING RETURNING id"
    )
    return text(sql).bindparams(*[bindparam(c, type_=table.c[c].type) for c in columns])


# A row comes back when it was inserted or moved forward (its day is now the fact's; SET sees
# the old row, so `previous_day` is where it was) or when the fact is for a day before the
# latest (nothing moves). A second fact of the same day touches nothing.
_LATER = "excluded.day > activity_last_day.day"
_MOVE_FORWARD = (
    f"DO UPDATE SET day = CASE WHEN {_LATER} THEN excluded.day ELSE activity_last_day.day END, "
    f"previous_day = CASE WHEN {_LATER} THEN activity_last_day.day ELSE activity_last_day.previous_day END "
    "WHERE excluded.day <> activity_last_day.day"
)


@dataclass(frozen=True)
class _Moves:
    # Scopes where the member's latest day became `day`, with the day it was before (or None).
    moved: list[tuple[str, int, date | None]]
    first_today: bool


def _scopes(fact: Fact) -> list[tuple[str, int]]:
    scopes = []
    if fact.kind in ACTIVE_KINDS:
        scopes.append((SITE, SITE_ID))
        if fact.circle_id is not None:
            scopes.append((CIRCLE_SCOPE, fact.circle_id))
    if fact.ref_id is not None and fact.kind in (CHECKIN, CAMPAIGN):
        scopes.append((CHECKIN_SCOPE if fact.kind == CHECKIN else DONE_SCOPE, fact.ref_id))
    return scopes


def _advance(fact: Fact, day: date) -> _Moves:
    """Move the member's latest day forward to `day` in the fact's scopes (one statement)."""
    scopes = _scopes(fact)
    if not scopes:
        return _Moves([], False)
    rows = upsert(
        ActivityLastDay,
        [{"scope": s, "scope_id": i, "user_id": fact.user_id, "day": day} for s, i in scopes],
        ("scope", "scope_id", "user_id"),
        _MOVE_FORWARD,
        returning=("scope", "scope_id", "day", "previous_day"),
    ).all()
    moved = [(scope, scope_id, previous) for scope, scope_id, latest, previous in rows if latest == day]
    site = next((latest for scope, _i, latest, _p in rows if scope == SITE), None)
    if site is None or site == day:
        return _Moves(moved, site is not None)
    # Recorded for a day before the latest (demo data, imports): the member's first fact of
    # that day unless another active fact is there already (ix_activity_event_user_day).
    other = select(ActivityEvent.id).where(
        ActivityEvent.user_id == fact.user_id,
        ActivityEvent.day == day,
        ActivityEvent.kind.in_(ACTIVE_KINDS),
        ~and_(ActivityEvent.kind == fact.kind, ActivityEvent.ref == fact.ref[:96]),
    )
    return _Moves(moved, not db.session.scalar(select(other.exists())))


_COUNTERS = ("active", "actions", "posts", "checkins", "registers", "latest")


def _count(fact: Fact, day: date, moves: _Moves) -> None:
    """Add the fact to the day's counters of its scopes (rollups: written at the commit)."""
    rows: dict[tuple[str, int, date], dict[str, int]] = {}

    def add(scope: str, scope_id: int, on: date, **amounts: int) -> None:
        row = rows.setdefault((scope, scope_id, on), dict.fromkeys(_COUNTERS, 0))
        for name, amount in amounts.items():
            row[name] += amount

    if moves.first_today:
        add(SITE, SITE_ID, day, active=1)
    if fact.kind in (POST, CHECKIN, REGISTER):
        add(SITE, SITE_ID, day, **{{POST: "posts", CHECKIN: "checkins", REGISTER: "registers"}[fact.kind]: 1})
    if fact.circle_id is not None and fact.kind in ACTIVE_KINDS:
        add(CIRCLE_SCOPE, fact.circle_id, day, actions=1)
    for scope, scope_id, previous in moves.moved:
        add(scope, scope_id, day, latest=1)
        if previous is not None:
            add(scope, scope_id, previous, latest=-1)
    for (scope, scope_id, on), amounts in rows.items():
        add_to_rollup(ActivityDay, {"scope": scope, "scope_id": scope_id, "day": on}, **amounts)
