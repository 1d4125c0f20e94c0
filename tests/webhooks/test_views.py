"""Admin pages: permissions, the create form (plain, htmx, 422), state, delete, redeliver, log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.core import audit, events
from app.core.db import db, use_case
from app.webhooks import delivery, handlers, services
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.webhooks.conftest import make_endpoint

PUBLIC_URL = "https://93.184.215.14/hooks/quanzi"


@use_case
def publish(event: events.Event) -> None:
    """Run the webhooks handler alone: other features' handlers would need real rows."""
    handlers.on_event(event)


def endpoint_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0)


@pytest.fixture
def hook(app, admin):
    return make_endpoint(admin, PUBLIC_URL, ["member.joined", "tier.reached"])


PAGES = ["/admin/webhooks", "/admin/webhooks/{id}"]
ACTIONS = [
    ("/admin/webhooks", {"url": PUBLIC_URL, "events": "tier.reached"}),
    ("/admin/webhooks/{id}/state", {"state": "off"}),
    ("/admin/webhooks/{id}/delete", {}),
]


@pytest.mark.parametrize("path", PAGES)
def test_logged_out_visitors_are_sent_to_login(client, hook, path):
    response = client.get(path.format(id=hook.id))
    assert response.status_code == 302
    assert "/auth/login?next=/admin/webhooks" in response.headers["Location"]


@pytest.mark.parametrize("who", ["member_client", "host_client"])
@pytest.mark.parametrize("path", PAGES)
def test_non_admins_are_forbidden_pages(request, hook, who, path):
    c = request.getfixturevalue(who)
    response = c.get(path.format(id=hook.id))
    assert response.status_code == 403
    assert PUBLIC_URL not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["member_client", "host_client"])
@pytest.mark.parametrize(("path", "data"), ACTIONS)
def test_non_admins_are_forbidden_actions(request, hook, who, path, data):
    c = request.getfixturevalue(who)
    assert c.form(path.format(id=hook.id), data).status_code == 403
    db.session.rollback()
    assert endpoint_count() == 1 and db.session.get(WebhookEndpoint, hook.id).is_active


def test_non_admins_cannot_redeliver(member_client, admin, hook):
    publish(events.TierReached(user_id=admin.id, tier_id=2))
    row = db.session.scalar(select(WebhookDelivery))
    assert member_client.form(f"/admin/webhooks/deliveries/{row.id}/redeliver").status_code == 403


def test_the_empty_page_invites_to_add_an_endpoint(admin_client):
    html = admin_client.get("/admin/webhooks").get_data(as_text=True)
    assert "还没有接收地址" in html and "还没有推送记录" in html
    for name in services.EVENTS:
        assert f'name="events" value="{name}"' in html
    assert 'name="url"' in html and 'name="secret"' in html


def test_admin_adds_an_endpoint(admin_client, admin):
    response = admin_client.form(
        "/admin/webhooks",
        {"url": PUBLIC_URL, "secret": "", "events": ["order.placed", "member.joined"]},
    )
    assert response.status_code == 303
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert response.headers["Location"] == f"/admin/webhooks/{endpoint.id}"
    assert endpoint.events == ["member.joined", "order.placed"]
    assert endpoint.created_by_id == admin.id and len(endpoint.secret) >= 32
    [entry] = audit.list_entries(action="webhooks.create")
    assert entry.actor_id == admin.id and entry.target_id == endpoint.id
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert PUBLIC_URL in page and endpoint.secret in page and "order.placed" in page
    index = admin_client.get("/admin/webhooks").get_data(as_text=True)
    assert f'data-endpoint-id="{endpoint.id}"' in index
    assert endpoint.secret not in index, "the list never shows secrets"


