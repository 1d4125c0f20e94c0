"""Admin seam: put a new item in the store (all kinds, coupon pools, sale windows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from flask_babel import lazy_gettext as _l

from app.circles import services as circles
from app.core import audit, clock, images
from app.core.db import db, use_case
from app.core.errors import Invalid
from app.core.permissions import require
from app.points.tiers import get_tier_by_slug

from .models import COUPON, KINDS, TICKET, TIER_TRIAL, CouponCode, StoreItem


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
    """One code per line; blanks and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        code = line.strip()
        if code:
            seen.setdefault(code[:64], None)
    return list(seen)


def _validate(data: ItemInput) -> tuple[dict[str, Any], dict[str, Any]]:
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
        if not data.coupon_codes:
            errors["coupon_codes"] = _l("Paste the coupon codes, one per line.")
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
