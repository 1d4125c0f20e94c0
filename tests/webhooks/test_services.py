"""The outbox and the worker: signed deliveries to a real loopback receiver, retries, leases."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from app import wiring
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Forbidden
from app.webhooks import delivery, handlers, services
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.transport import Outcome, Transport, post
from tests.helpers import make_user
from tests.webhooks.conftest import PUBLIC_IP, make_endpoint, set_allow_private


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@use_case
def publish(event: events.Event) -> None:
    """Run the webhooks handler alone: other features' handlers would need real rows."""
    handlers.on_event(event)


def test_a_published_event_reaches_the_receiver_signed(app, admin, receiver, allow_private):
    endpoint = make_endpoint(admin, receiver.url, ["post.published"])
    publish(events.PostPublished(post_id=7, author_id=admin.id, circle_id=3))
    [row] = deliveries()
    assert (row.status, row.attempts, row.endpoint_id) == ("pending", 0, endpoint.id)
    assert receiver.requests == [], "nothing is sent from the publishing transaction"

    report = delivery.deliver_due()

    assert (report.sent, report.failed) == (1, 0)
    [got] = receiver.requests
    assert got.signature_ok and got.fresh
    assert got.path == "/hooks/quanzi"
    assert got.headers["X-Quanzi-Event"] == "post.published"
    assert got.headers["X-Quanzi-Delivery"] == row.uid
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"] == "Quanzi-Webhooks/1"
    assert got.headers["Host"] == f"127.0.0.1:{receiver.port}"
    body = got.json
    assert set(body) == {"id", "event", "created_at", "data"}
    assert body["id"] == row.uid and body["event"] == "post.published"
    assert body["data"] == {"post_id": 7, "author_id": admin.id, "circle_id": 3, "kind": "post"}
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    [row] = deliveries()
    assert (row.status, row.attempts, row.response_code) == ("succeeded", 1, 200)
    assert row.delivered_at is not None and row.lease_until is None


@pytest.mark.parametrize(
    ("event", "name"),
    [
        (events.CircleJoined(user_id=1, circle_id=2), "member.joined"),
        (events.PostFeatured(post_id=1, author_id=2, circle_id=3, actor_id=4), "post.featured"),
        (
            events.CheckinRecorded(
                checkin_id=1, user_id=2, campaign_id=3, circle_id=4, day=date(2026, 11, 23), points=10
            ),
            "checkin.recorded",
        ),
        (events.CampaignCompleted(user_id=1, campaign_id=2, circle_id=3, points=50), "campaign.completed"),
        (events.TierReached(user_id=1, tier_id=2), "tier.reached"),
    ],
)
def test_every_mapped_domain_event_is_queued_under_its_name(app, admin, allow_private, event, name):
    make_endpoint(admin, "http://127.0.0.1:9/", [name])
    publish(event)
    [row] = deliveries()
    assert row.event == name
    expected = {k: v.isoformat() if isinstance(v, date) else v for k, v in dataclasses.asdict(event).items()}
    assert json.loads(row.payload)["data"] == expected
    if name == "checkin.recorded":
        assert expected["day"] == "2026-11-23"


def test_only_active_subscribed_endpoints_get_a_delivery(app, admin, allow_private):
    wanted = make_endpoint(admin, "http://127.0.0.1:9/a", ["post.published", "tier.reached"])
    make_endpoint(admin, "http://127.0.0.1:9/b", ["member.joined"])
    paused = make_endpoint(admin, "http://127.0.0.1:9/c", ["post.published"])
    services.set_endpoint_active(admin, paused.id, False)
    publish(events.PostPublished(post_id=1, author_id=admin.id, circle_id=1))
    assert [(row.endpoint_id, row.event) for row in deliveries()] == [(wanted.id, "post.published")]


