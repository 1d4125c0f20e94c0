"""CSV exports: a registry of tables an operator reviews weekly, streamed row by row.

A feature adds its own table with `register_exporter(name, Exporter(...))` (the campaigns
feature registers `checkins` and `campaigns`); until then those two answer an empty CSV with
their headers. Rows are read with `yield_per`, so memory stays flat however large the table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core import clock
from app.core.db import db
from app.core.errors import NotFound
from app.points.models import PointsEntry
from app.store.models import Order, StoreItem

BOM = "\ufeff"
BATCH = 1000
# Cells Excel would run as formulas (CSV injection) get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Exporter:
    headers: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]


_exporters: dict[str, Exporter] = {}


def register_exporter(name: str, exporter: Exporter) -> None:
    """Offer `/admin/export/<name>.csv` (a later registration replaces a placeholder)."""
    _exporters[name] = exporter


def get_exporter(name: str) -> Exporter:
    exporter = _exporters.get(name) or _PLACEHOLDERS.get(name)
    if exporter is None:
        raise NotFound()
    return exporter


def export_names() -> list[str]:
    return sorted({*_exporters, *_PLACEHOLDERS})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def stream_csv(exporter: Exporter) -> Iterator[str]:
    """UTF-8 CSV text with a BOM (Excel then reads Chinese right), yielded in small chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exporter.headers)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(exporter.rows(), start=1):
        writer.writerow([_cell(value) for value in row])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _stream(query: Select[Any]) -> Iterator[Sequence[Any]]:
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for row in result:
        yield tuple(row)


def _members() -> Iterator[Sequence[Any]]:
    inviter = aliased(User)
    return _stream(
        select(
            User.id,
            User.username,
            User.display_name,
            User.email,
            User.role,
            User.points,
            User.growth,
            User.is_banned,
            inviter.username,
            User.created_at,
            User.last_login_at,
        )
        .outerjoin(inviter, inviter.id == User.invited_by_id)
        .order_by(User.id)
    )


def _points() -> Iterator[Sequence[Any]]:
    return _stream(
        select(
            PointsEntry.id,
            User.username,
            PointsEntry.kind,
            PointsEntry.rule,
            PointsEntry.delta,
            PointsEntry.growth_delta,
            PointsEntry.reason,
            PointsEntry.reference,
            PointsEntry.day,
            PointsEntry.created_at,
        )
        .join(User, User.id == PointsEntry.user_id)
        .order_by(PointsEntry.id)
    )


def _orders() -> Iterator[Sequence[Any]]:
    return _stream(
        select(
            Order.id,
            User.username,
            StoreItem.title,
            StoreItem.kind,
            Order.status,
            Order.points_cost,
            Order.is_prize,
            Order.recipient,
            Order.phone,
            Order.address,
            Order.tracking_no,
            Order.coupon_code,
            Order.created_at,
            Order.updated_at,
        )
        .join(User, User.id == Order.user_id)
        .join(StoreItem, StoreItem.id == Order.item_id)
        .order_by(Order.id)
    )


def _nothing() -> Iterable[Sequence[Any]]:
    return ()


register_exporter(
    "members",
    Exporter(
        [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "points",
            "growth",
            "banned",
            "invited_by",
            "joined_at",
            "last_login_at",
        ],
        _members,
    ),
)
register_exporter(
    "points",
    Exporter(
        ["id", "username", "kind", "rule", "points", "growth", "reason", "reference", "day", "created_at"],
        _points,
    ),
)
register_exporter(
    "orders",
    Exporter(
        [
            "id",
            "username",
            "item",
            "kind",
            "status",
            "points_cost",
            "prize",
            "recipient",
            "phone",
            "address",
            "tracking_no",
            "coupon_code",
            "created_at",
            "updated_at",
        ],
        _orders,
    ),
)

# Until the campaigns feature registers its exporters, these tables export their headers.
_PLACEHOLDERS: dict[str, Exporter] = {
    "checkins": Exporter(
        ["id", "username", "circle", "campaign_id", "day", "recommended", "created_at"], _nothing
    ),
    "campaigns": Exporter(
        ["id", "circle", "title", "start_date", "days", "participants", "completed", "completion_rate"],
        _nothing,
    ),
}
