"""Admin data: the activity tracking table the dashboard reads, and win-back campaigns."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import User
from app.core import clock
from app.core.db import Base, UTCDateTime

# What a tracked fact is. The first five make a member "active" on a day (SPEC 1.13).
SIGNIN, POST, COMMENT, LIKE, CHECKIN = "signin", "post", "comment", "like", "checkin"
CAMPAIGN, ORDER, REGISTER = "campaign", "order", "register"
ACTIVE_KINDS = (SIGNIN, POST, COMMENT, LIKE, CHECKIN)
KINDS = (*ACTIVE_KINDS, CAMPAIGN, ORDER, REGISTER)


class ActivityEvent(Base):
    """One tracked action by a member on a site-local day, written by `handlers.on_activity`.

    `ref` names the source fact ("post:12", "like:post:12:5"): with `kind` it is unique, so a
    repeated domain event is counted once. `ref_id` is the campaign of check-in/campaign rows
    (the completion-rate chart groups by it) and the object's id otherwise.
    """

    __tablename__ = "activity_event"
    __table_args__ = (
        UniqueConstraint("kind", "ref"),
        # Daily charts: a range of days, by kind, distinct members.
        Index("ix_activity_event_day", "day", "kind", "user_id"),
        # The lapsing list: each member's last active day.
        Index("ix_activity_event_user_day", "user_id", "day"),
        Index("ix_activity_event_circle_day", "circle_id", "day"),
        Index("ix_activity_event_ref", "kind", "ref_id", "user_id"),
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # Circles and campaigns live in other features: plain ids, no foreign keys here.
    circle_id: Mapped[int | None]
    ref_id: Mapped[int | None]
    ref: Mapped[str] = mapped_column(String(96))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


# The dashboard's rollups: scopes, and the scope id of the site (circle and campaign ids start at 1).
SITE, CIRCLE_SCOPE, CHECKIN_SCOPE, DONE_SCOPE = "site", "circle", "checkin", "done"
SCOPES = (SITE, CIRCLE_SCOPE, CHECKIN_SCOPE, DONE_SCOPE)
SITE_ID = 0


class ActivityLastDay(Base):
    """A member's latest day of activity in a scope: the site, a circle, a campaign's check-ins
    or its completions. Kept by `tracking.record_activity`; it only ever moves forward.

    The lapsing list is a range of the site rows. `previous_day` is the latest day before the
    last move: the upsert that moves a row returns it, so the `latest` counters of
    `ActivityDay` can move the member from that day to the new one in the same transaction.
    """

    __tablename__ = "activity_last_day"
    __table_args__ = (
        # The lapsing list: site rows by day (a partial index: circles and campaigns need none).
        Index(
            "ix_activity_last_day_site",
            "day",
            "user_id",
            sqlite_where=text("scope = 'site'"),
            postgresql_where=text("scope = 'site'"),
        ),
        CheckConstraint(f"scope IN {SCOPES!r}", name="scope"),
    )

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    # SITE_ID for the site, else the circle's or the campaign's id (plain ids: other features).
    scope_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date]
    previous_day: Mapped[date | None]


class ActivityDay(Base):
    """Counters per scope and site-local day, kept by `tracking.record_activity` (one upsert).

    Site rows: members active that day (`active`, each once), posts, check-ins, sign-ups.
    Circle rows: `actions`. Every scope: `latest`, the members whose latest day in the scope
    (`ActivityLastDay.day`) is this day, so "distinct members active in the last N days" is the
    sum of `latest` over N rows (windows always end today). Facts are recorded on the day they
    happen: a window's figures are sums of at most 90 rows per scope, never `activity_event`.
    """

    __tablename__ = "activity_day"
    __table_args__ = (
        # Per-circle and per-campaign charts: one scope's rows of the window's days, covered.
        Index("ix_activity_day_window", "scope", "day", "scope_id", "actions", "latest"),
        CheckConstraint(f"scope IN {SCOPES!r}", name="scope"),
    )

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope_id: Mapped[int] = mapped_column(primary_key=True)  # SITE_ID for the site
    day: Mapped[date] = mapped_column(primary_key=True)
    active: Mapped[int] = mapped_column(default=0)
    actions: Mapped[int] = mapped_column(default=0)
    posts: Mapped[int] = mapped_column(default=0)
    checkins: Mapped[int] = mapped_column(default=0)
    registers: Mapped[int] = mapped_column(default=0)
    latest: Mapped[int] = mapped_column(default=0)


# The tier chart counts members reaching each threshold: a range of this index per tier.
Index("ix_user_account_growth", User.is_banned, User.growth)


class WinbackCampaign(Base):
    """One win-back send (流失召回): a message, optionally a points gift or a store item."""

    __tablename__ = "winback_campaign"
    __table_args__ = (
        Index("ix_winback_campaign_created", "created_at", "id"),
        CheckConstraint("points >= 0", name="points_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The form's idempotency token: a double submit finds the first campaign.
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    silent_days: Mapped[int] = mapped_column(default=7)
    points: Mapped[int] = mapped_column(default=0)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("store_item.id", ondelete="SET NULL"))
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class WinbackRecipient(Base):
    """A member reached by a win-back campaign: the primary key makes it once per member."""

    __tablename__ = "winback_recipient"
    __table_args__ = (Index("ix_winback_recipient_user", "user_id", "created_at"),)

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("winback_campaign.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    points_paid: Mapped[int] = mapped_column(default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("store_order.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class SavedSegment(Base):
    """A member segment an admin saved from the filter form: the filters, never a list of ids."""

    __tablename__ = "saved_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # The filter form's values as JSON; members are computed from data at every view.
    filters: Mapped[str] = mapped_column(Text, default="{}")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class SegmentAction(Base):
    """One bulk action on a segment (notify, points, prize, campaign invite).

    `request_id` comes from the form, so a retried or double-submitted request finds this row
    and does nothing; the recipients' primary key makes every member's share happen once.
    """

    __tablename__ = "segment_action"
    __table_args__ = (
        Index("ix_segment_action_segment", "segment", "id"),
        CheckConstraint("action IN ('notify', 'points', 'prize', 'campaign')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    # "new", "active", ... for built-in segments, "saved:<id>" for saved ones.
    segment: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(default=0)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("store_item.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None]
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class SegmentRecipient(Base):
    """A member reached by a segment action: the primary key is the once-per-member guard."""

    __tablename__ = "segment_recipient"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("segment_action.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
