"""Event tracking: one row per member action, written in one place (`handlers.on_activity`).

Charts and the lapsing list read `activity_event`; a new chart needs a query, not new
instrumentation in the feature that owns the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import User
from app.core import clock
from app.core.db import db

from .models import ActivityEvent


@dataclass(frozen=True)
class Fact:
    user_id: int
    kind: str
    ref: str
    circle_id: int | None = None
    ref_id: int | None = None


def record_activity(fact: Fact, *, day: date | None = None) -> bool:
    """Insert the fact unless it was recorded already; True when a row was added."""
    values = {
        "user_id": fact.user_id,
        "kind": fact.kind,
        "ref": fact.ref[:96],
        "circle_id": fact.circle_id,
        "ref_id": fact.ref_id,
        "day": day or clock.today(),
        "created_at": clock.now(),
    }
    # INSERT ... SELECT ... WHERE the member exists: an event about an account deleted in the
    # meantime records nothing instead of failing its publisher's transaction.
    row = select(
        *[literal(v, type_=ActivityEvent.__table__.c[k].type).label(k) for k, v in values.items()]
    ).where(exists().where(User.id == fact.user_id))
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ActivityEvent)
        .from_select(list(values), row)
        .on_conflict_do_nothing(index_elements=["kind", "ref"])
    )
    result = db.session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
