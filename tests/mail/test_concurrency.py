"""Several digest runs and several workers at once: the database keeps every email single."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.core import clock
from app.core.db import db, use_case
from app.mail import delivery, digest
from app.mail.models import MailDigest
from app.notifications.services import notify
from tests.mail.conftest import queued
from tests.mail.test_digest import NEXT_MONDAY, busy_week  # noqa: F401 - fixture

WORKERS = 4


def run_in_threads(target: Any) -> list[Any]:
    app = current_app._get_current_object()
    barrier = threading.Barrier(WORKERS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(target())
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_concurrent_digest_runs_queue_one_digest_per_member(inbox, member, host, busy_week):  # noqa: F811
    # Frozen once, here: freeze() swaps a process-wide source, so threads must not nest it.
    with clock.freeze(NEXT_MONDAY):
        reports = run_in_threads(digest.send_digests)
    assert sum(r.sent for r in reports) == 2
    rows = queued(category="digest")
    assert sorted(row.user_id for row in rows) == sorted([member.id, host.id])
    weeks = Counter((d.user_id, d.week) for d in db.session.scalars(select(MailDigest)))
    assert set(weeks.values()) == {1}


@use_case
def notify_many(user_id: int, count: int) -> None:
    for n in range(count):
        notify(user_id, "order.done", url=f"/me/redemptions/{n}", params={"item": f"兑换券 {n}"})


def test_concurrent_workers_send_every_email_exactly_once(inbox, member):
    notify_many(member.id, 24)
    reports = run_in_threads(delivery.deliver_due)
    assert sum(r.sent for r in reports) == 24 and sum(r.lost for r in reports) == 0
    subjects = Counter(str(m["Subject"]) for m in inbox.messages)
    assert len(subjects) == 24 and set(subjects.values()) == {1}
    assert {row.status for row in queued()} == {"sent"}
