"""Leaderboard rollups (per user per day per scope), their idempotency keys, weekly titles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime

SITE, CIRCLE, CAMPAIGN = "site", "circle", "campaign"
TITLE_KINDS = ("points", "checkins")


class BoardDay(Base):
    """What a member did on a site-local day in one scope (the site, a circle, a campaign).

    Maintained by event handlers in the events' own transaction; boards sum these rows and
    never read the points ledger. Site-wide points live in points' own `points_daily`.
    """

    __tablename__ = "leaderboard_day"
    __table_args__ = (
        Index("ix_leaderboard_day_scope", "scope", "scope_id", "day"),
        CheckConstraint("scope IN ('site', 'circle', 'campaign')", name="scope"),
    )

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)  # 0 for the site
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    checkins: Mapped[int] = mapped_column(default=0)
    likes: Mapped[int] = mapped_column(default=0)
    invites: Mapped[int] = mapped_column(default=0)


class BoardCredit(Base):
    """An event already counted ("checkin:12"): handlers stay idempotent under repeats."""

    __tablename__ = "leaderboard_credit"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)


class Title(Base):
    """A weekly honour (活跃之星, 打卡之星) for the site board's top 3 of a closed week."""

    __tablename__ = "leaderboard_title"
    __table_args__ = (
        UniqueConstraint("user_id", "week", "kind"),
        Index("ix_leaderboard_title_week", "week", "kind", "rank"),
        CheckConstraint("kind IN ('points', 'checkins')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    week: Mapped[date]  # the Monday the week started
    kind: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int]
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
