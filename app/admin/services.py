"""Admin console services: members (search, role, ban), tiers and earning rules, the audit log.

Every function is an admin action: `require(actor, "admin.access")` first (the policy lives
in app/points/services.py), and every change writes an audit row in its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.models import User
from app.circles.models import Circle
from app.core import audit, clock
from app.core.audit import AuditEntry
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import require
from app.points.models import PointsRule, Tier

USERS_PAGE = 30
AUDIT_PAGE = 40


# --- Members -------------------------------------------------------------------------------


def search_users(
    actor: Any, *, query: str = "", cursor: str | None = None, limit: int = USERS_PAGE
) -> Page[User]:
    """Members matching a name, username or email fragment, newest first (keyset by id)."""
    require(actor, "admin.access")
    statement = select(User)
    query = query.strip()
    if query:
        like = f"%{query}%"
        statement = statement.where(
            or_(User.username.ilike(like), User.display_name.ilike(like), User.email.ilike(like))
        )
    return keyset(statement, [(User.id, True)], cursor=cursor, limit=limit)


@use_case
def change_role(actor: Any, target: User, role: str, *, reason: str = "") -> User:
    """Set a member's role; an admin cannot take their own admin role away (no lock-out)."""
    require(actor, "admin.access")
    if target.id == actor.id and role != "admin":
        raise Conflict(_l("You cannot remove your own admin role."))
    return accounts.set_role(actor, target, role, reason=reason)


