"""Member segments (会员分层): who is new, active, high tier, lapsing, never checked in.

A segment is a query, never a stored list: built-in segments are defined here, saved ones
are the filter form's values. Sizes and lists are SQL (a count per segment, all in one
statement on the index page); bulk actions reach the members a segment holds at the moment
the action runs, once each (the recipients' primary key), and a retried form does nothing
(the action's unique `request_id`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.badges.models import Badge, BadgeAward
from app.checkins.models import Campaign, Checkin, Completion
from app.circles.models import Circle, Membership
from app.core import audit, clock
from app.core.db import db, insert_ignoring_conflict, use_case
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import require
from app.notifications.services import notify, register_kind
from app.points.ledger import adjust_balance
from app.points.models import PointsEntry, Tier, TierTrial
from app.store.fulfilment import grant_prize
from app.store.models import StoreItem

from .lapsing import LOOKBACK
from .models import ACTIVE_KINDS, ActivityEvent, SavedSegment, SegmentAction, SegmentRecipient

ACTIONS = ("notify", "points", "prize", "campaign")
PAGE_SIZE = 50
ACTIVE_WINDOW = 14
HIGH_TIER_SLUG = "advanced"

register_kind("segment.message", _l("%(message)s"))
register_kind("segment.points", _l("%(message)s (%(points)s points were added to your account)"))
register_kind("segment.campaign", _l("You are invited to the check-in campaign “%(title)s”. %(message)s"))


# --- Definitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Builtin:
    key: str
    name: Any
    description: Any
    # The one number a built-in segment takes (days or active days) and its allowed range.
    param: int
    param_label: Any = None
    param_min: int = 1
    param_max: int = 365


BUILTINS: dict[str, Builtin] = {
    b.key: b
    for b in (
        Builtin(
            "new",
            _l("New members"),
            _l("Joined in the last %(n)d days."),
            7,
            _l("Joined within (days)"),
        ),
        Builtin(
            "active",
            _l("Active members"),
            _l("Active on at least %(n)d of the last 14 days."),
            5,
            _l("Active days (of 14)"),
            1,
            ACTIVE_WINDOW,
        ),
        Builtin("high-tier", _l("High tiers"), _l("Advanced and premium members, tier trials included."), 0),
        Builtin(
            "lapsing",
            _l("Lapsing members"),
            _l("Active before, silent for the last %(n)d days."),
            7,
            _l("Silent for (days)"),
        ),
        Builtin(
            "never-checked-in", _l("Never checked in"), _l("Members who have not done a check-in yet."), 0
        ),
    )
}


@dataclass
class Filters:
    """The saved-segment filter form; every field optional, all given ones must hold."""

    tier: str = ""
    circle: str = ""
    joined_from: date | None = None
    joined_to: date | None = None
    active_from: date | None = None
    active_to: date | None = None
    points_min: int | None = None
    points_max: int | None = None
    badge_id: int | None = None
    campaign_id: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                k: v.isoformat() if isinstance(v, date) else v
                for k, v in asdict(self).items()
                if v not in ("", None)
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, raw: str) -> Filters:
        data = json.loads(raw or "{}")
        out = cls()
        for f in fields(cls):
            value = data.get(f.name)
            if value is None:
                continue
            if f.name.endswith(("_from", "_to")):
                value = date.fromisoformat(value)
            setattr(out, f.name, value)
        return out

    def is_empty(self) -> bool:
        return self.to_json() == "{}"


@dataclass
class Segment:
    key: str  # "new" ... or the saved segment's id as a string
    name: str
    description: str
    builtin: Builtin | None = None
    param: int = 0
    saved: SavedSegment | None = None
    filters: Filters = field(default_factory=Filters)

    @property
    def action_key(self) -> str:
        return f"saved:{self.key}" if self.saved else self.key


# --- SQL building blocks ------------------------------------------------------------------


def _effective_threshold() -> Any:
    """The threshold of the member's effective tier: earned by growth, or a live trial if higher."""
    earned = (
        select(func.coalesce(func.max(Tier.threshold), 0))
        .where(Tier.threshold <= User.growth)
        .correlate(User)
        .scalar_subquery()
    )
    trial = (
        select(func.coalesce(func.max(Tier.threshold), -1))
        .join(TierTrial, TierTrial.tier_id == Tier.id)
        .where(TierTrial.user_id == User.id, TierTrial.ends_at > clock.now())
        .correlate(User)
        .scalar_subquery()
    )
    return case((trial > earned, trial), else_=earned)


