"""The worker side of the outbox: claim what is due, send it, record the outcome, retry later.

Claiming is one short transaction that marks rows `in_flight` with a lease and a claim
token; the HTTP requests happen outside any transaction; each outcome is written back only
if the row still carries our token. A worker killed mid-batch leaves leases that expire, and
the next worker claims those rows again, so every committed delivery is eventually sent and,
once it succeeded, never again (unless an admin asks for a redelivery).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update

from app.core import clock
from app.core.db import db, use_case

from . import transport as http
from .models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger("quanzi.webhooks")

# Wait after the 1st, 2nd, ... failed attempt; after the last one the delivery is `failed`.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH_SIZE = 10
# Longer than a batch can take (BATCH_SIZE requests, each bounded by the socket timeouts).
LEASE = timedelta(minutes=5)

_transport = http.Transport()


def current_transport() -> http.Transport:
    """The transport deliveries and URL checks use (tests swap it with `use_transport`)."""
    return _transport


@contextmanager
def use_transport(replacement: http.Transport) -> Iterator[http.Transport]:
    """Send (and resolve) through `replacement` while the block runs."""
    global _transport
    previous = _transport
    _transport = replacement
    try:
        yield replacement
    finally:
        _transport = previous


@dataclass(frozen=True)
class Claim:
    """A delivery this worker holds the lease on, with what it needs to send it."""

    id: int
    uid: str
    event: str
    payload: str
    url: str
    secret: str
    attempts: int
    token: str


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS[max(attempts, 1) - 1]


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == "in_flight", WebhookDelivery.lease_until <= now),
    )


@use_case
def claim_due(*, limit: int = BATCH_SIZE, lease: timedelta = LEASE) -> list[Claim]:
    """Lease up to `limit` due deliveries of active endpoints to this worker.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` lets several workers claim disjoint rows at once.
    SQLite: the use case's write lock (BEGIN IMMEDIATE) serialises claims.
    """
    now = clock.now()
    # A lease that expired on the last allowed attempt: the worker died, give up on it.
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == "in_flight",
            WebhookDelivery.lease_until <= now,
            WebhookDelivery.attempts >= MAX_ATTEMPTS,
        )
        .values(
            status="failed",
            lease_until=None,
            claim_token=None,
            next_attempt_at=None,
            last_error="the worker stopped during the last attempt",
        )
    )
    ids = list(
        db.session.scalars(
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookEndpoint.is_active.is_(True), _due(now))
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
    )
    if not ids:
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids), _due(now))
        .values(
            status="in_flight",
            lease_until=now + lease,
            claim_token=token,
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.uid,
            WebhookDelivery.event,
            WebhookDelivery.payload,
            WebhookDelivery.attempts,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.claim_token == token)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )
    return [
        Claim(
            id=row.id,
            uid=row.uid,
            event=row.event,
            payload=row.payload,
            url=row.url,
            secret=row.secret,
            attempts=row.attempts,
            token=token,
        )
        for row in rows
    ]


@use_case
def finish(claim: Claim, outcome: http.Outcome) -> bool:
    """Record an attempt's outcome; False if our lease was lost (another worker took over)."""
    now = clock.now()
    values: dict[str, object] = {
        "response_code": outcome.status,
        "lease_until": None,
        "claim_token": None,
    }
    if outcome.ok:
        values.update(status="succeeded", delivered_at=now, next_attempt_at=None, last_error="")
    else:
        delay = retry_delay(claim.attempts)
        values["last_error"] = outcome.error[:1000]
        if delay is None:
            values.update(status="failed", next_attempt_at=None)
        else:
            values.update(status="pending", next_attempt_at=now + delay)
    result = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claim.id,
            WebhookDelivery.claim_token == claim.token,
            WebhookDelivery.status == "in_flight",
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


@use_case
def release(claims: list[Claim]) -> None:
    """Hand back claims this worker will not attempt (it is stopping): due again at once."""
    for claim in claims:
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == claim.id, WebhookDelivery.claim_token == claim.token)
            .values(
                status="pending",
                attempts=WebhookDelivery.attempts - 1,
                lease_until=None,
                claim_token=None,
            )
            .execution_options(synchronize_session=False)
        )


def send(claim: Claim) -> http.Outcome:
    """One HTTP attempt for a claimed delivery (no database work, no transaction open)."""
    body = claim.payload.encode("utf-8")
    timestamp = int(clock.now().timestamp())
    headers = http.build_headers(
        event=claim.event, delivery_id=claim.uid, timestamp=timestamp, secret=claim.secret, body=body
    )
    allow_private = bool(current_app.config.get("QUANZI_WEBHOOK_ALLOW_PRIVATE"))
    return http.post(
        claim.url, body=body, headers=headers, allow_private=allow_private, transport=current_transport()
    )


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    lost: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.lost


def deliver_batch(*, limit: int = BATCH_SIZE, stop: threading.Event | None = None) -> Report:
    """Claim one batch of due deliveries and send it; stops between requests when asked."""
    report = Report()
    claims = claim_due(limit=limit)
    for index, claim in enumerate(claims):
        if stop is not None and stop.is_set():
            release(claims[index:])
            break
        outcome = send(claim)
        if not finish(claim, outcome):
            report.lost += 1
            log.warning("webhook delivery %s: lease lost before the outcome was saved", claim.uid)
        elif outcome.ok:
            report.sent += 1
        else:
            report.failed += 1
            log.info("webhook delivery %s failed: %s", claim.uid, outcome.error)
    return report


def deliver_due(*, stop: threading.Event | None = None, max_batches: int = 1000) -> Report:
    """Send everything due now, batch after batch (the `--once` run)."""
    total = Report()
    for _ in range(max_batches):
        report = deliver_batch(stop=stop)
        total.sent += report.sent
        total.failed += report.failed
        total.lost += report.lost
        if report.attempted == 0 or (stop is not None and stop.is_set()):
            break
    return total


# Other outboxes this worker drains after the webhooks (mail), registered by app/wiring.py.
Drain = Callable[[threading.Event | None], Report]
_outboxes: dict[str, Drain] = {}


def add_outbox(name: str, drain: Drain) -> None:
    """Let the webhook worker also send another outbox's due rows (same loop, same backoff)."""
    _outboxes[name] = drain


def drain_all(stop: threading.Event | None = None) -> dict[str, Report]:
    """One round over every outbox: webhooks first, then the registered ones."""
    reports = {"webhooks": deliver_due(stop=stop)}
    for name, drain in _outboxes.items():
        if stop is not None and stop.is_set():
            break
        reports[name] = drain(stop)
    return reports


def _sum(reports: dict[str, Report]) -> Report:
    return Report(
        sent=sum(r.sent for r in reports.values()),
        failed=sum(r.failed for r in reports.values()),
        lost=sum(r.lost for r in reports.values()),
    )


def run_worker(
    stop: threading.Event, *, interval: float = 2.0, totals: dict[str, Report] | None = None
) -> Report:
    """Deliver until `stop` is set, sleeping `interval` seconds whenever nothing is due.

    Returns the webhooks' totals; `totals`, when given, collects every outbox's.
    """
    totals = {} if totals is None else totals
    while not stop.is_set():
        try:
            reports = drain_all(stop)
        except Exception:
            # A database hiccup must not kill the worker; the outbox keeps everything.
            log.exception("webhook worker: delivery round failed")
            db.session.rollback()
            reports = {}
        for name, report in reports.items():
            total = totals.setdefault(name, Report())
            total.sent += report.sent
            total.failed += report.failed
            total.lost += report.lost
        if _sum(reports).attempted == 0:
            stop.wait(interval)
    return totals.get("webhooks", Report())
