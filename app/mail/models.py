"""Email: members' preferences, the mail outbox the worker sends from, weekly digests sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime

# Categories a member turns on and off (and unsubscribes from), in display order.
CATEGORIES = ("replies", "moderation", "badges", "orders", "digest")
LANGUAGES = ("zh", "en")


class MailPreference(Base):
    """One member's email choices; no row means the defaults (everything on, Chinese)."""

    __tablename__ = "mail_preference"
    __table_args__ = (CheckConstraint("language IN ('zh', 'en')", name="language"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    replies: Mapped[bool] = mapped_column(default=True)
    moderation: Mapped[bool] = mapped_column(default=True)
    badges: Mapped[bool] = mapped_column(default=True)
    orders: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    def allows(self, category: str) -> bool:
        return bool(getattr(self, category, False)) if category in CATEGORIES else False


class MailMessage(Base):
    """One email, rendered when queued: the outbox row the worker claims, sends and retries.

    The same lease/claim-token/backoff design as `webhook_delivery` (app/webhooks/delivery.py).
    """

    __tablename__ = "mail_message"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'in_flight', 'sent', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The worker's claim query: what is due, oldest first.
        Index("ix_mail_message_due", "status", "next_attempt_at"),
        Index("ix_mail_message_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID's local part; stays the same on every attempt.
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Extra headers (List-Unsubscribe, List-Unsubscribe-Post, Message-ID), sent as they are.
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class MailDigest(Base):
    """A weekly digest sent to a member: at most one per member per week (the unique index)."""

    __tablename__ = "mail_digest"
    __table_args__ = (UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # Monday of the ISO week the digest summarises.
    week: Mapped[date]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
