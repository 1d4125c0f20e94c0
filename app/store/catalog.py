"""Admin seams: put an item in the store, edit it, move its stock, take it off sale.

Stock moves by conditional UPDATEs (a redeem racing an admin never drives it negative or
loses a decrement). A coupon's stock is its unused codes: `pool.py` keeps that invariant.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, select, update

from app.circles import services as circles
from app.core import audit, clock, images
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import require
from app.points.tiers import get_tier_by_slug

from .models import COUPON, KINDS, TICKET, TIER_TRIAL, CouponCode, Order, StoreItem
from .services import rowcount

CODE_MAX = 64
ADMIN_PAGE = 30
STOCK_MAX = 1_000_000


@dataclass
class ItemInput:
    title: str
    kind: str
    points_cost: int | None
    stock: int | None = None
    description: str = ""
    per_user_limit: int | None = None
    min_tier: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    coupon_codes: list[str] = field(default_factory=list)
    circle: str = ""
    circle_id: int | None = None
    trial_tier: str = ""
    trial_days: int | None = None


def resolve_circle_id(slug: str) -> int | None:
    """The id of the circle a ticket opens, from its slug."""
    circle = circles.find_circle(slug) if slug else None
    return circle.id if circle else None


def parse_codes(text: str) -> list[str]:
    """One code per line, blanks dropped, order and repeats kept (`check_codes` refuses them)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def check_codes(codes: list[str], existing: set[str] | None = None) -> Any:
    """The error for a batch of codes (too long, repeated, already in the pool), or None."""
    too_long = [c for c in codes if len(c) > CODE_MAX]
    if too_long:
        return _l("Codes can be at most 64 characters: %(codes)s", codes=", ".join(too_long[:10]))
    seen: set[str] = set()
    repeated: dict[str, None] = {}
    for code in codes:
        if code in seen or code in (existing or set()):
            repeated.setdefault(code, None)
        seen.add(code)
    if repeated:
        listed = ", ".join(list(repeated)[:20]) + (" …" if len(repeated) > 20 else "")
        return _l(
            "These codes are repeated or already in the pool; remove them and try again: %(codes)s",
            codes=listed,
        )
    return None


def _validate(data: ItemInput, item: StoreItem | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    title = data.title.strip()
    if not title or len(title) > 80:
        errors["title"] = _l("Give the item a title (up to 80 characters).")
    if data.kind not in KINDS:
        errors["kind"] = _l("Choose a kind.")
    if data.points_cost is None or data.points_cost < 0:
        errors["points_cost"] = _l("Enter a cost of 0 points or more.")
    if data.kind == COUPON:
        pooled = _codes_of(item.id) if item is not None else set()
        if not data.coupon_codes and not pooled:
            errors["coupon_codes"] = _l("Paste the coupon codes, one per line.")
        problem = check_codes(data.coupon_codes, pooled)
        if problem:
            errors["coupon_codes"] = problem
        stock = len(data.coupon_codes)
    else:
        stock = data.stock if data.stock is not None else -1
        if stock < 0:
            errors["stock"] = _l("Enter a stock of 0 or more.")
    if data.per_user_limit is not None and data.per_user_limit < 1:
        errors["per_user_limit"] = _l("Leave blank for no limit, or enter 1 or more.")
    min_tier = get_tier_by_slug(data.min_tier.strip()) if data.min_tier.strip() else None
    if data.min_tier.strip() and min_tier is None:
        errors["min_tier"] = _l("Unknown tier.")
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = _l("The sale must end after it starts.")
    circle_id = data.circle_id
    if data.kind == TICKET and circle_id is None:
        circle_id = resolve_circle_id(data.circle)
        if circle_id is None:
            errors["circle"] = _l("Enter the slug of the circle this ticket opens.")
    trial_tier = get_tier_by_slug(data.trial_tier.strip()) if data.kind == TIER_TRIAL else None
    if data.kind == TIER_TRIAL:
        if trial_tier is None:
            errors["trial_tier"] = _l("Choose the tier to try.")
        if not data.trial_days or data.trial_days < 1 or data.trial_days > 366:
            errors["trial_days"] = _l("Enter 1 to 366 days.")
    values.update(
        title=title,
        description=data.description.strip(),
        kind=data.kind,
        points_cost=data.points_cost,
        stock=stock,
        per_user_limit=data.per_user_limit,
        min_tier_id=min_tier.id if min_tier else None,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        circle_id=circle_id if data.kind == TICKET else None,
        trial_tier_id=trial_tier.id if trial_tier else None,
        trial_days=data.trial_days if data.kind == TIER_TRIAL else None,
    )
    return values, errors


@use_case
def create_item(
    actor: Any, data: ItemInput, *, image: IO[bytes] | None = None, image_filename: str | None = None
) -> StoreItem:
    """A new store item (audited); a coupon's stock is the number of codes pasted."""
    require(actor, "admin.access")
    values, errors = _validate(data)
    if errors:
        raise Invalid(fields=errors)
    item = StoreItem(**values, created_by_id=actor.id, created_at=clock.now())
    if image is not None:
        try:
            upload = images.save_image(
                image, owner_id=actor.id, variants=images.COVER, filename=image_filename
            )
        except Invalid as exc:
            raise Invalid(fields={"image": exc.message}) from exc
        db.session.flush()
        item.image_id = upload.id
    db.session.add(item)
    db.session.flush()
    if data.kind == COUPON:
        db.session.add_all(CouponCode(item_id=item.id, code=code) for code in data.coupon_codes)
    audit.record(actor, "store.item.create", item, data={"kind": item.kind, "stock": item.stock})
    return item


# --- The console's list and one item ---------------------------------------------------------


def list_all_items(*, cursor: str | None = None, limit: int = ADMIN_PAGE) -> Page[StoreItem]:
    """Every item, on sale or not, newest first (the console's list; keyset on the id)."""
    return keyset(select(StoreItem), [(StoreItem.id, True)], cursor=cursor, limit=limit)


def get_any_item(item_id: int) -> StoreItem:
    """An item whether on sale or not (the console edits both); missing is a 404."""
    item = db.session.get(StoreItem, item_id)
    if item is None:
        raise NotFound()
    return item


def has_orders(item_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Order.item_id == item_id))))