def test_htmx_create_redirects_with_hx_redirect(admin_client):
    response = admin_client.form("/admin/webhooks", {"url": PUBLIC_URL, "events": "tier.reached"}, htmx=True)
    assert response.status_code == 200
    assert re.fullmatch(r"/admin/webhooks/\d+", response.headers["HX-Redirect"])


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/",
        "http://10.0.0.1/",
        "http://localhost/",
        "file:///etc/passwd",
        "gopher://93.184.215.14/",
    ],
)
def test_hostile_urls_are_refused_at_registration_with_the_text_kept(admin_client, url):
    response = admin_client.form(
        "/admin/webhooks", {"url": url, "secret": "my-own-secret-1234567", "events": ["tier.reached"]}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'value="{url}"' in html
    assert 'value="my-own-secret-1234567"' in html
    assert 'value="tier.reached" checked' in html
    assert "内网" in html or "只支持 http" in html
    assert endpoint_count() == 0


def test_a_form_without_events_is_refused(admin_client):
    response = admin_client.form("/admin/webhooks", {"url": PUBLIC_URL})
    assert response.status_code == 422
    assert "请至少选择一个事件" in response.get_data(as_text=True)
    assert endpoint_count() == 0


def test_pause_and_enable_plain_and_htmx(admin_client, hook):
    response = admin_client.form(
        f"/admin/webhooks/{hook.id}/state",
        {"state": "off"},
        headers={"Referer": f"/admin/webhooks/{hook.id}"},
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/webhooks/{hook.id}"
    db.session.refresh(hook)
    assert hook.is_active is False
    response = admin_client.form(f"/admin/webhooks/{hook.id}/state", {"state": "on"}, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-endpoint-active="true"' in html and "<html" not in html
    db.session.refresh(hook)
    assert hook.is_active is True
    assert [e.action for e in audit.list_entries(action=None)][:2] == ["webhooks.enable", "webhooks.disable"]


def test_delete_removes_the_endpoint(admin_client, hook):
    hook_id = hook.id
    response = admin_client.form(f"/admin/webhooks/{hook_id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/webhooks"
    assert endpoint_count() == 0
    assert admin_client.get(f"/admin/webhooks/{hook_id}").status_code == 404


def test_the_log_shows_status_code_error_and_redeliver(admin_client, admin, hook, network):
    publish(events.TierReached(user_id=admin.id, tier_id=2))
    delivery.deliver_due()  # the test network refuses 93.184.215.14: a failed attempt
    row = db.session.scalar(select(WebhookDelivery))
    assert row.status == "pending" and row.attempts == 1
    for path in ("/admin/webhooks", f"/admin/webhooks/{hook.id}"):
        html = admin_client.get(path).get_data(as_text=True)
        assert f'data-delivery-id="{row.id}" data-delivery-status="pending"' in html
        assert 'data-attempts="1"' in html and "ConnectionRefusedError" in html
        assert "tier.reached" in html and row.uid in html

    response = admin_client.form(f"/admin/webhooks/deliveries/{row.id}/redeliver", htmx=True)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith("<li") and 'data-attempts="0"' in fragment
    response = admin_client.form(
        f"/admin/webhooks/deliveries/{row.id}/redeliver", headers={"Referer": "/admin/webhooks"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/webhooks"
    assert len(audit.list_entries(action="webhooks.redeliver")) == 2


def test_a_delivery_in_flight_cannot_be_redelivered(admin_client, admin, hook):
    publish(events.TierReached(user_id=admin.id, tier_id=2))
    [claim] = delivery.claim_due()
    response = admin_client.form(f"/admin/webhooks/deliveries/{claim.id}/redeliver")
    assert response.status_code == 409


def test_the_log_pages_with_a_constant_number_of_queries(admin_client, admin, hook, count_queries):
    def count() -> int:
        with count_queries() as q:
            assert admin_client.get("/admin/webhooks").status_code == 200
        return q.count

    publish(events.TierReached(user_id=admin.id, tier_id=1))
    one = count()
    for tier in range(2, 8):
        publish(events.TierReached(user_id=admin.id, tier_id=tier))
    assert count() == one


def test_older_deliveries_page_by_keyset(admin_client, admin, hook, monkeypatch):
    monkeypatch.setattr(services, "LOG_PAGE_SIZE", 2)
    for tier in range(1, 6):
        publish(events.TierReached(user_id=admin.id, tier_id=tier))
    ids = [r.id for r in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()))]
    first = admin_client.get("/admin/webhooks").get_data(as_text=True)
    assert f"?before={ids[1]}" in first
    response = admin_client.get(f"/admin/webhooks?before={ids[1]}", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert re.findall(r'data-delivery-id="(\d+)"', fragment) == [str(ids[2]), str(ids[3])]


def test_the_page_speaks_english_too(admin_client):
    html = admin_client.get("/admin/webhooks", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No endpoints yet" in html and "A member joined a circle" in html
