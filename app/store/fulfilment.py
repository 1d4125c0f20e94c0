"""Admin seams of the store: ship or cancel (with a full refund) an order, grant a prize."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import User
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import require
from app.points.ledger import refund_points

from .models import CANCELLED, PENDING, SHIPPED, STATUSES, Order, StoreItem
from .services import place_order, rowcount

ACTIONS = ("ship", "cancel")


def list_orders(*, status: str | None = None, cursor: str | None = None, limit: int = 30) -> Page[Order]:
    """The fulfilment queue: every order, newest first, optionally of one status."""
    query = select(Order)
    if status in STATUSES:
        query = query.where(Order.status == status)
    return keyset(query, [(Order.id, True)], cursor=cursor, limit=limit)


def _move(order_id: int, to: str, **values: Any) -> Order:
    """pending -> `to`, decided by the database (a second admin's click finds it moved)."""
    statement = (
        update(Order)
        .where(Order.id == order_id, Order.status == PENDING)
        .values(status=to, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(statement) != 1:
        if db.session.get(Order, order_id) is None:
            raise NotFound()
        raise Conflict(_l("This order is no longer pending."))
    order = db.session.get(Order, order_id)
    assert order is not None
    db.session.refresh(order)
    return order


@use_case
def fulfil_order(actor: Any, order_id: int, *, action: str, tracking_no: str = "", reason: str = "") -> Order:
    """Ship a pending order with a tracking number, or cancel it: full refund, stock back."""
    require(actor, "admin.access")
    tracking_no, reason = (tracking_no or "").strip(), (reason or "").strip()
    if action not in ACTIONS:
        raise Invalid(fields={"action": _l("Choose ship or cancel.")})
    if action == "ship" and not tracking_no:
        raise Invalid(fields={"tracking_no": _l("Enter the tracking number.")})
    if action == "cancel" and not reason:
        raise Invalid(fields={"reason": _l("Please give a reason.")})
    if action == "ship":
        order = _move(order_id, SHIPPED, tracking_no=tracking_no[:64])
    else:
        order = _move(order_id, CANCELLED, note=reason)
        refund_points(
            order.user_id,
            points=order.points_cost,
            idempotency_key=f"refund:order:{order.id}",
            reference=f"order:{order.id}",
            reason=reason,
        )
        db.session.execute(
            update(StoreItem)
            .where(StoreItem.id == order.item_id)
            .values(stock=StoreItem.stock + 1)
            .execution_options(synchronize_session=False)
        )
    audit.record(
        actor,
        f"store.order.{action}",
        order,
        reason=reason,
        data={"tracking_no": tracking_no} if tracking_no else None,
    )
    events.publish(events.OrderStatusChanged(order_id=order.id, user_id=order.user_id, status=order.status))
    return order


@use_case
def grant_prize(actor: Any, target: User, item_id: int, *, reason: str) -> Order:
    """Give `target` an item at no cost (an order, no ledger row); stock still applies."""
    require(actor, "admin.access")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(fields={"reason": _l("Please give a reason.")})
    item = db.session.get(StoreItem, item_id)
    if item is None:
        raise Invalid(fields={"item_id": _l("Choose an item from the store.")})
    order = place_order(
        target.id, item, request_id=f"prize-{uuid.uuid4().hex}", cost=0, is_prize=True, note=reason
    )
    audit.record(actor, "store.prize", order, reason=reason, data={"user_id": target.id, "item_id": item.id})
    events.publish(events.OrderStatusChanged(order_id=order.id, user_id=target.id, status=order.status))
    return order