def _members() -> Select[Any]:
    """Everybody a segment may hold: members and hosts who are not banned."""
    return select(User.id).where(User.is_banned.is_(False), User.role != "admin")


def _last_active() -> Any:
    return (
        select(func.max(ActivityEvent.day))
        .where(ActivityEvent.user_id == User.id, ActivityEvent.kind.in_(ACTIVE_KINDS))
        .correlate(User)
        .scalar_subquery()
    )


def _builtin_conditions(builtin: Builtin, param: int) -> list[ColumnElement[bool]]:
    today = clock.today()
    if builtin.key == "new":
        return [User.created_at >= clock.day_start(today - timedelta(days=param - 1))]
    if builtin.key == "active":
        active_days = (
            select(func.count(func.distinct(ActivityEvent.day)))
            .where(
                ActivityEvent.user_id == User.id,
                ActivityEvent.kind.in_(ACTIVE_KINDS),
                ActivityEvent.day > today - timedelta(days=ACTIVE_WINDOW),
            )
            .correlate(User)
            .scalar_subquery()
        )
        return [active_days >= param]
    if builtin.key == "high-tier":
        high = select(Tier.threshold).where(Tier.slug == HIGH_TIER_SLUG).scalar_subquery()
        return [_effective_threshold() >= high]
    if builtin.key == "lapsing":
        # The lapsing list's definition: active within LOOKBACK days before the silence.
        last = _last_active()
        recent = exists().where(
            ActivityEvent.user_id == User.id,
            ActivityEvent.kind.in_(ACTIVE_KINDS),
            ActivityEvent.day > today - timedelta(days=param + LOOKBACK),
        )
        return [recent, last <= today - timedelta(days=param)]
    if builtin.key == "never-checked-in":
        return [~exists().where(Checkin.user_id == User.id)]
    raise NotFound()


def _filter_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.tier:
        tier = db.session.scalar(select(Tier).where(Tier.slug == filters.tier))
        out.append(_effective_threshold() == (tier.threshold if tier else -2))
    if filters.circle:
        out.append(
            exists().where(
                Membership.user_id == User.id,
                Membership.status == "active",
                Membership.circle_id
                == select(Circle.id).where(Circle.slug == filters.circle).scalar_subquery(),
            )
        )
    if filters.joined_from:
        out.append(User.created_at >= clock.day_start(filters.joined_from))
    if filters.joined_to:
        out.append(User.created_at < clock.day_start(filters.joined_to + timedelta(days=1)))
    if filters.active_from or filters.active_to:
        last = _last_active()
        if filters.active_from:
            out.append(last >= filters.active_from)
        if filters.active_to:
            out.append(last <= filters.active_to)
    if filters.points_min is not None:
        out.append(User.points >= filters.points_min)
    if filters.points_max is not None:
        out.append(User.points <= filters.points_max)
    if filters.badge_id is not None:
        out.append(exists().where(BadgeAward.user_id == User.id, BadgeAward.badge_id == filters.badge_id))
    if filters.campaign_id is not None:
        out.append(
            exists().where(Completion.user_id == User.id, Completion.campaign_id == filters.campaign_id)
        )
    return out


def conditions(segment: Segment) -> list[ColumnElement[bool]]:
    if segment.builtin is not None:
        return _builtin_conditions(segment.builtin, segment.param)
    return _filter_conditions(segment.filters)


def member_ids(segment: Segment) -> Select[Any]:
    return _members().where(*conditions(segment))


