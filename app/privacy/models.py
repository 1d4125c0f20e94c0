"""Personal data: export jobs (a ZIP of a member's own data) and account deletions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime

QUEUED, RUNNING, READY, FAILED, EXPIRED = "queued", "running", "ready", "failed", "expired"
STATUSES = (QUEUED, RUNNING, READY, FAILED, EXPIRED)
ACTIVE = (QUEUED, RUNNING)


class DataExport(Base):
    """One export job; its ZIP lives under the instance dir until `expires_at`."""

    __tablename__ = "data_export"
    __table_args__ = (
        # At most one job in progress per member: a second request finds this index taken.
        Index(
            "uq_data_export_active",
            "user_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
        # A member's exports, newest first; the purge looks for what has expired.
        Index("ix_data_export_user", "user_id", "id"),
        Index("ix_data_export_expires", "status", "expires_at"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    # The README and the CSV headings are written in the language the member asked in.
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    # Absolute links inside the ZIP (certificates) use the origin the member asked from.
    base_url: Mapped[str] = mapped_column(String(200), default="")
    # Relative to the instance dir's `exports/` folder; set once the ZIP is complete.
    file_name: Mapped[str] = mapped_column(String(120), default="")
    size_bytes: Mapped[int] = mapped_column(default=0)
    # Whoever builds it (a web-process thread or `exports work`) holds a lease with a token.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def is_expired(self, now: datetime) -> bool:
        return self.status == EXPIRED or self.expires_at <= now


class AccountDeletion(Base):
    """A member deleted their account: when, and what was removed (the user row stays, anonymised)."""

    __tablename__ = "account_deletion"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    files_deleted: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
