"""Store: browsing, redeeming (idempotent, never oversold, never double-spent), my orders.

Admin operations (new items, fulfilment, prizes) live in `fulfilment.py` and `catalog.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Executable, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import clock, events
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import can, is_signed_in, policy, require
from app.points.ledger import spend_points
from app.points.tiers import start_trial

from .models import (
    CANCELLED,
    COUPON,
    DONE,
    KINDS,
    PENDING,
    PHYSICAL,
    TICKET,
    TIER_TRIAL,
    CouponCode,
    Order,
    StoreItem,
)

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PHONE_RE = re.compile(r"^[0-9+\- ]{6,20}$")
ORDERS_PAGE = 20


def rowcount(statement: Executable) -> int:
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


# --- Policies ----------------------------------------------------------------------------


@policy("store.shop")
def _can_shop(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor) and not getattr(actor, "is_banned", False)


@policy("store.redeem")
def _can_redeem(actor: Any, item: StoreItem) -> bool:
    """Signed in and at the item's minimum tier (a locked item is 403, not a conflict)."""
    if not _can_shop(actor, None):
        return False
    return item.min_tier is None or can(actor, "tiers.reaches", item.min_tier.slug)


@policy("store.holds_ticket")
def holds_ticket(actor: Any, circle_id: Any) -> bool:
    """Does `actor` hold a redeemed ticket to `circle_id` (circles with join_policy=ticket)?"""
    if not is_signed_in(actor) or circle_id is None:
        return False
    query = select(
        exists().where(
            Order.user_id == actor.id,
            Order.status == DONE,
            Order.item_id == StoreItem.id,
            StoreItem.kind == TICKET,
            StoreItem.circle_id == int(circle_id),
        )
    )
    return bool(db.session.scalar(query))


# --- Queries -----------------------------------------------------------------------------


def list_items(kind: str | None = None) -> list[StoreItem]:
    """Items on sale (active, window not over), newest first; `kind` filters."""
    now = clock.now()
    query = select(StoreItem).where(
        StoreItem.is_active.is_(True), (StoreItem.ends_at.is_(None)) | (StoreItem.ends_at > now)
    )
    if kind in KINDS:
        query = query.where(StoreItem.kind == kind)
    return list(db.session.scalars(query.order_by(StoreItem.id.desc()).limit(200)))


def list_kinds_on_sale() -> set[str]:
    """The kinds that have at least one item on sale (the store's filter tabs show only these)."""
    now = clock.now()
    query = select(StoreItem.kind).where(
        StoreItem.is_active.is_(True), (StoreItem.ends_at.is_(None)) | (StoreItem.ends_at > now)
    )
    return set(db.session.scalars(query.distinct()))


def get_item(item_id: int) -> StoreItem:
    item = db.session.get(StoreItem, item_id)
    if item is None or not item.is_active:
        raise NotFound()
    return item


def is_on_sale(item: StoreItem) -> bool:
    now = clock.now()
    return (item.starts_at is None or item.starts_at <= now) and (item.ends_at is None or now < item.ends_at)


def count_redeemed(user_id: int, item_id: int) -> int:
    """The member's orders of this item that count against its limit (cancelled ones don't)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.user_id == user_id, Order.item_id == item_id, Order.status != CANCELLED)
        )
        or 0
    )


def list_my_orders(user: Any, *, cursor: str | None = None) -> Page[Order]:
    query = select(Order).where(Order.user_id == user.id)
    return keyset(query, [(Order.id, True)], cursor=cursor, limit=ORDERS_PAGE)


def get_my_order(user: Any, order_id: int) -> Order:
    """One of my orders; somebody else's is a 404."""
    order = db.session.get(Order, order_id)
    if order is None or order.user_id != user.id:
        raise NotFound()
    return order


# --- Redeeming ---------------------------------------------------------------------------


@dataclass
class RedeemResult:
    order: Order
    created: bool


def _lock_member(user_id: int) -> None:
    # One member's redemptions run one at a time (PostgreSQL row lock; SQLite's write lock
    # is already held), so the request_id check and the per-member limit see every order.
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _order_by_request(user_id: int, request_id: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.user_id == user_id, Order.request_id == request_id))


