"""Leaderboard rollups (per user per day per scope), their idempotency keys, weekly titles,
and the prizes hosts and admins attach to weekly boards with their payouts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime
from app.store.models import StoreItem

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


class BoardTotal(Base):
    """A member's all-time figures in one scope: `leaderboard_day` summed, kept beside it by
    the same handler call, so the all-time boards read the top rows of an index instead of
    grouping every day ever. The site's all-time points are `User.earned` (points' own)."""

    __tablename__ = "leaderboard_total"
    __table_args__ = (
        Index("ix_leaderboard_total_points", "scope", "scope_id", "points", "user_id"),
        Index("ix_leaderboard_total_checkins", "scope", "scope_id", "checkins", "user_id"),
        Index("ix_leaderboard_total_likes", "scope", "scope_id", "likes", "user_id"),
        Index("ix_leaderboard_total_invites", "scope", "scope_id", "invites", "user_id"),
        CheckConstraint("scope IN ('site', 'circle', 'campaign')", name="scope"),
    )

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)  # 0 for the site
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    checkins: Mapped[int] = mapped_column(default=0)
    likes: Mapped[int] = mapped_column(default=0)
    invites: Mapped[int] = mapped_column(default=0)


class BoardPeriod(Base):
    """A member's figures for one week or month in one scope: the day rows of that period
    summed, kept by the same handler call, so the week and month boards read the top rows of
    an index. The site's points per period are points' own `points_period`."""

    __tablename__ = "leaderboard_period"
    __table_args__ = (
        *(
            Index(f"ix_leaderboard_period_{m}", "scope", "scope_id", "period", "starts_on", m, "user_id")
            for m in ("points", "checkins", "likes", "invites")
        ),
        CheckConstraint("scope IN ('site', 'circle', 'campaign')", name="scope"),
        CheckConstraint("period IN ('week', 'month')", name="period"),
    )

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)  # 0 for the site
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    starts_on: Mapped[date] = mapped_column(primary_key=True)  # the Monday, or the 1st
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
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


PRIZE_POINTS, PRIZE_ITEM = "points", "item"
PRIZE_KINDS = (PRIZE_POINTS, PRIZE_ITEM)
PAID, UNAVAILABLE = "paid", "unavailable"


class Prize(Base):
    """A prize attached to a weekly board: ranks `rank_from`..`rank_to` of (scope, metric)
    win `amount` points or one `item_id` from the store, every week until switched off."""

    __tablename__ = "leaderboard_prize"
    __table_args__ = (
        Index("ix_leaderboard_prize_scope", "scope", "scope_id", "is_active", "rank_from"),
        CheckConstraint("scope IN ('site', 'circle', 'campaign')", name="scope"),
        CheckConstraint("metric IN ('points', 'checkins', 'likes', 'invites')", name="metric"),
        CheckConstraint("period = 'week'", name="period"),
        CheckConstraint("rank_from >= 1 AND rank_to >= rank_from AND rank_to <= 50", name="ranks"),
        CheckConstraint("kind IN ('points', 'item')", name="kind"),
        CheckConstraint(
            "(kind = 'points' AND amount > 0) OR (kind = 'item' AND item_id IS NOT NULL)", name="reward"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    scope_id: Mapped[int]  # 0 for the site
    metric: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(8), default="week")
    rank_from: Mapped[int]
    rank_to: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(default=0)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("store_item.id", ondelete="RESTRICT"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # Every prize line names its item: joined, one query saved per item prize.
    item: Mapped[StoreItem | None] = relationship(lazy="joined")


class PrizePayout(Base):
    """One winner of one prize for one closed week: paid once, under the unique key."""

    __tablename__ = "leaderboard_prize_payout"
    __table_args__ = (
        UniqueConstraint("prize_id", "week", "user_id"),
        Index("ix_leaderboard_prize_payout_scope", "scope", "scope_id", "week", "rank", "id"),
        CheckConstraint("status IN ('paid', 'unavailable')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("leaderboard_prize.id", ondelete="CASCADE"))
    # The prize's board, copied so the public history is one indexed range.
    scope: Mapped[str] = mapped_column(String(8))
    scope_id: Mapped[int]
    week: Mapped[date]  # the Monday the week started
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    rank: Mapped[int]
    score: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=PAID)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("store_order.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # The history shows the winner and what they won on every row: joined, 2 queries a row saved.
    user: Mapped[User] = relationship(lazy="joined")
    prize: Mapped[Prize] = relationship(lazy="joined")
