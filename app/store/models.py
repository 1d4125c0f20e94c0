"""The redemption store: items, the coupon code pool, and orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.db import Base, UTCDateTime
from app.core.uploads import Upload
from app.points.models import Tier

PHYSICAL, COUPON, TICKET, VIRTUAL, TIER_TRIAL = "physical", "coupon", "ticket", "virtual", "tier_trial"
KINDS = (PHYSICAL, COUPON, TICKET, VIRTUAL, TIER_TRIAL)
PENDING, SHIPPED, CANCELLED, DONE = "pending", "shipped", "cancelled", "done"
STATUSES = (PENDING, SHIPPED, CANCELLED, DONE)


class StoreItem(Base):
    __tablename__ = "store_item"
    __table_args__ = (
        Index("ix_store_item_list", "is_active", "id"),
        Index("ix_store_item_kind", "kind", "id"),
        CheckConstraint("stock >= 0", name="stock_nonnegative"),
        CheckConstraint("points_cost >= 0", name="cost_nonnegative"),
        CheckConstraint("per_user_limit IS NULL OR per_user_limit >= 1", name="limit_positive"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    points_cost: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    per_user_limit: Mapped[int | None]
    min_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The circle a ticket opens (circles live in another feature: a plain id, no FK here).
    circle_id: Mapped[int | None] = mapped_column(index=True)
    trial_tier_id: Mapped[int | None] = mapped_column(ForeignKey("tier.id", ondelete="SET NULL"))
    trial_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # Every store card shows the image and the tier lock: joined, two queries saved per item.
    image: Mapped[Upload | None] = relationship(lazy="joined", foreign_keys=[image_id])
    min_tier: Mapped[Tier | None] = relationship(lazy="joined", foreign_keys=[min_tier_id])
    trial_tier: Mapped[Tier | None] = relationship(lazy="select", foreign_keys=[trial_tier_id])


class CouponCode(Base):
    """One code of a coupon item's pool; `order_id` set means it went to that order, for good."""

    __tablename__ = "coupon_code"
    __table_args__ = (
        UniqueConstraint("item_id", "code"),
        Index("ix_coupon_code_free", "item_id", "order_id", "id"),
        # The pool page's "used" list walks an item's codes newest first.
        Index("ix_coupon_code_item", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("store_item.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("store_order.id", ondelete="SET NULL"), unique=True
    )


class Order(Base):
    __tablename__ = "store_order"
    __table_args__ = (
        UniqueConstraint("user_id", "request_id"),
        Index("ix_store_order_user", "user_id", "id"),
        Index("ix_store_order_status", "status", "id"),
        Index("ix_store_order_item_user", "item_id", "user_id"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("points_cost >= 0", name="cost_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("store_item.id", ondelete="RESTRICT"))
    request_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    points_cost: Mapped[int] = mapped_column(default=0)
    is_prize: Mapped[bool] = mapped_column(default=False)
    recipient: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    tracking_no: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    coupon_code: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # Every order row shows its item: joined, one query saved per row.
    item: Mapped[StoreItem] = relationship(lazy="joined")