def test_nothing_is_queued_or_sent_for_a_rolled_back_use_case(app, admin, receiver, allow_private):
    make_endpoint(admin, receiver.url, ["checkin.recorded", "member.joined"])

    @use_case
    def check_in_then_fail() -> None:
        make_user("rollback1")
        handlers.on_event(
            events.CheckinRecorded(
                checkin_id=1, user_id=1, campaign_id=1, circle_id=1, day=date.today(), points=10
            )
        )
        services.enqueue("member.joined", {"user_id": 1, "circle_id": 1})
        raise RuntimeError("the check-in failed after its events")

    with pytest.raises(RuntimeError):
        check_in_then_fail()
    assert deliveries() == []
    assert delivery.deliver_due().attempted == 0
    assert receiver.requests == []


@dataclass(frozen=True)
class BadgeGrantedForTest(events.Event):
    badge_id: int
    user_id: int
    award_id: int


def test_a_new_domain_event_is_published_by_extending_the_mapping(app, admin, allow_private, monkeypatch):
    monkeypatch.setitem(handlers.EVENT_NAMES, BadgeGrantedForTest, "badge.granted")
    saved = dict(events._table)
    events.configure({**saved, BadgeGrantedForTest: [handlers.on_event]})
    try:
        make_endpoint(admin, "http://127.0.0.1:9/", ["badge.granted"])
        publish(BadgeGrantedForTest(badge_id=5, user_id=admin.id, award_id=9))
    finally:
        events.configure(saved)
    [row] = deliveries()
    assert row.event == "badge.granted"
    assert json.loads(row.payload)["data"] == {"badge_id": 5, "user_id": admin.id, "award_id": 9}


def test_enqueue_joins_the_callers_transaction_and_drops_private_fields(app, admin, allow_private):
    make_endpoint(admin, "http://127.0.0.1:9/", ["order.placed", "application.submitted"])

    @use_case
    def place_order() -> None:
        services.enqueue(
            "order.placed", {"order_id": 12, "user_id": 3, "email": "x@example.com", "phone": "1"}
        )
        services.enqueue("order.placed", {"order_id": 12, "user_id": 3})
        services.enqueue("application.submitted", {"application_id": 4})

    place_order()
    rows = deliveries()
    assert [row.event for row in rows] == ["order.placed", "application.submitted"]
    assert json.loads(rows[0].payload)["data"] == {"order_id": 12, "user_id": 3}
    with pytest.raises(ValueError):
        services.enqueue("order.exploded", {})
    # The same data in a later transaction is a new event.
    place_order()
    assert len(deliveries()) == 4


def test_failures_retry_with_backoff_then_give_up(app, admin, receiver, allow_private):
    receiver.answers = [(500, {})]
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    now = start
    receiver.now = lambda: now.timestamp()
    with clock.freeze(start):
        make_endpoint(admin, receiver.url, ["tier.reached"])
        publish(events.TierReached(user_id=admin.id, tier_id=2))
        assert delivery.deliver_due().failed == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
    assert row.next_attempt_at == start + timedelta(minutes=1)
    assert "HTTP 500" in row.last_error

    for attempt, delay in enumerate(delivery.RETRY_DELAYS, start=2):
        due = row.next_attempt_at
        with clock.freeze(due - timedelta(seconds=1)):
            assert delivery.deliver_due().attempted == 0, "not due a second early"
        now = due
        with clock.freeze(due):
            assert delivery.deliver_due().failed == 1
        [row] = deliveries()
        assert row.attempts == attempt
        if attempt < delivery.MAX_ATTEMPTS:
            assert row.status == "pending"
            assert row.next_attempt_at == due + delivery.RETRY_DELAYS[attempt - 1]
        assert delay in delivery.RETRY_DELAYS
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", delivery.MAX_ATTEMPTS, None)
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    assert all(r.signature_ok and r.fresh for r in receiver.requests)
    assert len({r.headers["X-Quanzi-Delivery"] for r in receiver.requests}) == 1
    with clock.freeze(start + timedelta(days=30)):
        assert delivery.deliver_due().attempted == 0


def test_backoff_schedule():
    assert [delivery.retry_delay(n) for n in (1, 2, 3, 4, 5)] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    assert delivery.retry_delay(delivery.MAX_ATTEMPTS) is None


