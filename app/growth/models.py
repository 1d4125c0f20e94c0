"""Growth loops: KOC host applications (达人招募)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUSES = (PENDING, APPROVED, REJECTED)


class HostApplication(Base):
    """A member's questionnaire asking to become a host; admins approve or reject it."""

    __tablename__ = "host_application"
    __table_args__ = (
        # One open application per member, guarded by the database (a partial unique index).
        Index(
            "uq_host_application_open",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_host_application_queue", "status", "id"),
        Index("ix_host_application_user", "user_id", "id"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("follower_count >= 0", name="followers_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    real_name: Mapped[str] = mapped_column(String(40))
    city: Mapped[str] = mapped_column(String(40))
    talents: Mapped[str] = mapped_column(Text)
    social_accounts: Mapped[str] = mapped_column(Text, default="")
    follower_count: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # The review queue shows the applicant on every row: joined, one query per page.
    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
