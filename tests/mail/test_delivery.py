"""The mail worker: retries with the webhooks' backoff on an injectable clock, gives up on 5xx,
survives an unreachable server, and runs inside `flask webhooks work`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from app.core import clock
from app.core.db import use_case
from app.mail import delivery
from app.notifications.services import notify
from tests.mail.conftest import Inbox, configure, free_port, queued

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@use_case
def notify_badge(user_id: int) -> None:
    notify(user_id, "badge.granted", url="/badges/1", params={"badge": "早起达人"})


def test_a_temporary_refusal_is_retried_after_the_backoff(inbox, member):
    inbox.refuse = ["451 4.3.0 Mailbox busy, try again later"]
    with clock.freeze(T0):
        notify_badge(member.id)
        report = delivery.deliver_due()
    assert (report.sent, report.failed) == (0, 1)
    [row] = queued()
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == T0 + timedelta(minutes=1)

    with clock.freeze(T0 + timedelta(seconds=59)):
        assert delivery.deliver_due().attempted == 0, "not due a second early"
    with clock.freeze(T0 + timedelta(minutes=1)):
        assert delivery.deliver_due().sent == 1
    [row] = queued()
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""
    assert len(inbox.messages) == 1 and "早起达人" in inbox.messages[0]["Subject"]


def test_a_permanent_refusal_fails_at_once_and_is_logged(inbox, member, caplog):
    inbox.refuse = ["550 5.1.1 No such user here"]
    with clock.freeze(T0), caplog.at_level(logging.WARNING, logger="quanzi.mail"):
        notify_badge(member.id)
        assert delivery.deliver_due().failed == 1
    [row] = queued()
    assert row.status == "failed" and row.next_attempt_at is None and "550" in row.last_error
    assert any("failed" in r.getMessage() and "meimei@example.com" in r.getMessage() for r in caplog.records)
    with clock.freeze(T0 + timedelta(days=2)):
        assert delivery.deliver_due().attempted == 0
    assert inbox.messages == []


def test_an_unreachable_server_is_a_failed_attempt_then_delivery_later(app, inbox, member):
    with clock.freeze(T0):
        notify_badge(member.id)
        port = app.config["MAIL_PORT"]
        configure(app, MAIL_PORT=free_port())  # nothing listens there
        assert delivery.deliver_due().failed == 1
    [row] = queued()
    assert row.status == "pending" and "cannot reach the mail server" in row.last_error
    configure(app, MAIL_PORT=port)
    with clock.freeze(T0 + timedelta(minutes=1)):
        assert delivery.deliver_due().sent == 1
    assert len(inbox.messages) == 1


def test_every_attempt_used_means_failed(inbox, member):
    with clock.freeze(T0):
        notify_badge(member.id)
    now = T0
    for _attempt in range(delivery.MAX_ATTEMPTS):
        inbox.refuse = ["421 4.7.0 Try again later"]
        with clock.freeze(now):
            assert delivery.deliver_due().failed == 1
        [row] = queued()
        if row.next_attempt_at is None:
            break
        now = row.next_attempt_at
    [row] = queued()
    assert row.status == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    assert inbox.messages == []


def test_the_webhook_worker_sends_mail_too(app, inbox, member):
    notify_badge(member.id)
    result = app.test_cli_runner().invoke(args=["webhooks", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "webhooks: 0 delivered" in result.output and "mail: 1 sent, 0 failed" in result.output
    assert len(inbox.messages) == 1 and queued()[0].status == "sent"


def test_a_worker_that_died_mid_batch_is_taken_over_after_the_lease(inbox, member):
    with clock.freeze(T0):
        notify_badge(member.id)
        [claim] = delivery.claim_due()  # this worker is killed before it sends
        assert delivery.deliver_due().attempted == 0, "leased: nobody else sends it meanwhile"
    with clock.freeze(T0 + delivery.LEASE):
        assert delivery.deliver_due().sent == 1
    assert not delivery.finish(claim, delivery.smtp.Outcome(ok=True)), "the dead worker's token is stale"
    [row] = queued()
    assert row.status == "sent" and row.attempts == 2
    assert len(inbox.messages) == 1


def test_smtp_login_with_the_configured_account(app, member):
    seen: list[tuple[str, str]] = []

    def authenticator(_server, _session, _envelope, mechanism, data):
        login = (data.login.decode(), data.password.decode())
        seen.append(login)
        return AuthResult(success=login == ("quanzi", "s3cret"))

    received = Inbox()
    port = free_port()
    controller = Controller(
        received, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        configure(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USERNAME="quanzi", MAIL_PASSWORD="wrong")
        with clock.freeze(T0):
            notify_badge(member.id)
            assert delivery.deliver_due().failed == 1, "a refused login is a failed attempt, retried later"
        assert "cannot reach the mail server" in queued()[0].last_error
        configure(app, MAIL_PASSWORD="s3cret")
        with clock.freeze(T0 + timedelta(minutes=1)):
            assert delivery.deliver_due().sent == 1
    finally:
        controller.stop()
        configure(app, MAIL_SERVER=None, MAIL_PORT=25, MAIL_USERNAME=None, MAIL_PASSWORD=None)
    assert seen == [("quanzi", "wrong"), ("quanzi", "s3cret")]
    assert len(received.messages) == 1
