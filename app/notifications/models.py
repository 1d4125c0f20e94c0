"""In-app notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        # The unread badge: one indexed count per page.
        Index("ix_notification_unread", "user_id", "is_read"),
        Index("ix_notification_list", "user_id", "updated_at", "id"),
        # At most one unread row per group ("张三 and 5 others liked ..."): concurrent likes
        # fold into it instead of racing to create two.
        Index(
            "uq_notification_group",
            "user_id",
            "group_key",
            unique=True,
            sqlite_where=text("is_read = 0 AND group_key IS NOT NULL"),
            postgresql_where=text("is_read = false AND group_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(255), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    group_key: Mapped[str | None] = mapped_column(String(64))
    # How many events this row stands for (grouped likes); the actor is the latest one.
    count: Mapped[int] = mapped_column(default=1)
    is_read: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # The list shows every actor's name and avatar: joined, one query for the whole page.
    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])
