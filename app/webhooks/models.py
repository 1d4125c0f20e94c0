"""Webhook endpoints and the durable outbox of deliveries to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.db import Base, UTCDateTime

STATUSES = ("pending", "in_flight", "succeeded", "failed")


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Needed in clear to sign every delivery; shown only to admins.
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    def subscribes_to(self, event: str) -> bool:
        return event in (self.events or [])


class WebhookDelivery(Base):
    """One event for one endpoint: the outbox row the worker claims, sends and retries."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'in_flight', 'succeeded', 'failed')",
            name="status",
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The worker's claim query: what is due, oldest first.
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public id: the payload's `id` and the X-Quanzi-Delivery header (receivers dedupe on it).
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # The exact JSON body, so every attempt and a redelivery send the same bytes.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    response_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # Every log row shows its endpoint's URL: joined eagerly, one query per row saved.
    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