# --- Reading ------------------------------------------------------------------------------


def _builtin(key: str, param: int | None) -> Segment:
    builtin = BUILTINS[key]
    value = builtin.param if param is None else max(builtin.param_min, min(builtin.param_max, param))
    return Segment(
        key=key,
        name=str(builtin.name),
        description=str(builtin.description) % {"n": value},
        builtin=builtin,
        param=value,
    )


def _saved(saved: SavedSegment) -> Segment:
    return Segment(
        key=str(saved.id),
        name=saved.name,
        description="",
        saved=saved,
        filters=Filters.from_json(saved.filters),
    )


def get_segment(actor: Any, key: str, *, param: int | None = None) -> Segment:
    require(actor, "admin.access")
    if key in BUILTINS:
        return _builtin(key, param)
    saved = db.session.get(SavedSegment, int(key)) if key.isdigit() else None
    if saved is None:
        raise NotFound()
    return _saved(saved)


def list_segments(actor: Any) -> list[tuple[Segment, int]]:
    """Every segment with its size: one statement, a COUNT subquery per segment."""
    require(actor, "admin.access")
    segments = [_builtin(key, None) for key in BUILTINS]
    segments += [_saved(s) for s in db.session.scalars(select(SavedSegment).order_by(SavedSegment.id))]
    sizes = [
        select(func.count()).select_from(member_ids(segment).subquery()).scalar_subquery()
        for segment in segments
    ]
    counts = db.session.execute(select(*sizes)).one()
    return list(zip(segments, [int(n) for n in counts], strict=True))


def size(segment: Segment) -> int:
    return int(db.session.scalar(select(func.count()).select_from(member_ids(segment).subquery())) or 0)


def page_members(segment: Segment, *, cursor: str | None, limit: int = PAGE_SIZE) -> Page[User]:
    """The segment's members, newest first, by cursor (keyset on the user id)."""
    query = select(User).where(User.id.in_(member_ids(segment)))
    return keyset(query, [(User.id, True)], cursor=cursor, limit=limit)


def export_rows(segment: Segment) -> Iterator[Sequence[Any]]:
    """CSV rows for the segment, streamed (yield_per) so memory stays flat."""
    query = (
        select(
            User.id,
            User.username,
            User.display_name,
            User.email,
            User.points,
            User.growth,
            User.created_at,
            _last_active().label("last_active"),
        )
        .where(User.id.in_(member_ids(segment)))
        .order_by(User.id)
    )
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        yield tuple(row)


EXPORT_HEADERS = ("id", "username", "display_name", "email", "points", "growth", "joined_at", "last_active")


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: Any
    count: int


FUNNEL = (
    ("signed_up", _l("Signed up")),
    ("complete_profile", _l("Completed their profile")),
    ("join_circle", _l("Joined a circle")),
    ("first_post", _l("First post")),
    ("first_checkin", _l("First check-in")),
)


def funnel(segment: Segment) -> list[FunnelStep]:
    """The welcome flow's funnel for the segment's members, from the newbie tasks they did.

    Each step is a newbie task paid once through the ledger (rule "task", reason the task),
    so one statement with a conditional count per step answers it.
    """
    members = member_ids(segment).subquery()

    def did(task: str) -> Any:
        return func.count(
            case(
                (
                    exists().where(
                        PointsEntry.user_id == members.c.id,
                        PointsEntry.rule == "task",
                        PointsEntry.reason == task,
                    ),
                    1,
                )
            )
        )

    row = db.session.execute(
        select(func.count(), *[did(key) for key, _label in FUNNEL[1:]]).select_from(members)
    ).one()
    return [FunnelStep(key, label, int(n)) for (key, label), n in zip(FUNNEL, row, strict=True)]


def list_actions(segment: Segment, limit: int = 10) -> list[SegmentAction]:
    return list(
        db.session.scalars(
            select(SegmentAction)
            .where(SegmentAction.segment == segment.action_key)
            .order_by(SegmentAction.id.desc())
            .limit(limit)
        )
    )


