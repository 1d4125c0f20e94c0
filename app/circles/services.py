"""Circles: create, discover, join/leave, join requests, and member moderation."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import audit, clock, events, images
from app.core.db import db, use_case
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import can, has_policy, is_admin, require
from app.notifications.services import notify, register_kind

from .models import JOIN_POLICIES, VISIBILITIES, Circle, Membership
from .policies import as_circle, is_moderator, membership_of

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
# `site` is the leaderboards' whole-site scope; `new` is the create page.
RESERVED_SLUGS = {"site", "new", "admin", "manage", "api", "static", "media"}
MEMBER_ACTIONS = (
    "approve",
    "reject",
    "mute",
    "unmute",
    "ban",
    "unban",
    "cohost",
    "uncohost",
    "shadow",
    "unshadow",
)
# The auto-hide threshold hosts may set, in hundredths of a report weight (0.5 to 100).
REPORT_THRESHOLD_RANGE = (50, 10_000)

register_kind("circle.join_request", _l("%(actor)s asked to join %(circle)s"))
register_kind("circle.join_approved", _l("You are now a member of %(circle)s"))
register_kind("circle.join_rejected", _l("Your request to join %(circle)s was declined"))
register_kind("circle.muted", _l("You were muted in %(circle)s for %(days)s days"))
register_kind("circle.banned", _l("You were removed from %(circle)s"))
register_kind("circle.cohost", _l("You are now a co-host of %(circle)s"))


# --- Queries -------------------------------------------------------------------------------


def get_circle(slug: str) -> Circle:
    """The circle with this slug (its card is public), or NotFound."""
    circle = find_circle(slug)
    if circle is None:
        raise NotFound()
    return circle


def find_circle(slug: str) -> Circle | None:
    """The circle with this slug, or None."""
    return db.session.scalar(select(Circle).where(Circle.slug == (slug or "").strip().lower()))


def get_circle_by_id(circle_id: int) -> Circle | None:
    return as_circle(circle_id)


def list_member_circles(user_id: int) -> list[Circle]:
    """The circles `user_id` is an active member of, by name."""
    query = (
        select(Circle)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(Membership.user_id == user_id, Membership.status == "active")
        .order_by(Circle.name)
    )
    return list(db.session.scalars(query))


def is_public(circle_id: int) -> bool:
    """Whether a circle's files may sit in shared caches."""
    circle = as_circle(circle_id)
    return circle is not None and not circle.is_private


def list_circles(*, cursor: str | None = None, limit: int = 20) -> Page[Circle]:
    """Every circle's card (private ones too: only their content is hidden), busiest first.

    Archived circles leave the list (their pages stay readable).
    """
    return keyset(
        select(Circle).where(Circle.archived_at.is_(None)),
        [(Circle.member_count, True), (Circle.id, True)],
        cursor=cursor,
        limit=limit,
    )


