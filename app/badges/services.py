"""Badges: define them, grant them (one idempotent `grant_badge`), list holders and a
member's badges, and evaluate automatic rules (one evaluator for live events and backfill).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core import audit, clock, events, images
from app.core.db import db, insert_returning_id, use_case
from app.core.errors import Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import can, has_policy, is_admin, policy, require
from app.core.uploads import read_limited

from . import certificates, rules
from .models import AUTOMATIC_RULES, MANUAL, RULES, Badge, BadgeAward, Certificate

BADGE_IMAGE = (
    images.Variant("sm", 96, True),
    images.Variant("md", 240, True),
    images.Variant("lg", 480, True),
)
MAX_GRANT_NAMES = 2000
_NAME_SPLIT = re.compile(r"[\s,，;；、]+")

# --- Policies ----------------------------------------------------------------------------


def _moderates(actor: Any, circle_id: int | None) -> bool:
    return (
        circle_id is not None and has_policy("circle.moderate") and can(actor, "circle.moderate", circle_id)
    )


@policy("badge.define")
def _can_define(actor: Any, circle_id: int | None) -> bool:
    return is_admin(actor) or _moderates(actor, circle_id)


@policy("badge.grant")
def _can_grant(actor: Any, badge: Badge) -> bool:
    return is_admin(actor) or _moderates(actor, badge.circle_id)


# --- Queries -----------------------------------------------------------------------------


def get_badge(badge_id: int) -> Badge:
    """The badge, or NotFound."""
    badge = db.session.get(Badge, badge_id)
    if badge is None:
        raise NotFound()
    return badge


def list_badges(*, circle_id: int | None = None, site_only: bool = True) -> list[Badge]:
    """Badges newest first: site-wide ones, or one circle's (or every badge for admins)."""
    query = select(Badge).order_by(Badge.id.desc())
    if circle_id is not None:
        query = query.where(Badge.circle_id == circle_id)
    elif site_only:
        query = query.where(Badge.circle_id.is_(None))
    return list(db.session.scalars(query))


def list_holders(badge: Badge, *, cursor: str | None = None, limit: int = 30) -> Page[BadgeAward]:
    """Members holding `badge`, newest award first (keyset pagination, one SELECT)."""
    query = (
        select(BadgeAward)
        .where(BadgeAward.badge_id == badge.id)
        .options(selectinload(BadgeAward.certificate).lazyload(Certificate.award))
    )
    return keyset(
        query,
        [(BadgeAward.created_at, True), (BadgeAward.id, True)],
        cursor=cursor,
        limit=limit,
    )


def list_user_badges(user_id: int) -> list[BadgeAward]:
    """A member's awards (badge, picture and certificate loaded), newest first."""
    query = (
        select(BadgeAward)
        .where(BadgeAward.user_id == user_id)
        # The certificate's award is the row at hand (identity map): don't join it back.
        .options(selectinload(BadgeAward.certificate).lazyload(Certificate.award))
        .order_by(BadgeAward.created_at.desc(), BadgeAward.id.desc())
    )
    return list(db.session.scalars(query).unique())


def get_award(badge_id: int, user_id: int) -> BadgeAward | None:
    return db.session.scalar(
        select(BadgeAward).where(BadgeAward.badge_id == badge_id, BadgeAward.user_id == user_id)
    )


# --- Defining badges ---------------------------------------------------------------------