def campaign_choices() -> list[tuple[int, str]]:
    """Campaigns worth inviting to: not over yet (weekly ones never are), newest first."""
    today = clock.today()
    rows = db.session.execute(
        select(Campaign.id, Campaign.title, Circle.name)
        .join(Circle, Circle.id == Campaign.circle_id)
        .where(Circle.archived_at.is_(None))
        .order_by(Campaign.id.desc())
        .limit(100)
        .add_columns(Campaign.start_date, Campaign.days, Campaign.repeat_weekly)
    )
    return [
        (cid, f"{title} · {circle}")
        for cid, title, circle, start, days, weekly in rows
        if weekly or start + timedelta(days=days) > today
    ]


def tier_choices(lang: str) -> list[tuple[str, str]]:
    return [(t.slug, t.name(lang)) for t in db.session.scalars(select(Tier).order_by(Tier.threshold))]


def circle_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Circle.slug, Circle.name).where(Circle.archived_at.is_(None)).order_by(Circle.name)
    )
    return [(slug, name) for slug, name in rows]


def badge_choices() -> list[tuple[int, str]]:
    return [(bid, name) for bid, name in db.session.execute(select(Badge.id, Badge.name).order_by(Badge.id))]


# --- Saving -------------------------------------------------------------------------------


@use_case
def save_segment(actor: Any, *, name: str, filters: Filters) -> SavedSegment:
    require(actor, "admin.access")
    name = (name or "").strip()
    errors: dict[str, Any] = {}
    if not 1 <= len(name) <= 60:
        errors["name"] = _l("Give the segment a name (up to 60 characters).")
    if filters.is_empty():
        errors["tier"] = _l("Choose at least one filter.")
    if filters.tier and db.session.scalar(select(Tier.id).where(Tier.slug == filters.tier)) is None:
        errors["tier"] = _l("Choose a tier from the list.")
    if filters.circle and db.session.scalar(select(Circle.id).where(Circle.slug == filters.circle)) is None:
        errors["circle"] = _l("No circle has this address.")
    if filters.joined_from and filters.joined_to and filters.joined_from > filters.joined_to:
        errors["joined_to"] = _l("The end date comes before the start date.")
    if filters.active_from and filters.active_to and filters.active_from > filters.active_to:
        errors["active_to"] = _l("The end date comes before the start date.")
    if (
        filters.points_min is not None
        and filters.points_max is not None
        and filters.points_min > filters.points_max
    ):
        errors["points_max"] = _l("The maximum is below the minimum.")
    if errors:
        raise Invalid(fields=errors)
    saved = SavedSegment(name=name, filters=filters.to_json(), created_by_id=actor.id, created_at=clock.now())
    db.session.add(saved)
    db.session.flush()
    audit.record(actor, "segment.save", saved, data={"name": name, "filters": json.loads(saved.filters)})
    return saved


@use_case
def delete_segment(actor: Any, key: str) -> None:
    segment = get_segment(actor, key)
    if segment.saved is None:
        # Built-in segments are definitions in code, not rows: there is nothing to delete.
        raise Forbidden()
    audit.record(actor, "segment.delete", segment.saved, data={"name": segment.name})
    db.session.delete(segment.saved)


# --- Bulk actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    action: SegmentAction
    sent: int
    created: bool


def _insert_recipient(action_id: int, user_id: int) -> bool:
    return insert_ignoring_conflict(
        SegmentRecipient,
        {"action_id": action_id, "user_id": user_id, "created_at": clock.now()},
        ["action_id", "user_id"],
    )


