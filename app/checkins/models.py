"""Check-in campaigns (打卡活动): campaigns, their runs, check-ins, likes, reviews, progress."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime
from app.core.uploads import Upload

MAX_DAYS = 60


class Campaign(Base):
    """A host's campaign in a circle; its days happen in runs (one, or one a week)."""

    __tablename__ = "campaign"
    __table_args__ = (
        Index("ix_campaign_circle", "circle_id", "id"),
        CheckConstraint(f"days >= 1 AND days <= {MAX_DAYS}", name="days"),
        CheckConstraint("points_per_checkin >= 0", name="points_per_checkin"),
        CheckConstraint("completion_points >= 0", name="completion_points"),
        CheckConstraint("makeup_cards >= 0", name="makeup_cards"),
        CheckConstraint("min_length >= 0", name="min_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(80))
    prompt: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date]
    days: Mapped[int] = mapped_column(default=7)
    points_per_checkin: Mapped[int] = mapped_column(default=10)
    completion_points: Mapped[int] = mapped_column(default=50)
    # A badge of this circle or a site-wide one (no FK: badges are another feature's table).
    badge_id: Mapped[int | None]
    makeup_cards: Mapped[int] = mapped_column(default=0)
    repeat_weekly: Mapped[bool] = mapped_column(default=False)
    min_length: Mapped[int] = mapped_column(default=0)
    photo_required: Mapped[bool] = mapped_column(default=False)
    # Tier-exclusive campaigns: the lowest tier that may check in (None: everyone). A plain
    # id, no FK: tiers are the points feature's table (as badge_id is the badges').
    min_tier_id: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class CampaignRun(Base):
    """One pass through a campaign's days; weekly campaigns get a new run every 7 days."""

    __tablename__ = "campaign_run"
    __table_args__ = (
        UniqueConstraint("campaign_id", "start_date"),
        Index("ix_campaign_run_dates", "end_date", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    start_date: Mapped[date]
    end_date: Mapped[date]  # inclusive
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class Checkin(Base):
    """One member's check-in for one day of a run (its own record, not a post)."""

    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", "day"),
        Index("ix_checkin_campaign", "campaign_id", "id"),
        Index("ix_checkin_recommended", "campaign_id", "is_recommended", "id"),
        Index("ix_checkin_circle", "circle_id", "id"),
        Index("ix_checkin_user_day", "user_id", "day"),
        CheckConstraint("like_count >= 0", name="like_count"),
        CheckConstraint("comment_count >= 0", name="comment_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_run.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    day: Mapped[date]
    body: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))
    is_makeup: Mapped[bool] = mapped_column(default=False)
    is_recommended: Mapped[bool] = mapped_column(default=False)
    like_count: Mapped[int] = mapped_column(default=0)
    review_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # By a shadow-muted (透明人) member: seen only by them and the circle's hosts.
    shadowed: Mapped[bool] = mapped_column(default=False, server_default=false())

    # Every feed card shows the author and the picture: joined, one query per page instead of 2n.
    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    image: Mapped[Upload | None] = relationship(lazy="joined", foreign_keys=[image_id])
    campaign: Mapped[Campaign] = relationship(lazy="joined", foreign_keys=[campaign_id])

    @property
    def day_number(self) -> int:
        """Day 1, 2, ... of its run (weekly runs start every 7 days from the start date)."""
        offset = (self.day - self.campaign.start_date).days
        return offset % 7 + 1 if self.campaign.repeat_weekly else offset + 1


class CheckinLike(Base):
    """A like on a check-in; `active` flips on unlike so a re-like never pays twice."""

    __tablename__ = "checkin_like"

    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class CheckinReview(Base):
    """A host's comment on a check-in (点评)."""

    __tablename__ = "checkin_review"
    __table_args__ = (Index("ix_checkin_review_checkin", "checkin_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])


class CheckinComment(Base):
    """A member's comment on a check-in (hosts' 点评 stay in `CheckinReview`)."""

    __tablename__ = "checkin_comment"
    __table_args__ = (
        Index("ix_checkin_comment_checkin", "checkin_id", "id"),
        # The hosts' queue of comments held for review (a sensitive word).
        Index("ix_checkin_comment_queue", "circle_id", "status", "id"),
        CheckConstraint("status IN ('visible', 'pending', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # "pending": held for review (only its author and the hosts see it); "rejected": never shown.
    status: Mapped[str] = mapped_column(String(8), default="visible", server_default="visible")
    flagged_word: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # By a shadow-muted (透明人) member: seen only by them and the circle's hosts.
    shadowed: Mapped[bool] = mapped_column(default=False, server_default=false())

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])


class RunProgress(Base):
    """Days done and make-up cards used by a member in a run.

    The conditional UPDATE of this row serialises a member's concurrent check-ins, so the
    check-in that makes `done` reach the run's length sees it, and cards never overspend.
    """

    __tablename__ = "campaign_progress"
    __table_args__ = (
        CheckConstraint("done >= 0", name="done"),
        CheckConstraint("makeups_used >= 0", name="makeups_used"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_run.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    done: Mapped[int] = mapped_column(default=0)
    makeups_used: Mapped[int] = mapped_column(default=0)


class Completion(Base):
    """A member completed every day of a run: exactly one row, so the reward pays once."""

    __tablename__ = "campaign_completion"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id"),
        Index("ix_campaign_completion_user", "user_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_run.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circle.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class Reminder(Base):
    """`campaigns remind` told this member about this run on this day (once)."""

    __tablename__ = "campaign_reminder"

    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_run.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