def test_a_redirect_is_a_failure_with_its_location_logged(app, admin, receiver, allow_private):
    receiver.answers = [(302, {"Location": "http://10.0.0.1/steal"})]
    make_endpoint(admin, receiver.url, ["tier.reached"])
    publish(events.TierReached(user_id=admin.id, tier_id=2))
    delivery.deliver_due()
    [row] = deliveries()
    assert (row.status, row.response_code) == ("pending", 302)
    assert "Location http://10.0.0.1/steal" in row.last_error
    assert len(receiver.requests) == 1


def test_public_name_redirecting_to_a_private_address_is_not_followed(app, admin, receiver, network):
    # The receiver plays a public host: its name resolves to a public address, which the
    # test network routes to 127.0.0.1. Private destinations are not allowed here.
    network.names["hooks.example.com"] = [PUBLIC_IP]
    network.aliases[PUBLIC_IP] = "127.0.0.1"
    receiver.answers = [(307, {"Location": "http://10.0.0.1/admin"})]
    make_endpoint(admin, f"http://hooks.example.com:{receiver.port}/hooks/quanzi", ["tier.reached"])
    publish(events.TierReached(user_id=admin.id, tier_id=3))

    delivery.deliver_due()

    [got] = receiver.requests
    assert got.signature_ok
    assert got.headers["Host"] == f"hooks.example.com:{receiver.port}", "original Host header"
    assert network.connections == [(PUBLIC_IP, receiver.port)], "connected to the checked address only"
    [row] = deliveries()
    assert row.status == "pending" and "Location http://10.0.0.1/admin" in row.last_error


def test_a_name_that_starts_resolving_to_loopback_is_refused_before_connecting(app, admin, network):
    network.names["hooks.example.com"] = [PUBLIC_IP]
    make_endpoint(admin, "https://hooks.example.com/in", ["tier.reached"])
    network.names["hooks.example.com"] = ["127.0.0.1"]  # DNS rebinding after registration
    publish(events.TierReached(user_id=admin.id, tier_id=3))
    delivery.deliver_due()
    [row] = deliveries()
    assert row.status == "pending" and row.last_error.startswith("refused:")
    assert network.connections == []


def test_a_killed_workers_claim_expires_and_the_delivery_goes_out_exactly_once(
    app, admin, receiver, allow_private
):
    make_endpoint(admin, receiver.url, ["member.joined"])
    publish(events.CircleJoined(user_id=admin.id, circle_id=1))
    t0 = clock.now()
    with clock.freeze(t0):
        [abandoned] = delivery.claim_due()  # the worker dies here, before sending
    runner = app.test_cli_runner()
    with clock.freeze(t0 + timedelta(minutes=1)):
        result = runner.invoke(args=["webhooks", "work", "--once"])
        assert result.exit_code == 0, result.output
        assert "0 delivered" in result.output
    assert receiver.requests == []
    receiver.now = lambda: (t0 + delivery.LEASE).timestamp()
    with clock.freeze(t0 + delivery.LEASE):
        result = runner.invoke(args=["webhooks", "work", "--once"])
        assert "1 delivered" in result.output, result.output
        again = runner.invoke(args=["webhooks", "work", "--once"])
        assert "0 delivered" in again.output
        # The dead worker wakes up and reports a failure: its claim is no longer valid.
        assert delivery.finish(abandoned, Outcome(False, None, "late")) is False
    assert len(receiver.requests) == 1 and receiver.requests[0].signature_ok
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error) == ("succeeded", 2, "")


def test_a_stopping_worker_hands_back_what_it_did_not_send(app, admin, receiver, allow_private):
    make_endpoint(admin, receiver.url, ["member.joined"])
    for circle in (1, 2, 3):
        publish(events.CircleJoined(user_id=admin.id, circle_id=circle))
    stop = threading.Event()
    stop.set()
    assert delivery.deliver_batch(stop=stop).attempted == 0
    assert [(r.status, r.attempts, r.claim_token) for r in deliveries()] == [("pending", 0, None)] * 3
    assert delivery.deliver_due().sent == 3


