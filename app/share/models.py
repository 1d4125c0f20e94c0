"""Share-link visits: one row per (sharer, visitor browser), whatever it paid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime


class ShareVisit(Base):
    """A new visitor's first visit through a member's share link (`?ref=<invite code>`).

    The unique (sharer, visitor) pair is what makes a second visit from the same browser
    earn nothing, whatever the timing; `points` is what the sharer was paid (0 once the
    rule's daily cap is reached).
    """

    __tablename__ = "share_visit"
    __table_args__ = (
        UniqueConstraint("sharer_id", "visitor_id"),
        Index("ix_share_visit_sharer_day", "sharer_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sharer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(255), default="")
    points: Mapped[int] = mapped_column(default=0)
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
