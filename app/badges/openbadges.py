"""Open Badges 2.0 documents (hosted verification): Assertion, BadgeClass, Issuer.

URLs are absolute: `QUANZI_BASE_URL` when set, else the request's scheme and host, else
(CLI) http://127.0.0.1:5000 (SPEC section 4).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.site import services as site

from .models import Badge, Certificate

CONTEXT = "https://w3id.org/openbadges/v2"
CLI_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """The public origin absolute links start with (no trailing slash)."""
    configured = current_app.config.get("QUANZI_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return CLI_BASE_URL


def absolute(endpoint: str, **values: Any) -> str:
    """An absolute URL for a route of this site."""
    return base_url() + url_for(endpoint, **values)


def issuer_url() -> str:
    return absolute("certificates.issuer")


def badgeclass_url(badge: Badge) -> str:
    return absolute("certificates.badgeclass", badge_id=badge.id)


def assertion_url(certificate: Certificate) -> str:
    return absolute("certificates.assertion", code=certificate.code)


def verify_url(certificate: Certificate) -> str:
    return absolute("certificates.show", code=certificate.code)


def issuer_document() -> dict[str, Any]:
    """The Issuer profile: who stands behind every badge of this site."""
    settings = site.get_settings()
    with force_locale("zh"):
        name = settings.name
        description = settings.tagline or _("A community of circles: posts, check-ins, badges and rewards.")
    image = (
        absolute("media.serve", key=settings.logo, variant="s512")
        if settings.logo
        else absolute("static", filename="icons/icon-512.png")
    )
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": name,
        "url": base_url() + "/",
        "description": description,
        "image": image,
    }


def badgeclass_document(badge: Badge) -> dict[str, Any]:
    """The BadgeClass: what the badge means and what it takes."""
    criteria: dict[str, Any] = {"id": absolute("badges.show", badge_id=badge.id)}
    if badge.criteria:
        criteria["narrative"] = badge.criteria
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badgeclass_url(badge),
        "name": badge.name,
        "description": badge.description or badge.name,
        "image": absolute("badges.image", badge_id=badge.id),
        "criteria": criteria,
        "issuer": issuer_url(),
    }


def assertion_document(certificate: Certificate) -> dict[str, Any]:
    """The hosted Assertion for a certificate; the recipient is a salted email hash."""
    award = certificate.award
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(certificate),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": certificate.recipient_salt,
            "identity": certificate.recipient_hash,
        },
        "badge": badgeclass_url(award.badge),
        "verification": {"type": "HostedBadge"},
        "issuedOn": certificate.issued_at.replace(microsecond=0).isoformat(),
        "image": absolute("certificates.image", code=certificate.code),
        "evidence": {"id": verify_url(certificate), "narrative": award.reason or award.badge.name},
    }
    return document


def revoked_document(certificate: Certificate) -> dict[str, Any]:
    """What a revoked assertion's URL answers (with 410 Gone), as OB 2.0 hosted expects."""
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(certificate),
        "revoked": True,
        "revocationReason": certificate.revoked_reason,
        "revokedOn": certificate.revoked_at.replace(microsecond=0).isoformat()
        if certificate.revoked_at
        else None,
    }
