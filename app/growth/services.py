"""Growth loops: KOC host applications (达人招募) and personal invites (邀请).

The inviter's reward for an invitee's first check-in is paid by the points feature
(app/points/handlers.py, key `invite:<invitee id>`); here we only show it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import qrcode
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, exists, func, literal, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.models import User
from app.admin.models import CHECKIN, ActivityEvent
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.pagination import Page, keyset
from app.core.permissions import is_signed_in, policy, require
from app.notifications.services import notify, register_kind
from app.points.models import PointsEntry

from .models import APPROVED, PENDING, REJECTED, STATUSES, HostApplication

register_kind(
    "application.approved",
    _l("Welcome aboard! Your host application was approved: you can now create circles."),
)
register_kind("application.rejected", _l("Your host application was not approved this time: %(reason)s"))


@policy("growth.apply_host")
def _can_apply(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor) and actor.role == "member"


# --- KOC applications ------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    real_name: str
    city: str
    talents: str
    social_accounts: str
    follower_count: int | None
    reason: str


def latest_application(user: Any) -> HostApplication | None:
    """The member's most recent application (what /apply-host shows them)."""
    return db.session.scalar(
        select(HostApplication)
        .where(HostApplication.user_id == user.id)
        .order_by(HostApplication.id.desc())
        .limit(1)
    )


def _check(data: ApplicationInput) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not 2 <= len(data.real_name.strip()) <= 40:
        errors["real_name"] = _l("Use 2–40 characters.")
    if not 2 <= len(data.city.strip()) <= 40:
        errors["city"] = _l("Use 2–40 characters.")
    if not 4 <= len(data.talents.strip()) <= 1000:
        errors["talents"] = _l("Tell us a little more (at least 4 characters).")
    if len(data.social_accounts) > 1000:
        errors["social_accounts"] = _l("At most 1000 characters.")
    if data.follower_count is None or not 0 <= data.follower_count <= 1_000_000_000:
        errors["follower_count"] = _l("Enter a number of 0 or more.")
    if not 10 <= len(data.reason.strip()) <= 2000:
        errors["reason"] = _l("Tell us why in at least 10 characters.")
    return errors


@use_case
def submit_application(actor: Any, data: ApplicationInput) -> HostApplication:
    """A member applies to become a host; one open application at a time (the DB enforces it)."""
    require(actor, "growth.apply_host")
    errors = _check(data)
    if errors:
        raise Invalid(fields=errors)
    application = HostApplication(
        user_id=actor.id,
        real_name=data.real_name.strip(),
        city=data.city.strip(),
        talents=data.talents.strip(),
        social_accounts=data.social_accounts.strip(),
        follower_count=int(data.follower_count or 0),
        reason=data.reason.strip(),
        status=PENDING,
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("You already have an application waiting for review.")) from exc
    events.publish(events.ApplicationSubmitted(application_id=application.id, user_id=actor.id))
    return application


def list_applications(
    actor: Any, *, status: str | None = PENDING, cursor: str | None = None
) -> Page[HostApplication]:
    """The review queue (or every application with status None), oldest pending first."""
    require(actor, "admin.access")
    query = select(HostApplication)
    if status in STATUSES:
        query = query.where(HostApplication.status == status)
    descending = status != PENDING
    return keyset(query, [(HostApplication.id, descending)], cursor=cursor, limit=30)


def count_pending() -> int:
    """Applications waiting for review (the console's badge)."""
    query = select(func.count()).select_from(HostApplication).where(HostApplication.status == PENDING)
    return int(db.session.scalar(query) or 0)


@use_case
def review_application(actor: Any, application_id: int, *, action: str, reason: str = "") -> HostApplication:
    """Approve (the member becomes a host, and hears it) or reject with a reason."""
    require(actor, "admin.access")
    reason = (reason or "").strip()
    if action not in ("approve", "reject"):
        raise Invalid(fields={"action": _l("Unknown action.")})
    if action == "reject" and not reason:
        raise Invalid(fields={"reason": _l("Please tell the applicant why.")})
    application = db.session.get(HostApplication, application_id)
    if application is None:
        raise NotFound()
    status = APPROVED if action == "approve" else REJECTED
    moved = db.session.execute(
        update(HostApplication)
        .where(HostApplication.id == application_id, HostApplication.status == PENDING)
        .values(status=status, review_reason=reason, reviewed_by_id=actor.id, reviewed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise Conflict(_l("This application was already reviewed."))
    db.session.refresh(application)
    applicant = application.user
    if status == APPROVED:
        if applicant.role == "member":
            accounts.set_role(actor, applicant, "host", reason=str(_l("Host application approved")))
        notify(applicant.id, "application.approved", actor_id=actor.id, url="/circles/new")
    else:
        notify(
            applicant.id,
            "application.rejected",
            actor_id=actor.id,
            url="/apply-host",
            params={"reason": reason},
        )
    audit.record(actor, f"application.{action}", application, reason=reason, data={"user_id": applicant.id})
    return application


# --- Invites ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    user: User
    checked_in: bool
    reward: int


def invite_url(user: Any, base_url: str) -> str:
    """The member's personal sign-up link (absolute)."""
    return f"{base_url.rstrip('/')}/auth/register?invite={user.invite_code}"


def invite_qr_png(url: str) -> bytes:
    """A QR code of the invite link, as PNG bytes."""
    code = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="#1f2329", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def list_invitees(user: Any, limit: int = 100) -> list[Invitee]:
    """People `user` invited, newest first, whether they checked in and what the invite paid."""
    checked_in = exists().where(ActivityEvent.user_id == User.id, ActivityEvent.kind == CHECKIN)
    reward = (
        select(PointsEntry.delta)
        .where(
            PointsEntry.user_id == user.id,
            PointsEntry.idempotency_key == literal("invite:").concat(cast(User.id, String)),
        )
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(User, checked_in, reward)
        .where(User.invited_by_id == user.id)
        .order_by(User.id.desc())
        .limit(limit)
    )
    return [Invitee(u, bool(done or paid), int(paid or 0)) for u, done, paid in db.session.execute(query)]
