"""Certificates: issue (with a serial and an unguessable code), look up, revoke, show off."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import User
from app.circles import services as circles
from app.core import audit, clock, events
from app.core.db import db, insert_returning_id, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import is_admin, policy, require
from app.posts.services import content as posts

from . import rules
from .models import Badge, BadgeAward, Certificate

# --- Policies ----------------------------------------------------------------------------


@policy("certificate.revoke")
def _can_revoke(actor: Any, _certificate: Certificate | None) -> bool:
    return is_admin(actor)


@policy("certificate.share")
def _can_share(actor: Any, certificate: Certificate) -> bool:
    return (
        bool(getattr(actor, "is_authenticated", False) and certificate.award.user_id == actor.id)
        and not certificate.is_revoked
    )


def hash_recipient(email: str, salt: str) -> str:
    """Open Badges 2.0 hashed identity: "sha256$" + hex(sha256(email + salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def issue_certificate(award: BadgeAward, user: User, badge: Badge) -> Certificate:
    """The award's certificate, created on first call (idempotent under unique award_id)."""
    salt = secrets.token_hex(8)
    circle = rules.circles().by_id(badge.circle_id) if badge.circle_id is not None else None
    inserted = insert_returning_id(
        Certificate,
        {
            "award_id": award.id,
            "code": secrets.token_urlsafe(16),
            "recipient_salt": salt,
            "recipient_hash": hash_recipient(user.email, salt),
            "recipient_name": user.name[:80],
            "circle_name": (circle.name if circle else "")[:80],
            "issued_at": clock.now(),
            "revoked_reason": "",
        },
        ("award_id",),
    )
    certificate = db.session.scalar(select(Certificate).where(Certificate.award_id == award.id))
    assert certificate is not None
    if inserted is not None:
        audit.record(
            None,
            "certificate.issue",
            certificate,
            circle_id=badge.circle_id,
            data={"award_id": award.id, "badge_id": badge.id, "user_id": user.id},
        )
    return certificate


def get_certificate(code: str) -> Certificate:
    """The certificate with this code (revoked ones too: their page says so), or NotFound."""
    if not code or len(code) > 32:
        raise NotFound()
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        raise NotFound()
    return certificate


@use_case
def revoke_certificate(actor: Any, code: str, *, reason: str) -> Certificate:
    """Revoke a certificate with a reason; revoking twice keeps the first revocation."""
    certificate = get_certificate(code)
    require(actor, "certificate.revoke", certificate)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(fields={"reason": _l("Say why the certificate is revoked.")})
    result = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason[:500], revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 1:
        audit.record(
            actor,
            "certificate.revoke",
            certificate,
            reason=reason,
            circle_id=certificate.award.badge.circle_id,
        )
        events.publish(
            events.CertificateRevoked(certificate_id=certificate.id, user_id=certificate.award.user_id)
        )
    db.session.refresh(certificate)
    return certificate


@use_case
def share_certificate(actor: Any, code: str, *, circle_slug: str) -> Certificate:
    """Show off (晒证书) a certificate in one of the holder's circles, as a certificate post.

    It earns post points like any post; sharing it in the same circle again changes nothing.
    """
    certificate = get_certificate(code)
    require(actor, "certificate.share", certificate)
    slug = (circle_slug or "").strip().lower()
    circle = circles.find_circle(slug) if slug else None
    if circle is None or circle.id not in circles.my_circle_ids(actor):
        raise Invalid(fields={"circle": _l("Choose one of your circles to share in.")})
    badge = certificate.award.badge
    posts.create_certificate_post(
        actor,
        circle,
        certificate_code=certificate.code,
        title=str(_l("I earned the “%(badge)s” certificate!", badge=badge.name)),
        body=str(_l("Serial %(serial)s. Tap the card to verify it.", serial=certificate.serial)),
    )
    return certificate