def my_circle_ids(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    query = select(Membership.circle_id).where(Membership.user_id == user.id, Membership.status == "active")
    return list(db.session.scalars(query))


def list_my_memberships(user: Any) -> dict[int, Membership]:
    """The user's rows in every circle (one query), for the discover page's buttons."""
    if not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.scalars(select(Membership).where(Membership.user_id == user.id))
    return {m.circle_id: m for m in rows}


def list_members(circle: Circle, *, status: str = "active", limit: int = 50) -> list[Membership]:
    query = (
        select(Membership)
        .where(Membership.circle_id == circle.id, Membership.status == status)
        .order_by(Membership.created_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def moderator_ids(circle: Circle) -> list[int]:
    query = select(Membership.user_id).where(
        Membership.circle_id == circle.id,
        Membership.status == "active",
        Membership.role.in_(("owner", "cohost")),
    )
    return list(db.session.scalars(query))


def mute_message(membership: Membership) -> Any:
    until = clock.local(membership.muted_until) if membership.muted_until else None
    return _l(
        "You are muted in this circle until %(until)s.",
        until=until.strftime("%Y-%m-%d %H:%M") if until else "",
    )


def check_can_participate(actor: Any, circle: Circle) -> None:
    """Refuse non-members (403) and muted members (403 with the date) for posting/commenting."""
    require(actor, "circle.view_content", circle)
    require(actor, "circle.participate", circle)
    membership = membership_of(actor, circle)
    if membership is not None and membership.is_muted():
        raise Forbidden(mute_message(membership))


# --- Creating a circle ---------------------------------------------------------------------


@use_case
def create_circle(
    actor: Any,
    *,
    name: str,
    slug: str,
    description: str = "",
    visibility: str = "public",
    join_policy: str = "open",
    min_tier: str = "",
    require_approval: bool = False,
    cover: IO[bytes] | None = None,
    cover_filename: str | None = None,
) -> Circle:
    """A host's new circle, with the host as its owner and first member."""
    require(actor, "circle.create")
    name, slug, min_tier = name.strip(), slug.strip().lower(), (min_tier or "").strip()
    errors: dict[str, Any] = {}
    if not 2 <= len(name) <= 60:
        errors["name"] = _l("Use 2–60 characters.")
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        errors["slug"] = _l("3–40 lowercase letters, digits or dashes, e.g. morning-run.")
    elif db.session.scalar(select(Circle.id).where(Circle.slug == slug)) is not None:
        errors["slug"] = _l("This address is taken.")
    if len(description) > 2000:
        errors["description"] = _l("At most 2000 characters.")
    if visibility not in VISIBILITIES:
        errors["visibility"] = _l("Choose public or private.")
    if join_policy not in JOIN_POLICIES:
        errors["join_policy"] = _l("Choose how people join.")
    elif join_policy == "tier" and not min_tier:
        errors["min_tier"] = _l("Choose the member tier needed to join.")
    if errors:
        raise Invalid(fields=errors)
    circle = Circle(
        name=name,
        slug=slug,
        description=description.strip(),
        owner_id=actor.id,
        visibility=visibility,
        join_policy=join_policy,
        min_tier=min_tier if join_policy == "tier" else None,
        require_approval=require_approval,
        member_count=1,
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(circle)
    except IntegrityError as exc:
        raise Invalid(fields={"slug": _l("This address is taken.")}) from exc
    if cover is not None:
        try:
            upload = images.save_image(
                cover, owner_id=actor.id, variants=images.COVER, filename=cover_filename, circle_id=circle.id
            )
        except Invalid as exc:
            raise Invalid(fields={"cover": exc.message}) from exc
        db.session.flush()
        circle.cover_id = upload.id
    db.session.add(Membership(circle_id=circle.id, user_id=actor.id, role="owner", status="active"))
    db.session.flush()
    audit.record(actor, "circle.create", circle, circle_id=circle.id)
    events.publish(events.CircleJoined(user_id=actor.id, circle_id=circle.id))
    return circle


# --- Joining and leaving -------------------------------------------------------------------


def _entry_allowed(actor: Any, circle: Circle) -> bool:
    """Tier and ticket circles ask the tiers/store features, once those exist."""
    if circle.join_policy == "tier":
        return has_policy("tiers.reaches") and can(actor, "tiers.reaches", circle.min_tier)
    if circle.join_policy == "ticket":
        return has_policy("store.holds_ticket") and can(actor, "store.holds_ticket", circle.id)
    return True


def _change_member_count(circle: Circle, delta: int) -> None:
    db.session.execute(
        update(Circle)
        .where(Circle.id == circle.id)
        .values(member_count=Circle.member_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(circle, ["member_count"])


@use_case
def join_circle(actor: Any, circle: Circle) -> Membership:
    """Join (open), ask to join (approval), or be refused; joining twice changes nothing."""
    require(actor, "circle.join", circle)
    if circle.is_archived:
        raise Conflict(_l("This circle is archived and takes no new members."))
    existing = membership_of(actor, circle)
    if existing is not None:
        if existing.status == "banned":
            raise Forbidden(_l("You can no longer join this circle."))
        return existing
    if not is_admin(actor) and not _entry_allowed(actor, circle):
        raise Forbidden(_l("This circle needs a member tier or a ticket to join."))
    status = "pending" if circle.join_policy == "approval" and not is_admin(actor) else "active"
    membership = Membership(circle_id=circle.id, user_id=actor.id, role="member", status=status)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        # A double tap raced us: the other request's row is the answer.
        db.session.expire_all()
        again = membership_of(actor, circle)
        if again is None:
            raise
        return again
    if status == "active":
        _change_member_count(circle, 1)
        events.publish(events.CircleJoined(user_id=actor.id, circle_id=circle.id))
    else:
        for host_id in moderator_ids(circle):
            notify(
                host_id,
                "circle.join_request",
                actor_id=actor.id,
                url=f"/c/{circle.slug}/manage",
                params={"circle": circle.name},
            )
    return membership


@use_case
def leave_circle(actor: Any, circle: Circle) -> None:
    """Leave (or withdraw a request); the owner stays. Leaving twice changes nothing."""
    require(actor, "circle.join", circle)
    membership = membership_of(actor, circle)
    if membership is None or membership.status == "banned":
        return
    if membership.role == "owner":
        raise Conflict(_l("The owner cannot leave their own circle."))
    was_active = membership.is_active
    result = db.session.execute(
        delete(Membership)
        .where(
            Membership.circle_id == circle.id,
            Membership.user_id == actor.id,
            Membership.status == membership.status,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expunge(membership)
    if was_active and result.rowcount:  # type: ignore[attr-defined]
        _change_member_count(circle, -1)


# --- Member moderation ---------------------------------------------------------------------


def _set_status(circle: Circle, user_id: int, *, old: tuple[str, ...], **values: Any) -> bool:
    result = db.session.execute(
        update(Membership)
        .where(Membership.circle_id == circle.id, Membership.user_id == user_id, Membership.status.in_(old))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@use_case
def moderate_member(
    actor: Any, circle: Circle, target: User, action: str, *, days: int | None = None, reason: str = ""
) -> Membership | None:
    """A host's action on a member: requests, mute, ban, co-hosts and shadow-mute, audited.

    shadow/unshadow (透明人): what they write from now on is seen only by them and the hosts.
    """
    require(actor, "circle.view_content", circle)
    require(actor, "circle.moderate", circle)
    if action not in MEMBER_ACTIONS:
        raise Invalid(fields={"action": _l("Unknown action.")})
    if action in ("cohost", "uncohost"):
        require(actor, "circle.manage_cohosts", circle)
    membership = membership_of(target, circle)
    if membership is not None and membership.role == "owner":
        raise Forbidden(_l("The owner of a circle cannot be moderated."))
    if (
        membership is not None
        and membership.role == "cohost"
        and action not in ("uncohost", "cohost")
        and not can(actor, "circle.manage_cohosts", circle)
    ):
        raise Forbidden(_l("Only the owner can act on a co-host."))
    params: dict[str, str | int] = {"circle": circle.name}
    url = f"/c/{circle.slug}"
    changed = False
    if action == "approve":
        changed = _set_status(circle, target.id, old=("pending",), status="active")
        if changed:
            _change_member_count(circle, 1)
            events.publish(events.CircleJoined(user_id=target.id, circle_id=circle.id))
            notify(target.id, "circle.join_approved", actor_id=actor.id, url=url, params=params)
    elif action == "reject":
        result = db.session.execute(
            delete(Membership)
            .where(
                Membership.circle_id == circle.id,
                Membership.user_id == target.id,
                Membership.status == "pending",
            )
            .execution_options(synchronize_session=False)
        )
        changed = bool(result.rowcount)  # type: ignore[attr-defined]
        if changed:
            notify(target.id, "circle.join_rejected", actor_id=actor.id, url=url, params=params)
    elif action == "mute":
        days = days if days is not None else 1
        if not 1 <= days <= 365:
            raise Invalid(fields={"days": _l("Mute for 1 to 365 days.")})
        until = clock.now() + timedelta(days=days)
        changed = _set_status(circle, target.id, old=("active",), muted_until=until)
        if changed:
            notify(target.id, "circle.muted", actor_id=actor.id, url=url, params={**params, "days": days})
    elif action == "unmute":
        changed = _set_status(circle, target.id, old=("active",), muted_until=None)
    elif action == "ban":
        if membership is None:
            db.session.add(Membership(circle_id=circle.id, user_id=target.id, status="banned"))
            changed = True
        else:
            was_active = membership.is_active
            changed = _set_status(
                circle, target.id, old=("active", "pending"), status="banned", role="member"
            )
            if changed and was_active:
                _change_member_count(circle, -1)
        if changed:
            notify(target.id, "circle.banned", actor_id=actor.id, url=url, params=params)
    elif action == "unban":
        result = db.session.execute(
            delete(Membership)
            .where(
                Membership.circle_id == circle.id,
                Membership.user_id == target.id,
                Membership.status == "banned",
            )
            .execution_options(synchronize_session=False)
        )
        changed = bool(result.rowcount)  # type: ignore[attr-defined]
    elif action in ("cohost", "uncohost"):
        role = "cohost" if action == "cohost" else "member"
        changed = _set_status(circle, target.id, old=("active",), role=role)
        if not changed and action == "cohost":
            raise Conflict(_l("Only active members can become co-hosts."))
        if changed and action == "cohost":
            notify(target.id, "circle.cohost", actor_id=actor.id, url=url, params=params)
    elif action in ("shadow", "unshadow"):
        # 透明人: never notified (that is the point). Hosts see everyone's content anyway.
        if membership is not None and membership.role != "member":
            raise Conflict(_l("Co-hosts cannot be shadow-muted."))
        changed = _set_status(circle, target.id, old=("active",), shadowed=action == "shadow")
        if not changed:
            raise Conflict(_l("Only active members can be shadow-muted."))
    if membership is not None:
        db.session.expunge(membership)
    audit.record(
        actor,
        f"member.{action}",
        target,
        reason=reason,
        circle_id=circle.id,
        data={"days": days} if action == "mute" else None,
    )
    if not changed and action in ("approve", "reject"):
        raise Conflict(_l("There is no pending request from this member."))
    return membership_of(target, circle)


def parse_weight(text: str) -> int | None:
    """ "3", "2.5" or "1.25" -> hundredths (300, 250, 125); None when it is not such a number."""
    try:
        value = Decimal((text or "").strip())
        if not value.is_finite() or abs(value) > 1_000_000 or value != value.quantize(Decimal("0.01")):
            return None
    except InvalidOperation:
        return None
    return int(value * 100)


@use_case
def set_report_threshold(actor: Any, circle: Circle, value: str, *, reason: str = "") -> Circle:
    """A host sets how much report weight hides a post or comment until review, audited."""
    require(actor, "circle.view_content", circle)
    require(actor, "circle.moderate", circle)
    low, high = REPORT_THRESHOLD_RANGE
    pct = parse_weight(value)
    if pct is None or not low <= pct <= high:
        raise Invalid(fields={"report_threshold": _l("Enter a number from 0.5 to 100, e.g. 3 or 2.5.")})
    before = circle.report_threshold_pct
    circle.report_threshold_pct = pct
    db.session.flush()
    audit.record(
        actor,
        "circle.report_threshold",
        circle,
        reason=(reason or "").strip()[:500],
        circle_id=circle.id,
        data={"from": before, "to": pct},
    )
    return circle


def is_host_of(actor: Any, circle: Circle) -> bool:
    """For templates: whether to show moderation controls."""
    return is_moderator(actor, circle)
