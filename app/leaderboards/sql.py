"""Small SQL helpers: idempotent inserts and counters that the database guards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.db import db


def insert_ignoring_conflict(model: Any, values: dict[str, Any], conflict: Sequence[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (never aborts the transaction); True when inserted."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: psycopg reports -1 for some statements, which would read as True.
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*model.__table__.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None