def test_the_worker_loop_delivers_and_stops_when_asked(app, admin, receiver, allow_private):
    make_endpoint(admin, receiver.url, ["member.joined"])
    publish(events.CircleJoined(user_id=admin.id, circle_id=1))
    stop = threading.Event()
    worker_app = current_app._get_current_object()
    reports = []

    def work() -> None:
        with worker_app.app_context():
            reports.append(delivery.run_worker(stop, interval=0.05))
            db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 5
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert reports[0].sent == 1 and len(receiver.requests) == 1


def test_redeliver_sends_the_same_delivery_again(app, admin, receiver, allow_private):
    make_endpoint(admin, receiver.url, ["member.joined"])
    publish(events.CircleJoined(user_id=admin.id, circle_id=1))
    delivery.deliver_due()
    [row] = deliveries()
    requeued = services.redeliver(admin, row.id)
    assert (requeued.status, requeued.attempts) == ("pending", 0)
    delivery.deliver_due()
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Quanzi-Delivery"] == second.headers["X-Quanzi-Delivery"] == row.uid
    [entry] = audit.list_entries(action="webhooks.redeliver")
    assert (entry.actor_id, entry.target_id) == (admin.id, row.id)


def test_disabled_endpoints_keep_their_queue_until_enabled(app, admin, receiver, allow_private):
    endpoint = make_endpoint(admin, receiver.url, ["member.joined"])
    publish(events.CircleJoined(user_id=admin.id, circle_id=1))
    services.set_endpoint_active(admin, endpoint.id, False)
    assert delivery.deliver_due().attempted == 0
    services.set_endpoint_active(admin, endpoint.id, True)
    assert delivery.deliver_due().sent == 1
    actions = [e.action for e in audit.list_entries(actor_id=admin.id)]
    assert actions[:3] == ["webhooks.enable", "webhooks.disable", "webhooks.create"]


def test_registration_refuses_private_urls_unless_allowed(app, admin):
    for url in ("http://127.0.0.1:8000/", "http://localhost/", "http://[::1]/", "ftp://93.184.215.14/"):
        with pytest.raises(services.Invalid) as excinfo:
            make_endpoint(admin, url)
        assert "url" in excinfo.value.fields
    set_allow_private(app, True)
    try:
        assert make_endpoint(admin, "http://127.0.0.1:8000/").id
    finally:
        set_allow_private(app, False)


def test_registration_checks_secret_and_events(app, admin):
    with pytest.raises(services.Invalid) as excinfo:
        services.create_endpoint(admin, url="https://93.184.215.14/", secret="short", events=["nope"])
    assert set(excinfo.value.fields) == {"secret", "events"}
    endpoint = services.create_endpoint(
        admin, url="https://93.184.215.14/", secret="", events=["tier.reached"]
    )
    assert len(endpoint.secret) >= 32
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 1


def test_only_admins_manage_webhooks(app, member, host):
    for actor in (None, member, host):
        with pytest.raises(Forbidden):
            services.create_endpoint(actor, url="https://93.184.215.14/", secret="", events=["tier.reached"])
        with pytest.raises(Forbidden):
            services.list_endpoints(actor)


def test_deleting_an_endpoint_deletes_its_log(app, admin, allow_private):
    endpoint = make_endpoint(admin, "http://127.0.0.1:9/", ["tier.reached"])
    publish(events.TierReached(user_id=admin.id, tier_id=2))
    services.delete_endpoint(admin, endpoint.id)
    assert deliveries() == []
    [entry] = audit.list_entries(action="webhooks.delete")
    assert entry.data == {"url": "http://127.0.0.1:9/"}


def test_a_receiver_that_never_answers_is_cut_off_at_the_deadline(app, network):
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    try:
        slow = Transport(resolver=network.resolve, opener=network.open, timeout=5.0, deadline=0.2)
        started = time.monotonic()
        outcome = post(
            f"http://127.0.0.1:{port}/", body=b"{}", headers={}, allow_private=True, transport=slow
        )
        assert time.monotonic() - started < 2
    finally:
        silent.close()
    assert outcome.ok is False and outcome.status is None and outcome.error


def test_every_mapped_event_is_wired_to_the_webhooks_handler_last():
    for event_type in handlers.EVENT_NAMES:
        assert wiring.HANDLERS[event_type][-1] is handlers.on_event, event_type.__name__