def _check(action: str, message: str, points: int, item_id: int | None, campaign_id: int | None) -> Any:
    errors: dict[str, Any] = {}
    target: Any = None
    if action not in ACTIONS:
        errors["action"] = _l("Choose what to do.")
    if action in ("notify", "campaign") and not 2 <= len(message) <= 300:
        errors["message"] = _l("Write 2–300 characters.")
    if action in ("points", "prize") and not 1 <= len(message) <= 300:
        errors["message"] = _l("Please give a reason.")
    if action == "points" and not 1 <= points <= 10_000:
        errors["points"] = _l("Enter 1 to 10000 points.")
    if action == "prize":
        target = db.session.get(StoreItem, item_id) if item_id is not None else None
        if target is None:
            errors["item_id"] = _l("Choose an item from the store.")
    if action == "campaign":
        target = db.session.get(Campaign, campaign_id) if campaign_id is not None else None
        if target is None:
            errors["campaign_id"] = _l("Choose a campaign.")
    if errors:
        raise Invalid(fields=errors)
    return target


@use_case
def run_action(
    actor: Any,
    segment: Segment,
    *,
    request_id: str,
    action: str,
    message: str = "",
    points: int = 0,
    item_id: int | None = None,
    campaign_id: int | None = None,
) -> ActionResult:
    """Apply one bulk action to every member the segment holds now, once per member."""
    require(actor, "admin.access")
    message = (message or "").strip()
    if not request_id or len(request_id) > 64:
        raise Invalid(fields={"message": _l("This form expired; please send it again.")})
    target = _check(action, message, points, item_id, campaign_id)
    existing = db.session.scalar(select(SegmentAction).where(SegmentAction.request_id == request_id))
    if existing is not None:
        return ActionResult(existing, 0, False)
    row = SegmentAction(
        request_id=request_id,
        segment=segment.action_key,
        action=action,
        message=message,
        points=points if action == "points" else 0,
        item_id=item_id if action == "prize" else None,
        campaign_id=campaign_id if action == "campaign" else None,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # The same form twice at once: the first request's action is the answer.
        winner = db.session.scalar(select(SegmentAction).where(SegmentAction.request_id == request_id))
        if winner is None:
            raise
        return ActionResult(winner, 0, False)
    ids = list(db.session.scalars(member_ids(segment).order_by(User.id)))
    if not ids:
        raise Invalid(fields={"action": _l("This segment has no members right now.")})
    if action == "prize" and target.stock < len(ids):
        raise Conflict(_l("Only %(stock)d left in stock for %(n)d members.", stock=target.stock, n=len(ids)))
    sent = 0
    for user_id in ids:
        if not _insert_recipient(row.id, user_id):
            continue
        sent += 1
        _deliver(actor, row, user_id, target)
    db.session.execute(update(SegmentAction).where(SegmentAction.id == row.id).values(recipient_count=sent))
    audit.record(
        actor,
        f"segment.{action}",
        row,
        reason=message,
        data={
            "segment": segment.action_key,
            "segment_name": segment.name,
            "members": sent,
            "points": row.points,
            "item_id": row.item_id,
            "campaign_id": row.campaign_id,
        },
    )
    db.session.refresh(row)
    return ActionResult(row, sent, True)


def _deliver(actor: Any, row: SegmentAction, user_id: int, target: Any) -> None:
    if row.action == "notify":
        notify(user_id, "segment.message", actor_id=actor.id, url="/", params={"message": row.message})
    elif row.action == "points":
        adjust_balance(
            user_id,
            delta=row.points,
            reason=row.message,
            actor_id=actor.id,
            key=f"segment:{row.id}:{user_id}",
        )
        notify(
            user_id,
            "segment.points",
            actor_id=actor.id,
            url="/me/points",
            params={"message": row.message, "points": row.points},
        )
    elif row.action == "prize":
        user = db.session.get(User, user_id)
        assert user is not None
        grant_prize(actor, user, target.id, reason=row.message)
    elif row.action == "campaign":
        circle = db.session.get(Circle, target.circle_id)
        slug = circle.slug if circle else ""
        notify(
            user_id,
            "segment.campaign",
            actor_id=actor.id,
            url=f"/c/{slug}/campaigns/{target.id}",
            params={"title": target.title, "message": row.message},
        )
