"""Badges, awards (who holds what) and the certificates some awards carry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime
from app.core.uploads import Upload

MANUAL = "manual"
RULES = ("manual", "campaign_completed", "posts", "featured_posts", "signin_streak", "tier")
AUTOMATIC_RULES = RULES[1:]
SOURCES = ("manual", "rule", "campaign", "backfill")


class Badge(Base):
    __tablename__ = "badge"
    __table_args__ = (
        # The catalogue (site-wide) and a circle's badge list, newest first.
        Index("ix_badge_circle", "circle_id", "id"),
        Index("ix_badge_rule", "rule", "circle_id"),
        CheckConstraint(
            "rule IN ('manual', 'campaign_completed', 'posts', 'featured_posts', 'signin_streak', 'tier')",
            name="rule",
        ),
        CheckConstraint("threshold >= 0", name="threshold_nonnegative"),
        CheckConstraint("holder_count >= 0", name="holder_count_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))
    rule: Mapped[str] = mapped_column(String(24), default=MANUAL)
    threshold: Mapped[int] = mapped_column(default=0)
    # None: a site-wide badge; else the circle whose hosts defined it (no FK: circles are
    # another feature's table and badges must not depend on it).
    circle_id: Mapped[int | None]
    holder_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # Every badge card shows its picture: joined eagerly, one query saved per badge.
    image: Mapped[Upload | None] = relationship(lazy="joined", foreign_keys=[image_id])

    @property
    def is_automatic(self) -> bool:
        return self.rule != MANUAL


class BadgeAward(Base):
    __tablename__ = "badge_award"
    __table_args__ = (
        # One award per member and badge: grants are idempotent under this index.
        UniqueConstraint("badge_id", "user_id"),
        # Holders of a badge, newest first (keyset), and a member's badges on profiles.
        Index("ix_badge_award_badge_created", "badge_id", "created_at", "id"),
        Index("ix_badge_award_user_created", "user_id", "created_at", "id"),
        CheckConstraint("source IN ('manual', 'rule', 'campaign', 'backfill')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badge.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    badge: Mapped[Badge] = relationship(lazy="joined", foreign_keys=[badge_id])
    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    certificate: Mapped[Certificate | None] = relationship(
        lazy="selectin", back_populates="award", uselist=False
    )


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("award_id"),
        UniqueConstraint("code"),
        Index("ix_certificate_issued", "issued_at", "id"),
    )

    # The serial number is derived from the id (sequential) and the year of issue.
    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("badge_award.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    # The recipient's email at issue time, hashed with this salt in the Open Badges assertion.
    recipient_salt: Mapped[str] = mapped_column(String(32))
    recipient_hash: Mapped[str] = mapped_column(String(80))
    # Snapshots: a certificate says what was true on the day it was issued.
    recipient_name: Mapped[str] = mapped_column(String(80))
    circle_name: Mapped[str] = mapped_column(String(80), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    award: Mapped[BadgeAward] = relationship(
        lazy="joined", back_populates="certificate", foreign_keys=[award_id]
    )

    @property
    def serial(self) -> str:
        return f"QZ-{clock.local(self.issued_at).year}-{self.id:06d}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
