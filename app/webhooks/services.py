"""Webhooks: endpoints admins register, the outbox `enqueue`, the delivery log and redelivery.

Sending lives in `delivery.py` (the worker); nothing here touches the network.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.core import audit, clock
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.permissions import is_admin, policy, require

from . import delivery, ssrf
from .models import WebhookDelivery, WebhookEndpoint

# The fixed list of event names endpoints subscribe to (SPEC section 3), in display order.
EVENTS: tuple[str, ...] = (
    "member.joined",
    "post.published",
    "post.featured",
    "checkin.recorded",
    "campaign.completed",
    "badge.granted",
    "certificate.revoked",
    "order.placed",
    "order.shipped",
    "order.cancelled",
    "tier.reached",
    "application.submitted",
)

EVENT_LABELS = {
    "member.joined": _l("A member joined a circle"),
    "post.published": _l("A post was published"),
    "post.featured": _l("A post was featured"),
    "checkin.recorded": _l("A check-in was recorded"),
    "campaign.completed": _l("A member completed a campaign"),
    "badge.granted": _l("A badge was granted"),
    "certificate.revoked": _l("A certificate was revoked"),
    "order.placed": _l("An order was placed"),
    "order.shipped": _l("An order was shipped"),
    "order.cancelled": _l("An order was cancelled"),
    "tier.reached": _l("A member reached a new tier"),
    "application.submitted": _l("A host application was submitted"),
}

# Keys that never leave the site in a payload, whatever a publisher passes in.
_PRIVATE_KEY_PARTS = ("email", "password", "secret", "token", "phone", "address")
LOG_PAGE_SIZE = 30
_ENQUEUED = "quanzi_webhooks_enqueued"
_URL_PROBLEMS = {
    "scheme": _l("Only http:// and https:// addresses are allowed."),
    "credentials": _l("Leave the user name and password out of the address; the secret signs deliveries."),
    "malformed": _l("This is not a valid web address."),
    "private": _l("This address leads to a local or private network, which webhooks may not reach."),
    "unresolvable": _l("We could not find this host. Check the address."),
}


@policy("webhooks.manage")
def _can_manage(actor: Any, _target: Any) -> bool:
    return is_admin(actor)


def allow_private() -> bool:
    """Whether loopback/private destinations are allowed (development and tests only)."""
    return bool(current_app.config.get("QUANZI_WEBHOOK_ALLOW_PRIVATE"))


# --- The outbox ----------------------------------------------------------------------------


def _public_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in data.items()
        if not any(part in key.lower() for part in _PRIVATE_KEY_PARTS)
    }


def _enqueued_in_this_transaction() -> set[tuple[str, str]]:
    transaction = db.session().get_transaction()
    holder = db.session.info.get(_ENQUEUED)
    if holder is None or holder[0] is not transaction:
        holder = (transaction, set())
        db.session.info[_ENQUEUED] = holder
    keys: set[tuple[str, str]] = holder[1]
    return keys


@use_case
def enqueue(event_name: str, data: dict[str, Any]) -> None:
    """Queue `event_name` for every active endpoint subscribed to it, in the caller's transaction.

    Nothing is queued if the caller's use case rolls back; what commits is sent by the worker.
    """
    if event_name not in EVENTS:
        raise ValueError(f"unknown webhook event {event_name!r}")
    endpoints = db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True)))
    subscribed = [endpoint for endpoint in endpoints if endpoint.subscribes_to(event_name)]
    if not subscribed:
        return
    clean = _public_data(data)
    # The same event twice in one transaction is one event (handlers must be idempotent).
    key = (event_name, json.dumps(clean, sort_keys=True, default=str))
    seen = _enqueued_in_this_transaction()
    if key in seen:
        return
    seen.add(key)
    now = clock.now()
    for endpoint in subscribed:
        uid = str(uuid.uuid4())
        body = {"id": uid, "event": event_name, "created_at": now.isoformat(), "data": clean}
        db.session.add(
            WebhookDelivery(
                uid=uid,
                endpoint_id=endpoint.id,
                event=event_name,
                payload=json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


# --- Endpoints -----------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise Invalid(fields={"url": _l("Please fill this in.")})
    if len(url) > 2000:
        raise Invalid(fields={"url": _l("Use at most 2000 characters.")})
    try:
        ssrf.check_url(url, allow_private=allow_private(), resolver=delivery.current_transport().resolver)
    except ssrf.UnsafeURL as exc:
        raise Invalid(fields={"url": _URL_PROBLEMS.get(exc.kind, _URL_PROBLEMS["malformed"])}) from exc
    return url


@use_case
def create_endpoint(actor: Any, *, url: str, secret: str, events: list[str]) -> WebhookEndpoint:
    """Register an endpoint; a blank secret is generated. Raises Invalid with field errors."""
    require(actor, "webhooks.manage")
    errors: dict[str, str] = {}
    try:
        url = _check_url(url)
    except Invalid as exc:
        errors.update(exc.fields)
    secret = (secret or "").strip()
    if secret and not 16 <= len(secret) <= 200:
        errors["secret"] = _l("Use 16 to 200 characters, or leave it blank to generate one.")
    chosen = [name for name in EVENTS if name in set(events)]
    if not chosen:
        errors["events"] = _l("Choose at least one event.")
    elif len(chosen) != len(set(events)):
        errors["events"] = _l("Unknown event.")
    if errors:
        raise Invalid(fields=errors)
    endpoint = WebhookEndpoint(
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        events=chosen,
        is_active=True,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhooks.create", endpoint, data={"url": url, "events": chosen})
    return endpoint


def get_endpoint(actor: Any, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint (admins only)."""
    require(actor, "webhooks.manage")
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def list_endpoints(actor: Any) -> list[WebhookEndpoint]:
    """Every endpoint, newest first (admins only)."""
    require(actor, "webhooks.manage")
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc())
    return list(db.session.scalars(query))


