"""A coupon item's code pool: counts, listing, adding and removing codes.

The invariant: a coupon's stock is the number of its unused codes. Every change here locks
the item row first and recomputes the stock in the same transaction; redemptions claim a
code right after taking stock under that same row lock (`services.take_stock`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from app.accounts.models import User
from app.core import audit
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import require

from .catalog import check_codes, get_any_item, lock_item, parse_codes, sync_coupon_stock
from .models import COUPON, CouponCode, Order, StoreItem
from .services import rowcount

POOL_PAGE = 50
STATUSES = ("unused", "used")


@dataclass
class PoolCounts:
    unused: int
    used: int


def get_coupon_item(item_id: int) -> StoreItem:
    """A coupon item (on sale or not); any other kind has no pool: 404."""
    item = get_any_item(item_id)
    if item.kind != COUPON:
        raise NotFound()
    return item


def count_codes(item_id: int) -> PoolCounts:
    """Unused and used codes of an item, in one aggregate query."""
    used, total = db.session.execute(
        select(func.count(CouponCode.order_id), func.count()).where(CouponCode.item_id == item_id)
    ).one()
    return PoolCounts(unused=int(total) - int(used), used=int(used))


def list_codes(
    item_id: int, *, status: str, cursor: str | None = None, limit: int = POOL_PAGE
) -> Page[CouponCode]:
    """Unused codes in the order they will be handed out; used ones newest first."""
    query = select(CouponCode).where(CouponCode.item_id == item_id)
    if status == "used":
        return keyset(
            query.where(CouponCode.order_id.is_not(None)), [(CouponCode.id, True)], cursor=cursor, limit=limit
        )
    return keyset(
        query.where(CouponCode.order_id.is_(None)), [(CouponCode.id, False)], cursor=cursor, limit=limit
    )


def orders_of(codes: list[CouponCode]) -> dict[int, tuple[Order, User]]:
    """The orders (and members) that used a page of codes, in one query."""
    ids = [c.order_id for c in codes if c.order_id is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Order, User).join(User, User.id == Order.user_id).where(Order.id.in_(ids))
    ).all()
    return {order.id: (order, user) for order, user in rows}


@use_case
def add_codes(actor: Any, item_id: int, text: str) -> int:
    """Add codes (one per line) to the pool; repeats and codes already in it are refused."""
    require(actor, "admin.access")
    item = lock_item(item_id)
    if item.kind != COUPON:
        raise NotFound()
    codes = parse_codes(text)
    if not codes:
        raise Invalid(fields={"coupon_codes": _l("Paste the coupon codes, one per line.")})
    existing = set(db.session.scalars(select(CouponCode.code).where(CouponCode.item_id == item.id)))
    problem = check_codes(codes, existing)
    if problem:
        raise Invalid(fields={"coupon_codes": problem})
    before = item.stock
    db.session.add_all(CouponCode(item_id=item.id, code=code) for code in codes)
    db.session.flush()
    sync_coupon_stock(item)
    audit.record(
        actor,
        "store.coupon.add",
        item,
        data={
            "added": len(codes),
            "codes": codes[:50],
            "before": {"stock": before},
            "after": {"stock": item.stock},
        },
    )
    return len(codes)


@use_case
def remove_code(actor: Any, item_id: int, code_id: int, *, reason: str = "") -> CouponCode:
    """Remove one unused code; a code that went to an order stays (409)."""
    require(actor, "admin.access")
    item = lock_item(item_id)
    code = db.session.get(CouponCode, code_id)
    if item.kind != COUPON or code is None or code.item_id != item.id:
        raise NotFound()
    before = item.stock
    statement = (
        delete(CouponCode)
        .where(CouponCode.id == code.id, CouponCode.order_id.is_(None))
        .execution_options(synchronize_session=False)
    )
    if rowcount(statement) != 1:
        raise Conflict(_l("This code went to an order, so it stays in the pool."))
    db.session.expunge(code)
    sync_coupon_stock(item)
    audit.record(
        actor,
        "store.coupon.remove",
        item,
        reason=(reason or "").strip(),
        data={"code": code.code, "before": {"stock": before}, "after": {"stock": item.stock}},
    )
    return code
