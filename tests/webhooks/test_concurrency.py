"""Several workers at once: claims never overlap and every delivery goes out exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.core import events
from app.core.db import db, use_case
from app.webhooks import delivery
from app.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import make_endpoint

WORKERS = 4


@use_case
def publish_many(user_id: int, count: int) -> None:
    for circle in range(count):
        events.publish(events.CircleJoined(user_id=user_id, circle_id=circle))


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
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_concurrent_claims_are_disjoint(app, admin, allow_private):
    make_endpoint(admin, "http://127.0.0.1:9/", ["member.joined"])
    publish_many(admin.id, 30)
    claims = run_in_threads(lambda: delivery.claim_due(limit=10))
    ids = [claim.id for batch in claims for claim in batch]
    assert len(ids) == 30 and len(set(ids)) == 30, "no delivery claimed twice"
    db.session.rollback()
    rows = list(db.session.scalars(select(WebhookDelivery)))
    assert {row.status for row in rows} == {"in_flight"}
    assert all(row.attempts == 1 for row in rows)


def test_concurrent_workers_deliver_each_event_exactly_once(app, admin, receiver, allow_private):
    make_endpoint(admin, receiver.url, ["member.joined"])
    publish_many(admin.id, 24)
    reports = run_in_threads(delivery.deliver_due)
    assert sum(report.sent for report in reports) == 24
    counts = Counter(receiver.delivery_ids())
    assert len(counts) == 24 and set(counts.values()) == {1}
    assert all(request.signature_ok for request in receiver.requests)
    db.session.rollback()
    assert {row.status for row in db.session.scalars(select(WebhookDelivery))} == {"succeeded"}
