"""Accounts: the member, with credentials, role and profile."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.db import Base, UTCDateTime
from app.core.uploads import Upload

ROLES = ("member", "host", "admin")
DELETED_PREFIX = "deleted-"


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        Index("ix_user_account_created", "created_at", "id"),
        CheckConstraint("role IN ('member', 'host', 'admin')", name="role"),
        # The cached balances the points ledger keeps (app/points/ledger.py is the only writer).
        CheckConstraint("points >= 0", name="points_nonnegative"),
        CheckConstraint("growth >= 0", name="growth_nonnegative"),
        # The all-time site points board: top members by lifetime earnings.
        Index("ix_user_account_earned", "earned", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    display_name: Mapped[str] = mapped_column(String(40), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))
    is_banned: Mapped[bool] = mapped_column(default=False)
    # Bumped to log the user out everywhere (ban, password change): sessions carry it.
    session_version: Mapped[int] = mapped_column(default=1)
    invite_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # Month and day only, stored in the leap year 2000 (perks.birthdays): indexed for the
    # daily job's equality lookup.
    birthday: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Spendable points (积分) and lifetime growth (成长值), cached from the points ledger.
    points: Mapped[int] = mapped_column(default=0, server_default="0")
    growth: Mapped[int] = mapped_column(default=0, server_default="0")
    # Lifetime earnings (the sum of earn rows), the all-time site points board's score.
    earned: Mapped[int] = mapped_column(default=0, server_default="0")

    # Every page shows the avatar next to the name: joined eagerly, one query saved per user.
    avatar: Mapped[Upload | None] = relationship(lazy="joined", foreign_keys=[avatar_id])

    # Flask-Login protocol.
    is_active = True
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def name(self) -> str:
        """What the UI calls this member (a deleted account: 已注销用户 / "Deleted user")."""
        if self.is_deleted:
            return str(_l("Deleted user"))
        return self.display_name or self.username

    @property
    def is_deleted(self) -> bool:
        # Account deletion (app/privacy) renames to "deleted-<id>"; a "-" never passes sign-up.
        return self.username.startswith(DELETED_PREFIX)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_host(self) -> bool:
        return self.role in ("host", "admin")


# Case-insensitive uniqueness: "Alice" and "alice" are one account.
Index("uq_user_account_username_lower", func.lower(User.username), unique=True)
