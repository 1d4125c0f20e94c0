"""Redeeming, coupons, limits, tiers, windows, fulfilment, prizes, tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import User
from app.core import clock
from app.core.db import db
from app.core.errors import Conflict, Forbidden, Invalid
from app.core.permissions import can
from app.points.ledger import find_discrepancies
from app.store import fulfilment, services
from app.store.models import StoreItem
from tests.store.factories import make_item, rich_member


def balance(user_id: int) -> int:
    db.session.expire_all()
    return db.session.get(User, user_id).points


def test_redeem_deducts_points_and_stock_once_per_request_id(admin, captured):
    buyer = rich_member("buyer1", 250)
    item = make_item(admin)
    first = services.redeem(buyer, item.id, request_id="req-000001")
    again = services.redeem(buyer, item.id, request_id="req-000001")
    assert first.created and not again.created and again.order.id == first.order.id
    assert first.order.status == "done" and balance(buyer.id) == 150
    assert db.session.get(StoreItem, item.id).stock == 9
    assert [(e.status, e.user_id) for e in captured if type(e).__name__ == "OrderStatusChanged"] == [
        ("done", buyer.id)
    ]


def test_not_enough_points_rolls_everything_back(admin):
    buyer = rich_member("buyer1", 50)
    item = make_item(admin)
    with pytest.raises(Conflict):
        services.redeem(buyer, item.id, request_id="req-000001")
    db.session.expire_all()
    assert db.session.get(StoreItem, item.id).stock == 10 and balance(buyer.id) == 50
    assert services.list_my_orders(buyer).items == []


def test_coupon_codes_go_to_one_member_each_then_sold_out(admin):
    item = make_item(admin, kind="coupon", coupon_codes=["AAA-1", "BBB-2"], stock=None)
    assert item.stock == 2
    codes = {
        services.redeem(rich_member(f"coupon{i}"), item.id, request_id=f"req-00000{i}").order.coupon_code
        for i in range(2)
    }
    assert codes == {"AAA-1", "BBB-2"}
    with pytest.raises(Conflict):
        services.redeem(rich_member("coupon9"), item.id, request_id="req-000009")


def test_limits_tiers_and_windows(admin):
    buyer = rich_member("buyer1", 900)
    limited = make_item(admin, per_user_limit=1)
    services.redeem(buyer, limited.id, request_id="req-000001")
    with pytest.raises(Conflict):
        services.redeem(buyer, limited.id, request_id="req-000002")
    premium = make_item(admin, min_tier="premium")
    with pytest.raises(Forbidden):
        services.redeem(buyer, premium.id, request_id="req-000003")
    later = make_item(admin, starts_at=clock.now() + timedelta(days=1))
    with pytest.raises(Conflict):
        services.redeem(buyer, later.id, request_id="req-000004")
    with pytest.raises(Invalid):
        services.redeem(buyer, limited.id, request_id="x")


def test_physical_orders_need_an_address_and_cancel_refunds(admin):
    buyer = rich_member("buyer1", 300)
    gift = make_item(admin, kind="physical", points_cost=200, stock=1)
    with pytest.raises(Invalid) as exc:
        services.redeem(buyer, gift.id, request_id="req-000001")
    assert set(exc.value.fields) == {"recipient", "phone", "address"}
    order = services.redeem(
        buyer,
        gift.id,
        request_id="req-000001",
        recipient="梅梅",
        phone="13800138000",
        address="上海市徐汇区漕溪北路 1 号",
    ).order
    assert order.status == "pending" and balance(buyer.id) == 100
    cancelled = fulfilment.fulfil_order(admin, order.id, action="cancel", reason="缺货")
    assert cancelled.status == "cancelled" and balance(buyer.id) == 300
    assert db.session.get(StoreItem, gift.id).stock == 1
    with pytest.raises(Conflict):
        fulfilment.fulfil_order(admin, order.id, action="ship", tracking_no="SF123")
    assert find_discrepancies() == []


def test_ship_needs_a_tracking_number(admin):
    buyer = rich_member("buyer1", 300)
    gift = make_item(admin, kind="physical", points_cost=200)
    order = services.redeem(
        buyer,
        gift.id,
        request_id="req-000001",
        recipient="梅",
        phone="13800138000",
        address="北京市海淀区 1 号",
    ).order
    with pytest.raises(Invalid):
        fulfilment.fulfil_order(admin, order.id, action="ship")
    shipped = fulfilment.fulfil_order(admin, order.id, action="ship", tracking_no="SF1234567")
    assert (shipped.status, shipped.tracking_no) == ("shipped", "SF1234567")


def test_prize_is_free_and_tickets_open_their_circle(admin, member):
    ticket = make_item(admin, kind="ticket", circle_id=42, points_cost=500)
    assert not can(member, "store.holds_ticket", 42)
    order = fulfilment.grant_prize(admin, member, ticket.id, reason="活动奖品")
    assert order.is_prize and order.points_cost == 0 and balance(member.id) == 0
    assert can(member, "store.holds_ticket", 42) and not can(member, "store.holds_ticket", 43)


def test_tier_trial_item_lifts_the_tier(admin):
    buyer = rich_member("buyer1", 100)
    trial = make_item(admin, kind="tier_trial", trial_tier="premium", trial_days=7, points_cost=50)
    services.redeem(buyer, trial.id, request_id="req-000001")
    assert can(buyer, "tiers.reaches", "premium")


def test_only_admins_use_the_admin_seams(member, admin):
    item = make_item(admin)
    with pytest.raises(Forbidden):
        make_item(member)
    with pytest.raises(Forbidden):
        fulfilment.grant_prize(member, member, item.id, reason="me")
