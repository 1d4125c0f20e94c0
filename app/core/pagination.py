"""Keyset (cursor) pagination: opaque cursors, never OFFSET on large tables."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.core.db import db
from app.core.errors import Invalid

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """Parse a cursor made by `encode_cursor` for columns of the given Python types."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        out: list[Any] = []
        for kind, value in zip(kinds, values, strict=True):
            if kind is datetime:
                out.append(datetime.fromisoformat(value))
            elif kind is date:
                out.append(date.fromisoformat(value))
            elif kind is bool:
                out.append(bool(value))
            elif kind is int:
                out.append(int(value))
            else:
                out.append(kind(value))
        return out
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise Invalid("bad cursor") from exc


def keyset(
    query: Select[Any],
    order: Sequence[tuple[InstrumentedAttribute[Any], bool]],
    *,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """Page through `query` ordered by `order` [(column, descending), ...].

    The last column must be unique (normally the primary key) so the order is total. Runs
    exactly one SELECT; the cursor of the next page encodes the last row's key.
    """
    if cursor:
        kinds = [col.type.python_type for col, _ in order]
        values = decode_cursor(cursor, kinds)
        clauses = []
        for i, (col, desc) in enumerate(order):
            equal = [order[j][0] == values[j] for j in range(i)]
            beyond = col < values[i] if desc else col > values[i]
            clauses.append(and_(*equal, beyond))
        query = query.where(or_(*clauses))
    query = query.order_by(*[col.desc() if desc else col.asc() for col, desc in order])
    rows = list(db.session.execute(query.limit(limit + 1)).scalars().unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, col.key) for col, _ in order])
    return Page(items=rows, next_cursor=next_cursor)