@use_case
def set_banned(actor: Any, target: User, banned: bool, *, reason: str = "") -> User:
    """Ban (and log out everywhere) or unban a member; repeating changes nothing."""
    require(actor, "admin.access")
    reason = (reason or "").strip()
    if banned and target.id == actor.id:
        raise Conflict(_l("You cannot ban yourself."))
    if banned and not reason:
        raise Invalid(fields={"reason": _l("Please give a reason.")})
    values: dict[str, Any] = {"is_banned": banned}
    if banned:
        # Sessions carry the version: bumping it ends every session of this member at once.
        values["session_version"] = User.session_version + 1
    result = db.session.execute(
        update(User)
        .where(User.id == target.id, User.is_banned.is_(not banned))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    user = db.session.get(User, target.id)
    if user is None:
        raise NotFound()
    db.session.refresh(user)
    if result.rowcount:  # type: ignore[attr-defined]
        audit.record(actor, "user.ban" if banned else "user.unban", user, reason=reason)
    return user


# --- Tiers and earning rules (the data the points engine reads on every award) --------------


@dataclass
class TierInput:
    slug: str
    name_zh: str
    name_en: str
    threshold: int | None
    multiplier_pct: int | None
    privileges_zh: str = ""
    privileges_en: str = ""
    # None keeps the current value (a new tier: 0).
    birthday_points: int | None = None
    # None keeps the tier's report weight (100 for a new tier).
    report_weight_pct: int | None = None


def _check_tier(data: TierInput) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not data.name_zh.strip() or len(data.name_zh) > 40:
        errors["name_zh"] = _l("Use 1–40 characters.")
    if not data.name_en.strip() or len(data.name_en) > 40:
        errors["name_en"] = _l("Use 1–40 characters.")
    if data.threshold is None or not 0 <= data.threshold <= 100_000_000:
        errors["threshold"] = _l("Enter a growth value of 0 or more.")
    if data.multiplier_pct is None or not 100 <= data.multiplier_pct <= 1000:
        errors["multiplier_pct"] = _l("Enter a percentage from 100 to 1000.")
    if data.birthday_points is not None and not 0 <= data.birthday_points <= 100_000:
        errors["birthday_points"] = _l("Enter 0 to 100000 points (0 = no birthday gift).")
    if data.report_weight_pct is not None and not 0 <= data.report_weight_pct <= 1000:
        errors["report_weight_pct"] = _l("Enter a percentage from 0 to 1000.")
    return errors


def _tier_snapshot(tier: Tier) -> dict[str, Any]:
    return {
        "name_zh": tier.name_zh,
        "name_en": tier.name_en,
        "threshold": tier.threshold,
        "multiplier_pct": tier.multiplier_pct,
        "birthday_points": tier.birthday_points,
        "report_weight_pct": tier.report_weight_pct,
    }


@use_case
def save_tier(actor: Any, tier_id: int | None, data: TierInput) -> Tier:
    """Create a tier (tier_id None) or edit one; audited with the before and after values."""
    require(actor, "admin.access")
    errors = _check_tier(data)
    tier = db.session.get(Tier, tier_id) if tier_id is not None else None
    if tier_id is not None and tier is None:
        raise NotFound()
    if tier is None:
        slug = data.slug.strip().lower()
        if not slug.replace("-", "").replace("_", "").isalnum() or not 2 <= len(slug) <= 32:
            errors["slug"] = _l("2–32 lowercase letters, digits or dashes.")
    if tier is not None and tier.threshold == 0 and data.threshold != 0:
        errors["threshold"] = _l("The first tier always starts at 0.")
    if errors:
        raise Invalid(fields=errors)
    before = _tier_snapshot(tier) if tier is not None else None
    if tier is None:
        tier = Tier(slug=data.slug.strip().lower())
        db.session.add(tier)
    tier.name_zh, tier.name_en = data.name_zh.strip(), data.name_en.strip()
    tier.threshold = int(data.threshold or 0)
    tier.multiplier_pct = int(data.multiplier_pct or 100)
    if data.birthday_points is not None or tier.birthday_points is None:
        tier.birthday_points = int(data.birthday_points or 0)
    if data.report_weight_pct is not None:
        tier.report_weight_pct = data.report_weight_pct
    elif tier.report_weight_pct is None:
        tier.report_weight_pct = 100
    tier.privileges_zh, tier.privileges_en = data.privileges_zh.strip(), data.privileges_en.strip()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Invalid(fields={"threshold": _l("Another tier has this threshold (or slug).")}) from exc
    audit.record(
        actor,
        "tier.create" if before is None else "tier.update",
        tier,
        data={"before": before, "after": _tier_snapshot(tier)},
    )
    return tier


@use_case
def save_rule(
    actor: Any, key: str, *, points: int | None, daily_cap: int | None, is_active: bool
) -> PointsRule:
    """Change an earning rule's points, daily cap (None: no cap) and switch; audited."""
    require(actor, "admin.access")
    rule = db.session.get(PointsRule, key)
    if rule is None:
        raise NotFound()
    errors: dict[str, Any] = {}
    if points is None or not 0 <= points <= 100_000:
        errors["points"] = _l("Enter 0 to 100000 points.")
    if daily_cap is not None and not 0 <= daily_cap <= 10_000:
        errors["daily_cap"] = _l("Leave empty for no cap, or enter 0 to 10000.")
    if errors:
        raise Invalid(fields=errors)
    before = {"points": rule.points, "daily_cap": rule.daily_cap, "is_active": rule.is_active}
    rule.points, rule.daily_cap, rule.is_active = int(points or 0), daily_cap, is_active
    after = {"points": rule.points, "daily_cap": rule.daily_cap, "is_active": rule.is_active}
    if before != after:
        audit.record(
            actor,
            "points.rule_update",
            None,
            reason=key,
            data={"rule": key, "before": before, "after": after},
        )
    return rule


# --- The audit log -------------------------------------------------------------------------


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    circle: str = ""
    since: date | None = None
    until: date | None = None


def list_audit(
    actor: Any, filters: AuditFilter, *, cursor: str | None = None, limit: int = AUDIT_PAGE
) -> Page[AuditEntry]:
    """Audit rows newest first, filtered by actor username, action (prefix), circle, days."""
    require(actor, "admin.access")
    statement = select(AuditEntry)
    if filters.actor.strip():
        who = accounts.get_by_username(filters.actor.strip())
        statement = statement.where(AuditEntry.actor_id == (who.id if who else -1))
    if filters.action.strip():
        statement = statement.where(AuditEntry.action.startswith(filters.action.strip(), autoescape=True))
    if filters.circle.strip():
        statement = statement.where(AuditEntry.circle_id == _circle_id(filters.circle.strip()))
    if filters.since is not None:
        statement = statement.where(AuditEntry.created_at >= clock.day_start(filters.since))
    if filters.until is not None:
        statement = statement.where(
            AuditEntry.created_at < clock.day_start(filters.until + timedelta(days=1))
        )
    return keyset(statement, [(AuditEntry.id, True)], cursor=cursor, limit=limit)


def _circle_id(slug_or_id: str) -> int:
    from_slug = db.session.scalar(select(Circle.id).where(Circle.slug == slug_or_id.lower()))
    if from_slug is not None:
        return int(from_slug)
    return int(slug_or_id) if slug_or_id.isdigit() else -1


def audit_people(entries: list[AuditEntry]) -> dict[int, User]:
    """The actors and target members of a page of audit rows, in one query."""
    ids = {e.actor_id for e in entries if e.actor_id} | {
        e.target_id for e in entries if e.target_type == "user_account" and e.target_id
    }
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
