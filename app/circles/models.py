"""Circles and who belongs to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime
from app.core.uploads import Upload

VISIBILITIES = ("public", "private")
JOIN_POLICIES = ("open", "approval", "tier", "ticket")
CIRCLE_ROLES = ("owner", "cohost", "member")
# Members who host a circle: they moderate it and see what is hidden from others.
HOST_ROLES = ("owner", "cohost")
MEMBER_STATUSES = ("pending", "active", "banned")


def format_hundredths(value: int) -> str:
    """300 -> "3.0", 150 -> "1.5", 125 -> "1.25": weights are kept in exact hundredths."""
    whole, part = divmod(int(value), 100)
    return f"{whole}.{part:02d}".rstrip("0") if part else f"{whole}.0"


class Circle(Base):
    __tablename__ = "circle"
    __table_args__ = (
        CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
        CheckConstraint("join_policy IN ('open', 'approval', 'tier', 'ticket')", name="join_policy"),
        CheckConstraint("member_count >= 0", name="member_count"),
        CheckConstraint("post_count >= 0", name="post_count"),
        # The discover page lists the busiest circles first.
        Index("ix_circle_discover", "member_count", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    join_policy: Mapped[str] = mapped_column(String(8), default="open")
    min_tier: Mapped[str | None] = mapped_column(String(32))
    require_approval: Mapped[bool] = mapped_column(default=False)
    member_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    # Open reports whose weights (hundredths) add up to this hide a post or comment until a
    # host reviews it; 300 = three reports by ordinary members. Hosts edit it on the manage page.
    report_threshold_pct: Mapped[int] = mapped_column(default=300, server_default="300")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # Set by an admin: an archived circle stays readable but leaves discover and takes no
    # new members, posts or comments.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Every card shows the cover and the owner: joined, one query per list instead of 2n.
    cover: Mapped[Upload | None] = relationship(lazy="joined", foreign_keys=[cover_id])
    owner: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[owner_id])

    @property
    def report_threshold(self) -> str:
        """3.0 rather than 300, for people."""
        return format_hundredths(self.report_threshold_pct)

    @property
    def is_private(self) -> bool:
        return self.visibility == "private"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(Base):
    """One row per (circle, user): a join request, an active member or a ban."""

    __tablename__ = "circle_membership"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'cohost', 'member')", name="role"),
        CheckConstraint("status IN ('pending', 'active', 'banned')", name="status"),
        Index("ix_circle_membership_user", "user_id", "status", "circle_id"),
        Index("ix_circle_membership_queue", "circle_id", "status", "created_at"),
    )

    # A composite primary key lets `session.get` find a loaded membership without a query.
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), default="member")
    status: Mapped[str] = mapped_column(String(8), default="active")
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 透明人 (shadow-mute): what the member writes from now on is seen only by them and the
    # circle's hosts. They are not told; their content is flagged when it is created.
    shadowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_moderator(self) -> bool:
        return self.status == "active" and self.role in HOST_ROLES

    def is_muted(self) -> bool:
        return self.muted_until is not None and self.muted_until > clock.now()