@use_case
def set_endpoint_active(actor: Any, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Enable or disable an endpoint; disabled ones get no new deliveries and send nothing."""
    require(actor, "webhooks.manage")
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    if endpoint.is_active != active:
        db.session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(is_active=active)
        )
        db.session.refresh(endpoint)
        audit.record(actor, "webhooks.enable" if active else "webhooks.disable", endpoint)
    return endpoint


@use_case
def delete_endpoint(actor: Any, endpoint_id: int) -> None:
    """Delete an endpoint and its delivery log."""
    require(actor, "webhooks.manage")
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    audit.record(actor, "webhooks.delete", endpoint, data={"url": endpoint.url})
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
    db.session.delete(endpoint)


# --- The delivery log ----------------------------------------------------------------------


def list_deliveries(
    actor: Any, *, endpoint_id: int | None = None, before_id: int | None = None
) -> tuple[list[WebhookDelivery], int | None]:
    """Newest deliveries first, a page at a time; returns the rows and the next `before` id."""
    require(actor, "webhooks.manage")
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(LOG_PAGE_SIZE + 1)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    rows = list(db.session.scalars(query).unique())
    more = len(rows) > LOG_PAGE_SIZE
    rows = rows[:LOG_PAGE_SIZE]
    return rows, (rows[-1].id if more and rows else None)


def count_by_status(actor: Any, endpoint_id: int | None = None) -> dict[str, int]:
    """How many deliveries are in each status (for one endpoint, or all)."""
    require(actor, "webhooks.manage")
    query = select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    counts = {status: 0 for status in ("pending", "in_flight", "succeeded", "failed")}
    counts.update({status: int(n) for status, n in db.session.execute(query)})
    return counts


def get_delivery(actor: Any, delivery_id: int) -> WebhookDelivery:
    """One delivery (admins only)."""
    require(actor, "webhooks.manage")
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound()
    return row


@use_case
def redeliver(actor: Any, delivery_id: int) -> WebhookDelivery:
    """Queue a delivery again, now, with a fresh set of attempts (same id and body)."""
    require(actor, "webhooks.manage")
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound()
    now = clock.now()
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            (WebhookDelivery.status != "in_flight") | (WebhookDelivery.lease_until <= now),
        )
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=now,
            lease_until=None,
            claim_token=None,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This delivery is being sent right now; try again in a moment."))
    db.session.refresh(row)
    audit.record(actor, "webhooks.redeliver", row, data={"event": row.event, "uid": row.uid})
    return row
