"""Points: the append-only ledger, earning rules and tiers (both data), sign-ins, rollups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.db import Base, UTCDateTime

# Ledger kinds (SPEC section 4's points arithmetic table).
EARN, SPEND, REFUND, REVERSAL, ADJUST = "earn", "spend", "refund", "reversal", "adjust"
KINDS = (EARN, SPEND, REFUND, REVERSAL, ADJUST)


class Tier(Base):
    """A member tier: reached when growth meets `threshold`; earns at `multiplier_pct`/100."""

    __tablename__ = "tier"
    __table_args__ = (
        Index("ix_tier_threshold", "threshold"),
        CheckConstraint("threshold >= 0", name="threshold_nonnegative"),
        CheckConstraint("multiplier_pct >= 100", name="multiplier_at_least_one"),
        CheckConstraint("birthday_points >= 0", name="birthday_points_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[int] = mapped_column(unique=True)
    # An integer percentage keeps the arithmetic exact: points * 120 // 100.
    multiplier_pct: Mapped[int] = mapped_column(default=100)
    # How much a report (举报) by a member of this tier weighs, in hundredths (150 = 1.5):
    # a trusted, long-standing member's flag counts for more (posts.services.flags).
    report_weight_pct: Mapped[int] = mapped_column(default=100, server_default="100")
    privileges_zh: Mapped[str] = mapped_column(Text, default="")
    privileges_en: Mapped[str] = mapped_column(Text, default="")
    # Base points on a member's birthday (生日福利); the multiplier applies like any earning.
    birthday_points: Mapped[int] = mapped_column(default=0, server_default="0")

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh

    def privileges(self, lang: str) -> list[str]:
        text = self.privileges_en if lang == "en" else self.privileges_zh
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def multiplier(self) -> str:
        """1.2 rather than 120, for people."""
        whole, part = divmod(self.multiplier_pct, 100)
        return f"{whole}.{part:02d}".rstrip("0").rstrip(".") if part else f"{whole}.0"


class PointsRule(Base):
    """An earning rule: base points and how many times a day it may pay (None: no cap)."""

    __tablename__ = "points_rule"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_nonnegative"),
        CheckConstraint("daily_cap IS NULL OR daily_cap >= 0", name="cap_nonnegative"),
    )

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    daily_cap: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(default=0)


class PointsEntry(Base):
    """One ledger row. Never updated or deleted; balances are sums of these."""

    __tablename__ = "points_entry"
    __table_args__ = (
        Index("ix_points_entry_user", "user_id", "id"),
        Index("ix_points_entry_user_day", "user_id", "day"),
        Index("ix_points_entry_reference", "user_id", "reference"),
        Index("ix_points_entry_created", "created_at", "id"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int]
    growth_delta: Mapped[int] = mapped_column(default=0)
    rule: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # What caused it ("post:12", "order:3"): reversals find what a post earned by this.
    reference: Mapped[str] = mapped_column(String(64), default="")
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class RuleDayCount(Base):
    """How many times a rule paid a member on a site-local day: the daily cap's guard row."""

    __tablename__ = "points_rule_day"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class PointsDaily(Base):
    """Points earned per member per site-local day: leaderboards read this, never the ledger."""

    __tablename__ = "points_daily"
    __table_args__ = (Index("ix_points_daily_day", "day", "earned"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    earned: Mapped[int] = mapped_column(default=0)


class PointsPeriod(Base):
    """Points earned per member per week or month (the site's week and month boards)."""

    __tablename__ = "points_period"
    __table_args__ = (
        Index("ix_points_period_board", "period", "starts_on", "earned", "user_id"),
        CheckConstraint("period IN ('week', 'month')", name="period"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    starts_on: Mapped[date] = mapped_column(primary_key=True)  # the Monday, or the 1st
    earned: Mapped[int] = mapped_column(default=0)


class PointsDay(Base):
    """Points issued (earnings, positive adjustments) and redeemed (store spends) site-wide per
    site-local day, kept by the ledger's `_post`: the dashboard's chart sums these rows."""

    __tablename__ = "points_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    issued: Mapped[int] = mapped_column(default=0)
    redeemed: Mapped[int] = mapped_column(default=0)


class SignIn(Base):
    """A daily sign-in (签到): one per member per site-local day."""

    __tablename__ = "signin"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    day: Mapped[date]
    streak: Mapped[int] = mapped_column(default=1)
    points: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class TierTrial(Base):
    """A time-limited tier (from a `tier_trial` store item): counts while it lasts."""

    __tablename__ = "tier_trial"
    __table_args__ = (Index("ix_tier_trial_user", "user_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    tier_id: Mapped[int] = mapped_column(ForeignKey("tier.id", ondelete="CASCADE"))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reference: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
