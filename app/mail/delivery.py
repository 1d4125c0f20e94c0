"""The worker side of the mail outbox: the webhook worker's design, applied to SMTP.

Claiming marks due rows `in_flight` with a lease and a claim token in one short transaction;
SMTP talks happen outside any transaction; each outcome is written back only while the row
still carries our token. The retry schedule, lease and batch size are the webhooks' own
(`app.webhooks.delivery`), and `flask webhooks work` drains this outbox too (see wiring.py).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select, update

from app.core import clock
from app.core.db import db, use_case
from app.webhooks.delivery import BATCH_SIZE, LEASE, MAX_ATTEMPTS, Report, retry_delay

from . import smtp
from .compose import mail_domain
from .models import MailMessage

log = logging.getLogger("quanzi.mail")


@dataclass(frozen=True)
class Claim:
    """A message this worker holds the lease on, with what it needs to send it."""

    id: int
    uid: str
    to_address: str
    subject: str
    text_body: str
    html_body: str
    headers: dict[str, str]
    attempts: int
    token: str


def settings() -> smtp.Settings | None:
    """The SMTP settings, or None when email is off (MAIL_SERVER unset)."""
    site_name = current_app.config.get("QUANZI_SITE_NAME") or _("Quanzi")
    return smtp.Settings.from_config(
        current_app.config, default_sender=smtp.default_sender(str(site_name), mail_domain())
    )


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(MailMessage.status == "pending", MailMessage.next_attempt_at <= now),
        and_(MailMessage.status == "in_flight", MailMessage.lease_until <= now),
    )


@use_case
def claim_due(*, limit: int = BATCH_SIZE, lease: timedelta = LEASE) -> list[Claim]:
    """Lease up to `limit` due messages to this worker (SKIP LOCKED on PostgreSQL)."""
    now = clock.now()
    db.session.execute(
        update(MailMessage)
        .where(
            MailMessage.status == "in_flight",
            MailMessage.lease_until <= now,
            MailMessage.attempts >= MAX_ATTEMPTS,
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
            select(MailMessage.id)
            .where(_due(now))
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.id.in_(ids), _due(now))
        .values(
            status="in_flight",
            lease_until=now + lease,
            claim_token=token,
            attempts=MailMessage.attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(
        select(
            MailMessage.id,
            MailMessage.uid,
            MailMessage.to_address,
            MailMessage.subject,
            MailMessage.text_body,
            MailMessage.html_body,
            MailMessage.headers,
            MailMessage.attempts,
        )
        .where(MailMessage.claim_token == token)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
    )
    return [
        Claim(
            id=row.id,
            uid=row.uid,
            to_address=row.to_address,
            subject=row.subject,
            text_body=row.text_body,
            html_body=row.html_body,
            headers=dict(row.headers or {}),
            attempts=row.attempts,
            token=token,
        )
        for row in rows
    ]


@use_case
def finish(claim: Claim, outcome: smtp.Outcome) -> bool:
    """Record an attempt's outcome; False if our lease was lost (another worker took over)."""
    now = clock.now()
    values: dict[str, object] = {"lease_until": None, "claim_token": None}
    if outcome.ok:
        values.update(status="sent", sent_at=now, next_attempt_at=None, last_error="")
    else:
        delay = None if outcome.permanent else retry_delay(claim.attempts)
        values["last_error"] = outcome.error[:1000]
        if delay is None:
            values.update(status="failed", next_attempt_at=None)
        else:
            values.update(status="pending", next_attempt_at=now + delay)
    result = db.session.execute(
        update(MailMessage)
        .where(
            MailMessage.id == claim.id,
            MailMessage.claim_token == claim.token,
            MailMessage.status == "in_flight",
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
            update(MailMessage)
            .where(MailMessage.id == claim.id, MailMessage.claim_token == claim.token)
            .values(status="pending", attempts=MailMessage.attempts - 1, lease_until=None, claim_token=None)
            .execution_options(synchronize_session=False)
        )


def _message(claim: Claim, sender: str) -> EmailMessage:
    return smtp.build_message(
        sender=sender,
        to=claim.to_address,
        subject=claim.subject,
        text=claim.text_body,
        html=claim.html_body,
        headers=claim.headers,
    )


def _record(report: Report, claim: Claim, outcome: smtp.Outcome) -> None:
    if not finish(claim, outcome):
        report.lost += 1
        log.warning("mail %s: lease lost before the outcome was saved", claim.uid)
    elif outcome.ok:
        report.sent += 1
    else:
        report.failed += 1
        log.warning("mail %s to %s failed: %s", claim.uid, claim.to_address, outcome.error)


def deliver_batch(*, limit: int = BATCH_SIZE, stop: threading.Event | None = None) -> Report:
    """Claim one batch of due messages and send it over one SMTP connection."""
    report = Report()
    config = settings()
    if config is None:
        return report  # email is off: queued messages wait (none are queued while it is off)
    claims = claim_due(limit=limit)
    if not claims:
        return report
    mailer = smtp.Mailer(config)
    try:
        mailer.open()
    except (OSError, smtplib.SMTPException) as exc:
        mailer.close()
        error = f"cannot reach the mail server: {type(exc).__name__}: {exc}"
        for claim in claims:
            _record(report, claim, smtp.Outcome(ok=False, error=error))
        return report
    try:
        for index, claim in enumerate(claims):
            if stop is not None and stop.is_set():
                release(claims[index:])
                break
            _record(report, claim, mailer.send(_message(claim, config.sender)))
    finally:
        mailer.close()
    return report


def deliver_due(stop: threading.Event | None = None, *, max_batches: int = 1000) -> Report:
    """Send every message due now, batch after batch (what the worker runs each round)."""
    total = Report()
    for _batch in range(max_batches):
        report = deliver_batch(stop=stop)
        total.sent += report.sent
        total.failed += report.failed
        total.lost += report.lost
        if report.attempted == 0 or (stop is not None and stop.is_set()):
            break
    return total
