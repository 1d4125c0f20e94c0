"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL: idempotent inserts that never
abort the surrounding transaction when a concurrent request inserted the same row first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.db import db


def insert_ignoring_conflict(model: Any, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert a row unless one with the same `conflict` columns exists; the new id or None."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(model.id)
    )
    return db.session.scalar(statement)
