"""Store and points pages through HTTP: redeem answers 303, hooks, admin seams guarded."""

from __future__ import annotations

import re

import pytest

from app.points import ledger
from tests.store.factories import make_item

ADMIN_SEAMS = [
    ("get", "/admin/store/new", None),
    ("post", "/admin/store/new", {"title": "x", "kind": "virtual", "points_cost": "1", "stock": "1"}),
    ("get", "/admin/redemptions", None),
    ("post", "/admin/redemptions/1", {"action": "ship", "tracking_no": "SF1"}),
    ("post", "/admin/users/meimei/points", {"delta": "10", "reason": "r"}),
    ("post", "/admin/users/meimei/prize", {"item_id": "1", "reason": "r"}),
]


@pytest.mark.parametrize(("method", "url", "data"), ADMIN_SEAMS)
def test_admin_seams_are_for_admins_only(member_client, anon, method, url, data):
    if method == "get":
        assert member_client.get(url).status_code == 403
        assert anon.get(url).status_code == 302
    else:
        assert member_client.form(url, data).status_code == 403


def test_redeem_a_coupon_and_see_the_code(admin, member, member_client):
    ledger.adjust_balance(member.id, delta=300, reason="t", actor_id=None)
    item = make_item(admin, kind="coupon", coupon_codes=["QZ-2026-A"], points_cost=120, stock=None)
    page = member_client.get(f"/store/{item.id}").get_data(as_text=True)
    assert 'data-stock="1"' in page
    request_id = re.search(r'name="request_id" type="hidden" value="([^"]+)"', page).group(1)
    first = member_client.form(f"/store/{item.id}/redeem", {"request_id": request_id})
    again = member_client.form(f"/store/{item.id}/redeem", {"request_id": request_id})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert re.fullmatch(r"/me/redemptions/\d+", first.headers["Location"])
    order = member_client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'data-coupon-code="QZ-2026-A"' in order and 'data-order-status="done"' in order
    points = member_client.get("/me/points").get_data(as_text=True)
    assert 'data-points-balance="180"' in points and 'data-growth="300"' in points
    assert member_client.form(f"/store/{item.id}/redeem", {"request_id": "req-other-1"}).status_code == 409


def test_physical_redeem_without_address_is_422_and_keeps_text(admin, member, member_client):
    ledger.adjust_balance(member.id, delta=300, reason="t", actor_id=None)
    item = make_item(admin, kind="physical", points_cost=100)
    response = member_client.form(
        f"/store/{item.id}/redeem", {"request_id": "req-abc-123", "recipient": "梅梅"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="梅梅"' in html and 'class="error"' in html


def test_admin_fulfils_adjusts_and_grants(admin, admin_client, member):
    assert (
        admin_client.form("/admin/users/meimei/points", {"delta": "500", "reason": "活动"}).status_code == 303
    )
    item = make_item(admin, kind="physical", points_cost=100)
    assert (
        admin_client.form("/admin/users/meimei/prize", {"item_id": str(item.id), "reason": "奖"}).status_code
        == 303
    )
    listing = admin_client.get("/admin/redemptions").get_data(as_text=True)
    order_id = re.search(r'data-order-id="(\d+)" data-order-status="pending"', listing).group(1)
    shipped = admin_client.form(
        f"/admin/redemptions/{order_id}", {"action": "ship", "tracking_no": "SF100"}, htmx=True
    )
    assert shipped.status_code == 200 and 'data-order-status="shipped"' in shipped.get_data(as_text=True)
    created = admin_client.form(
        "/admin/store/new", {"title": "保温杯", "kind": "physical", "points_cost": "300", "stock": "5"}
    )
    assert created.status_code == 303 and re.fullmatch(r"/store/\d+", created.headers["Location"])


def test_sign_in_plain_and_htmx(member_client, member):
    htmx = member_client.form("/signin", {}, htmx=True)
    assert htmx.status_code == 200 and "points-changed" in htmx.headers["HX-Trigger"]
    assert 'data-signed-today="y"' in htmx.get_data(as_text=True)
    plain = member_client.form("/signin", {"next": "/me"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/me"
    chip = member_client.get("/points/chip").get_data(as_text=True)
    assert 'data-points-chip="5"' in chip


@pytest.mark.parametrize(
    "url", ["/store", "/store?kind=coupon", "/tiers", "/tasks", "/me/points", "/me/redemptions", "/", "/me"]
)
def test_member_pages_render(member_client, url):
    response = member_client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-points-chip" in html and "style=" not in html


def test_locked_items_show_the_tier(admin, member_client):
    make_item(admin, title="尊享礼盒", min_tier="premium")
    html = member_client.get("/store").get_data(as_text=True)
    assert 'class="lock-badge"' in html and "尊享会员" in html
    tiers = member_client.get("/tiers").get_data(as_text=True)
    assert 'data-tier-card="premium" data-locked="y"' in tiers