def lock_item(item_id: int) -> StoreItem:
    """Load the item with its row locked (PostgreSQL; SQLite's write lock is already held).

    Redeems take stock with an UPDATE on this row, so while it is locked no redemption can
    sit between "stock taken" and "code claimed": pool counts read now are exact.
    """
    item = db.session.scalar(
        select(StoreItem)
        .where(StoreItem.id == item_id)
        .with_for_update(of=StoreItem)
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound()
    return item


def _codes_of(item_id: int) -> set[str]:
    return set(db.session.scalars(select(CouponCode.code).where(CouponCode.item_id == item_id)))


def sync_coupon_stock(item: StoreItem) -> None:
    """A coupon's stock := its unused codes, in the caller's transaction (item row locked)."""
    unused = (
        select(func.count())
        .select_from(CouponCode)
        .where(CouponCode.item_id == item.id, CouponCode.order_id.is_(None))
        .scalar_subquery()
    )
    db.session.execute(
        update(StoreItem)
        .where(StoreItem.id == item.id)
        .values(stock=unused)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(item, ["stock"])


EDITABLE = (
    "title",
    "description",
    "kind",
    "points_cost",
    "per_user_limit",
    "min_tier_id",
    "starts_at",
    "ends_at",
    "circle_id",
    "trial_tier_id",
    "trial_days",
)


def snapshot(item: StoreItem) -> dict[str, Any]:
    """The audited fields of an item, JSON-ready."""
    values: dict[str, Any] = {name: getattr(item, name) for name in (*EDITABLE, "stock", "is_active")}
    for name in ("starts_at", "ends_at"):
        values[name] = values[name].isoformat() if values[name] else None
    values["image_id"] = item.image_id
    return values


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {"before": {k: before.get(k) for k in changed}, "after": {k: after[k] for k in changed}}


def _set_stock(item: StoreItem, new: int, *, expected: int) -> None:
    """Compare-and-set: only if the stock is still what the admin saw (else 409, nothing lost)."""
    statement = (
        update(StoreItem)
        .where(StoreItem.id == item.id, StoreItem.stock == expected)
        .values(stock=new)
        .execution_options(synchronize_session=False)
    )
    if rowcount(statement) != 1:
        db.session.expire(item, ["stock"])
        raise Conflict(
            _l(
                "The stock changed to %(n)d while you were editing (orders came in). "
                "Check the figure and save again.",
                n=int(db.session.scalar(select(StoreItem.stock).where(StoreItem.id == item.id)) or 0),
            ),
            fields={"stock": ""},
        )
    db.session.expire(item, ["stock"])


@use_case
def update_item(
    actor: Any,
    item_id: int,
    data: ItemInput,
    *,
    expected_stock: int | None = None,
    image: IO[bytes] | None = None,
    image_filename: str | None = None,
) -> StoreItem:
    """Edit an item (audited with before/after). The kind is fixed once it has orders.

    `expected_stock` is the stock the form showed: a different `data.stock` sets the stock by
    compare-and-set. For a coupon, `data.coupon_codes` are codes to add to its pool.
    """
    require(actor, "admin.access")
    item = lock_item(item_id)
    if item.kind == COUPON and data.kind != COUPON and data.stock is None:
        data = replace(data, stock=0)  # the coupon form has no stock box: start the new kind at 0
    values, errors = _validate(data, item)
    if data.kind != item.kind and has_orders(item.id):
        errors["kind"] = _l("The kind cannot change once the item has orders.")
    if errors:
        raise Invalid(fields=errors)
    before = snapshot(item)
    was_coupon = item.kind == COUPON
    for name in EDITABLE:
        setattr(item, name, values[name])
    if image is not None:
        try:
            upload = images.save_image(
                image, owner_id=actor.id, variants=images.COVER, filename=image_filename
            )
        except Invalid as exc:
            raise Invalid(fields={"image": exc.message}) from exc
        db.session.flush()
        item.image_id = upload.id
    db.session.flush()
    if item.kind == COUPON:
        db.session.add_all(CouponCode(item_id=item.id, code=code) for code in data.coupon_codes)
        db.session.flush()
        sync_coupon_stock(item)
    else:
        if was_coupon:
            # No orders (the kind could change): the pool had only unused codes.
            db.session.execute(delete(CouponCode).where(CouponCode.item_id == item.id))
        seen = before["stock"] if expected_stock is None else expected_stock
        if data.stock is not None and data.stock != seen:
            _set_stock(item, data.stock, expected=seen)
        elif was_coupon:
            _set_stock(item, int(data.stock or 0), expected=before["stock"])
    after = snapshot(item)
    if data.kind == COUPON and data.coupon_codes:
        after["codes_added"] = len(data.coupon_codes)
    change = _changes(before, after)
    if change["after"]:
        audit.record(actor, "store.item.update", item, data=change)
    return item


@use_case
def adjust_stock(
    actor: Any,
    item_id: int,
    *,
    mode: str,
    amount: int | None,
    expected: int | None = None,
    reason: str,
) -> StoreItem:
    """Set the stock (compare-and-set against `expected`) or add to it (negative takes away).

    Both are single conditional UPDATEs, so a redemption racing this never makes the stock
    negative and its decrement is never overwritten. Coupons: their pool decides the stock.
    """
    require(actor, "admin.access")
    reason = (reason or "").strip()
    item = get_any_item(item_id)
    if item.kind == COUPON:
        raise Conflict(_l("A coupon's stock is its unused codes: add or remove codes in its pool."))
    errors: dict[str, Any] = {}
    if mode not in ("set", "add"):
        errors["mode"] = _l("Choose set or add.")
    if amount is None or abs(amount) > STOCK_MAX:
        errors["amount"] = _l("Enter a whole number.")
    elif mode == "set" and amount < 0:
        errors["amount"] = _l("Enter a stock of 0 or more.")
    elif mode == "add" and amount == 0:
        errors["amount"] = _l("Enter how many to add (a negative number takes some away).")
    if not reason:
        errors["reason"] = _l("Please give a reason.")
    if errors:
        raise Invalid(fields=errors)
    assert amount is not None
    if mode == "set":
        seen = item.stock if expected is None else expected
        _set_stock(item, amount, expected=seen)
        before, after = seen, amount
    else:
        statement = (
            update(StoreItem)
            .where(StoreItem.id == item.id, StoreItem.stock + amount >= 0)
            .values(stock=StoreItem.stock + amount)
            .returning(StoreItem.stock)
            .execution_options(synchronize_session=False)
        )
        new = db.session.execute(statement).scalar()
        db.session.expire(item, ["stock"])
        if new is None:
            raise Invalid(
                fields={"amount": _l("Only %(n)d in stock: you cannot take away more.", n=item.stock)}
            )
        before, after = int(new) - amount, int(new)
    audit.record(
        actor,
        "store.item.stock",
        item,
        reason=reason,
        data={"mode": mode, "amount": amount, "before": {"stock": before}, "after": {"stock": after}},
    )
    return item


@use_case
def set_on_sale(actor: Any, item_id: int, on_sale: bool, *, reason: str = "") -> StoreItem:
    """Take an item off sale (hidden from the store, orders kept) or put it back; repeats are no-ops."""
    require(actor, "admin.access")
    item = get_any_item(item_id)
    statement = (
        update(StoreItem)
        .where(StoreItem.id == item.id, StoreItem.is_active.is_(not on_sale))
        .values(is_active=on_sale)
        .execution_options(synchronize_session=False)
    )
    changed = rowcount(statement) == 1
    db.session.expire(item, ["is_active"])
    if changed:
        audit.record(
            actor,
            "store.item.on_sale" if on_sale else "store.item.off_sale",
            item,
            reason=(reason or "").strip(),
            data={"before": {"is_active": not on_sale}, "after": {"is_active": on_sale}},
        )
    return item