def _check_shipping(recipient: str, phone: str, address: str) -> dict[str, str]:
    errors: dict[str, Any] = {}
    if not recipient or len(recipient) > 40:
        errors["recipient"] = _l("Who should receive it? (up to 40 characters)")
    if not PHONE_RE.match(phone):
        errors["phone"] = _l("Enter a phone number the courier can call.")
    if len(address) < 5 or len(address) > 300:
        errors["address"] = _l("Enter the full delivery address.")
    return errors


def take_stock(item: StoreItem) -> None:
    """One less in stock, guarded by the database (never below zero under any concurrency)."""
    statement = (
        update(StoreItem)
        .where(StoreItem.id == item.id, StoreItem.stock > 0)
        .values(stock=StoreItem.stock - 1)
        .execution_options(synchronize_session=False)
    )
    if rowcount(statement) != 1:
        raise Conflict(_l("Sorry, this item is sold out."))
    db.session.expire(item, ["stock"])


def _assign_coupon(order: Order, item: StoreItem) -> None:
    # Each code goes to one order only: the conditional UPDATE decides, SKIP LOCKED (on
    # PostgreSQL) lets parallel redemptions pick different codes instead of queueing.
    for _attempt in range(20):
        row = db.session.execute(
            select(CouponCode.id, CouponCode.code)
            .where(CouponCode.item_id == item.id, CouponCode.order_id.is_(None))
            .order_by(CouponCode.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            break
        claimed = update(CouponCode).where(CouponCode.id == row[0], CouponCode.order_id.is_(None))
        if rowcount(claimed.values(order_id=order.id)) == 1:
            order.coupon_code = row[1]
            return
    raise Conflict(_l("Sorry, this item is sold out."))


def deliver(order: Order, item: StoreItem) -> None:
    """What an order of each kind gives at once (a physical one waits for shipping)."""
    if item.kind == COUPON:
        _assign_coupon(order, item)
    elif item.kind == TIER_TRIAL and item.trial_tier_id and item.trial_days:
        start_trial(order.user_id, item.trial_tier_id, days=item.trial_days, reference=f"order:{order.id}")


def place_order(user_id: int, item: StoreItem, *, request_id: str, cost: int, **fields: Any) -> Order:
    """Insert the order, take one from stock and deliver it (shared by redeem and prizes)."""
    order = Order(
        user_id=user_id,
        item_id=item.id,
        request_id=request_id,
        status=PENDING if item.kind == PHYSICAL else DONE,
        points_cost=cost,
        created_at=clock.now(),
        updated_at=clock.now(),
        **fields,
    )
    db.session.add(order)
    db.session.flush()
    take_stock(item)
    deliver(order, item)
    return order


@use_case
def redeem(
    actor: Any,
    item_id: int,
    *,
    request_id: str,
    recipient: str = "",
    phone: str = "",
    address: str = "",
) -> RedeemResult:
    """Trade points for an item. The same `request_id` again returns the first order."""
    require(actor, "store.shop")
    request_id = (request_id or "").strip()
    if not REQUEST_ID_RE.match(request_id):
        raise Invalid(_l("This form has expired; please try again."), fields={"request_id": ""})
    item = get_item(item_id)
    _lock_member(actor.id)
    existing = _order_by_request(actor.id, request_id)
    if existing is not None:
        return RedeemResult(existing, False)
    require(actor, "store.redeem", item)
    if not is_on_sale(item):
        raise Conflict(_l("This item is not on sale right now."))
    if item.per_user_limit is not None and count_redeemed(actor.id, item.id) >= item.per_user_limit:
        raise Conflict(_l("You have reached the limit for this item."))
    shipping: dict[str, str] = {}
    if item.kind == PHYSICAL:
        recipient, phone, address = recipient.strip(), phone.strip(), address.strip()
        errors = _check_shipping(recipient, phone, address)
        if errors:
            raise Invalid(fields=errors)
        shipping = {"recipient": recipient, "phone": phone, "address": address}
    try:
        with db.session.begin_nested():
            order = place_order(actor.id, item, request_id=request_id, cost=item.points_cost, **shipping)
    except IntegrityError:
        existing = _order_by_request(actor.id, request_id)
        if existing is None:
            raise
        return RedeemResult(existing, False)
    spend_points(
        actor.id,
        points=item.points_cost,
        idempotency_key=f"order:{order.id}",
        reference=f"order:{order.id}",
        reason=item.title,
    )
    events.publish(events.OrderStatusChanged(order_id=order.id, user_id=actor.id, status=order.status))
    return RedeemResult(order, True)