@use_case
def define_badge(
    actor: Any,
    *,
    name: str,
    description: str = "",
    criteria: str = "",
    rule: str = MANUAL,
    threshold: int | None = None,
    image: IO[bytes] | None = None,
    image_filename: str | None = None,
    circle_id: int | None = None,
) -> Badge:
    """Create a badge, site-wide (admins) or for one circle (its hosts)."""
    require(actor, "badge.define", circle_id)
    name = (name or "").strip()
    errors: dict[str, Any] = {}
    if not name:
        errors["name"] = _l("Give the badge a name.")
    elif len(name) > 60:
        errors["name"] = _l("At most %(n)d characters.", n=60)
    if rule not in RULES:
        errors["rule"] = _l("Choose how the badge is earned.")
    if rule in AUTOMATIC_RULES and (threshold is None or threshold < 1):
        errors["threshold"] = _l("Automatic badges need a threshold of at least 1.")
    elif threshold is not None and threshold < 0:
        errors["threshold"] = _l("The threshold cannot be negative.")
    if errors:
        raise Invalid(fields=errors)
    upload = None
    if image is not None:
        try:
            upload = images.save_image(
                image, owner_id=actor.id, variants=BADGE_IMAGE, filename=image_filename, circle_id=None
            )
        except Invalid as exc:
            raise Invalid(fields={"image": exc.message}) from exc
        db.session.flush()
    badge = Badge(
        name=name,
        description=(description or "").strip(),
        criteria=(criteria or "").strip(),
        rule=rule,
        threshold=(threshold or 0) if rule in AUTOMATIC_RULES else 0,
        circle_id=circle_id,
        image_id=upload.id if upload else None,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(badge)
    db.session.flush()
    audit.record(actor, "badge.define", badge, circle_id=circle_id, data={"rule": rule})
    return badge


# --- Granting ----------------------------------------------------------------------------


@dataclass
class Grant:
    award: BadgeAward
    created: bool
    certificate: Certificate | None = None


@use_case
def grant_badge(
    badge: Badge,
    user: User,
    *,
    actor: Any,
    reason: str = "",
    source: str = MANUAL,
    certificate: bool = False,
) -> Grant:
    """Give `user` the badge once (idempotent under the unique (badge, user) index).

    `actor=None` is the system (rules, campaigns); manual grants need an allowed actor.
    A repeat changes nothing, except that asking for a certificate adds the one missing.
    """
    if actor is not None or source == MANUAL:
        require(actor, "badge.grant", badge)
    now = clock.now()
    award_id = insert_returning_id(
        BadgeAward,
        {
            "badge_id": badge.id,
            "user_id": user.id,
            "source": source,
            "reason": (reason or "").strip(),
            "granted_by_id": getattr(actor, "id", None),
            "created_at": now,
        },
        ("badge_id", "user_id"),
    )
    created = award_id is not None
    award = get_award(badge.id, user.id)
    assert award is not None
    if created:
        db.session.execute(
            update(Badge).where(Badge.id == badge.id).values(holder_count=Badge.holder_count + 1)
        )
        audit.record(
            actor,
            "badge.grant",
            award,
            reason=reason,
            circle_id=badge.circle_id,
            data={"badge_id": badge.id, "user_id": user.id, "source": source},
        )
    cert = certificates.issue_certificate(award, user, badge) if certificate else None
    if created:
        events.publish(events.BadgeGranted(badge_id=badge.id, user_id=user.id, award_id=award.id))
    return Grant(award=award, created=created, certificate=cert)


@dataclass
class GrantReport:
    granted: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    audit_id: int | None = None


def parse_usernames(text: str) -> list[str]:
    """Names separated by commas (also 中文逗号), semicolons, spaces or new lines; `@` optional."""
    seen: dict[str, str] = {}
    for raw in _NAME_SPLIT.split(text or ""):
        name = raw.strip().lstrip("@").strip()
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def usernames_from_csv(stream: IO[bytes]) -> list[str]:
    """The usernames in an uploaded CSV: every non-empty first cell, a header row skipped."""
    data = read_limited(stream, 1024 * 1024, too_big=_l("The CSV file can be at most 1 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise Invalid(fields={"csv_file": _l("This CSV file is not UTF-8 or GBK text.")}) from exc
    names = []
    for row in csv.reader(io.StringIO(text)):
        cell = row[0].strip() if row else ""
        if cell and cell.lower() not in {"username", "usernames", "用户名"}:
            names.append(cell)
    return names


@use_case
def grant_by_usernames(
    actor: Any, badge: Badge, *, usernames: Iterable[str], reason: str, certificate: bool
) -> GrantReport:
    """Grant a badge to many members by username: who got it, who had it, unknown names."""
    require(actor, "badge.grant", badge)
    names = parse_usernames("\n".join(usernames))
    if not names:
        raise Invalid(fields={"usernames": _l("Enter at least one username.")})
    if len(names) > MAX_GRANT_NAMES:
        raise Invalid(fields={"usernames": _l("At most %(n)d names at a time.", n=MAX_GRANT_NAMES)})
    found = {
        u.username.lower(): u
        for u in db.session.scalars(
            select(User).where(func.lower(User.username).in_([n.lower() for n in names]))
        )
    }
    report = GrantReport()
    for name in names:
        user = found.get(name.lower())
        if user is None:
            report.unknown.append(name)
            continue
        grant = grant_badge(badge, user, actor=actor, reason=reason, source=MANUAL, certificate=certificate)
        (report.granted if grant.created else report.already).append(user)
    entry = audit.record(
        actor,
        "badge.grant_many",
        badge,
        reason=reason,
        circle_id=badge.circle_id,
        data={
            "granted": [u.username for u in report.granted],
            "already": [u.username for u in report.already],
            "unknown": report.unknown,
            "certificate": certificate,
        },
    )
    db.session.flush()
    report.audit_id = entry.id
    return report


def get_grant_report(badge: Badge, audit_id: int) -> dict[str, Any] | None:
    """A stored grant report (kept in the audit log) for this badge, or None."""
    entry = db.session.get(audit.AuditEntry, audit_id)
    if entry is None or entry.action != "badge.grant_many" or entry.target_id != badge.id:
        return None
    return dict(entry.data or {})


# --- Automatic rules: one evaluator for live events and backfill --------------------------


class _AnyCircle:
    """Marker: evaluate badges of every circle (sign-in streaks, tiers, backfill)."""


ANY_CIRCLE = _AnyCircle()


@use_case
def evaluate_rule(
    rule: str, user_id: int, *, circle_id: int | _AnyCircle | None = ANY_CIRCLE, source: str = "rule"
) -> list[Grant]:
    """Grant `user_id` every badge of `rule` whose threshold their counter now reaches.

    `circle_id`: the circle an event happened in (site-wide badges and that circle's are
    evaluated); ANY_CIRCLE evaluates all. Unwired rules grant nothing.
    """
    counter = rules.counter_for(rule)
    if counter is None:
        return []
    held = select(BadgeAward.id).where(BadgeAward.badge_id == Badge.id, BadgeAward.user_id == user_id)
    query = select(Badge).where(Badge.rule == rule, ~held.exists()).order_by(Badge.id)
    if not isinstance(circle_id, _AnyCircle):
        scope = Badge.circle_id.is_(None)
        query = query.where(or_(scope, Badge.circle_id == circle_id) if circle_id is not None else scope)
    badges = list(db.session.scalars(query))
    if not badges:
        return []
    user = db.session.get(User, user_id)
    if user is None:
        return []
    values: dict[int | None, int] = {}
    grants = []
    for badge in badges:
        if badge.circle_id not in values:
            values[badge.circle_id] = int(counter(user_id, badge.circle_id))
        if values[badge.circle_id] >= max(badge.threshold, 1):
            grants.append(grant_badge(badge, user, actor=None, reason="", source=source))
    return grants


def count_users() -> int:
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


def user_id_batches(batch: int = 200) -> Iterable[list[int]]:
    """Every member id, in ascending batches (keyset on the primary key)."""
    last = 0
    while True:
        ids = list(db.session.scalars(select(User.id).where(User.id > last).order_by(User.id).limit(batch)))
        if not ids:
            return
        yield ids
        last = ids[-1]


@use_case
def backfill_users(user_ids: list[int]) -> int:
    """Evaluate every wired rule for these members; the number of badges granted."""
    granted = 0
    for user_id in user_ids:
        for rule in rules.wired_rules():
            granted += len(evaluate_rule(rule, user_id, source="backfill"))
    return granted
