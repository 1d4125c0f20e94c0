"""The admin console's store pages: edit, stock, sale on/off, coupon code pools, and who may."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Conflict, Invalid
from app.store import catalog, pool, services
from app.store.models import CouponCode, StoreItem
from tests.store.factories import make_item, rich_member


@pytest.fixture
def items(admin: Any) -> dict[str, Any]:
    gift = make_item(admin, title="帆布袋", kind="physical", stock=5, points_cost=300)
    coupon = make_item(
        admin, title="奶茶券", kind="coupon", coupon_codes=["TEA-1", "TEA-2", "TEA-3"], stock=None
    )
    return {"gift": gift, "coupon": coupon}


def _routes(items: dict[str, Any]) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    gift, coupon = items["gift"].id, items["coupon"].id
    code_id = db.session.scalar(select(CouponCode.id).where(CouponCode.item_id == coupon))
    gets = [
        "/admin/store",
        f"/admin/store/{gift}/edit",
        f"/admin/store/{coupon}/edit",
        f"/admin/store/{coupon}/codes",
        f"/admin/store/{coupon}/codes?status=used",
        "/admin/settings",
    ]
    posts = [
        (
            f"/admin/store/{gift}/edit",
            {"title": "改名", "kind": "physical", "points_cost": "1", "stock": "5"},
        ),
        (f"/admin/store/{gift}/stock", {"mode": "add", "amount": "5", "reason": "补货"}),
        (f"/admin/store/{gift}/sale", {"action": "off", "reason": "下架"}),
        (f"/admin/store/{coupon}/codes", {"coupon_codes": "TEA-9"}),
        (f"/admin/store/{coupon}/codes/{code_id}/remove", {"reason": "作废"}),
        ("/admin/settings", {"site_name": "黑客圈", "tagline": ""}),
    ]
    return gets, posts


def _untouched(items: dict[str, Any]) -> None:
    db.session.expire_all()
    gift = db.session.get(StoreItem, items["gift"].id)
    assert (gift.title, gift.stock, gift.is_active) == ("帆布袋", 5, True)
    assert pool.count_codes(items["coupon"].id).unused == 3
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action.in_(
                    [
                        "store.item.update",
                        "store.item.stock",
                        "store.item.off_sale",
                        "store.coupon.add",
                        "store.coupon.remove",
                        "site.settings",
                    ]
                )
            )
        )
        == 0
    )


@pytest.mark.parametrize("who", ["member_client", "host_client"])
def test_members_and_hosts_get_403_on_every_route_and_action(request: Any, items: Any, who: str) -> None:
    browser = request.getfixturevalue(who)
    gets, posts = _routes(items)
    for url in gets:
        assert browser.get(url).status_code == 403, url
    for url, data in posts:
        assert browser.form(url, data).status_code == 403, url
    _untouched(items)


def test_logged_out_is_sent_to_login(client: Any, items: Any) -> None:
    gets, posts = _routes(items)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login?next=" in response.headers["Location"], url
    for url, data in posts:
        response = client.form(url, data)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"], url
    _untouched(items)


def test_admin_edits_an_item_and_the_change_is_audited(admin_client: Any, items: Any) -> None:
    gift = items["gift"]
    page = admin_client.get(f"/admin/store/{gift.id}/edit").get_data(as_text=True)
    assert 'name="expected_stock" type="hidden" value="5"' in page and 'value="帆布袋"' in page
    response = admin_client.form(
        f"/admin/store/{gift.id}/edit",
        {
            "title": "限量帆布袋",
            "kind": "physical",
            "points_cost": "350",
            "stock": "8",
            "expected_stock": "5",
            "per_user_limit": "1",
            "min_tier": "advanced",
            "starts_at": "2026-12-01T10:00",
            "ends_at": "2026-12-31T23:59",
            "next": "/admin/store",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/store"
    db.session.expire_all()
    item = db.session.get(StoreItem, gift.id)
    assert (item.title, item.points_cost, item.stock, item.per_user_limit) == ("限量帆布袋", 350, 8, 1)
    assert item.min_tier.slug == "advanced"
    assert item.starts_at.isoformat() == "2026-12-01T02:00:00+00:00"  # Asia/Shanghai 10:00
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "store.item.update"))
    assert entry.target_id == gift.id
    assert entry.data["before"]["title"] == "帆布袋" and entry.data["after"]["title"] == "限量帆布袋"
    assert entry.data["before"]["stock"] == 5 and entry.data["after"]["stock"] == 8
    audit = admin_client.get("/admin/audit?action=store.").get_data(as_text=True)
    assert 'data-action="store.item.update"' in audit
    assert "<del>帆布袋</del> → <ins>限量帆布袋</ins>" in audit


@pytest.mark.parametrize(
    ("change", "field", "typed"),
    [
        ({"stock": "-3"}, "stock", 'value="-3"'),
        (
            {"starts_at": "2026-12-10T10:00", "ends_at": "2026-12-01T10:00"},
            "ends_at",
            'value="2026-12-01T10:00"',
        ),
        ({"min_tier": "diamond"}, "min_tier", 'value="限量版"'),
        ({"starts_at": "next friday"}, "starts_at", 'value="next friday"'),
    ],
)
def test_bad_edits_rerender_with_422_and_what_was_typed(
    admin_client: Any, items: Any, change: dict[str, str], field: str, typed: str
) -> None:
    gift = items["gift"]
    data = {"title": "限量版", "kind": "physical", "points_cost": "300", "stock": "5", "expected_stock": "5"}
    response = admin_client.form(f"/admin/store/{gift.id}/edit", {**data, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and typed in html
    db.session.expire_all()
    assert db.session.get(StoreItem, gift.id).title == "帆布袋"


def test_duplicate_codes_are_refused_with_a_list(admin_client: Any, items: Any) -> None:
    coupon = items["coupon"]
    response = admin_client.form(
        f"/admin/store/{coupon.id}/codes", {"coupon_codes": "NEW-1\nTEA-2\nNEW-1\nNEW-2"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="coupon_codes-error">([^<]+)<', html).group(1)
    assert "NEW-1" in error and "TEA-2" in error and "NEW-2" not in error
    assert "NEW-1\nTEA-2\nNEW-1\nNEW-2" in html  # what was pasted stays in the box
    # The edit form refuses the same way, and a new item refuses repeats in its own list.
    edit = admin_client.form(
        f"/admin/store/{coupon.id}/edit",
        {"title": "奶茶券", "kind": "coupon", "points_cost": "100", "coupon_codes": "TEA-3"},
    )
    assert edit.status_code == 422 and "TEA-3" in edit.get_data(as_text=True)
    new = admin_client.form(
        "/admin/store/new",
        {"title": "咖啡券", "kind": "coupon", "points_cost": "50", "coupon_codes": "C1\nC1"},
    )
    assert new.status_code == 422 and 'id="coupon_codes-error"' in new.get_data(as_text=True)
    assert pool.count_codes(coupon.id).unused == 3


def test_kind_cannot_change_once_there_are_orders(admin: Any, admin_client: Any, items: Any) -> None:
    gift = items["gift"]
    services.redeem(
        rich_member("buyer"),
        gift.id,
        request_id="req-kind-0001",
        recipient="张三",
        phone="13800001111",
        address="上海市徐汇区漕溪北路 1 号",
    )
    page = admin_client.get(f"/admin/store/{gift.id}/edit").get_data(as_text=True)
    assert '<input type="hidden" name="kind" value="physical">' in page
    with pytest.raises(Invalid) as caught:
        catalog.update_item(
            admin, gift.id, catalog.ItemInput(title="帆布袋", kind="virtual", points_cost=300, stock=4)
        )
    assert "kind" in caught.value.fields
    assert db.session.get(StoreItem, gift.id).kind == "physical"


def test_stock_set_and_add_are_audited_and_guarded(admin: Any, admin_client: Any, items: Any) -> None:
    gift = items["gift"]
    assert (
        admin_client.form(
            f"/admin/store/{gift.id}/stock", {"mode": "add", "amount": "7", "reason": "补货"}
        ).status_code
        == 303
    )
    htmx = admin_client.form(
        f"/admin/store/{gift.id}/stock",
        {"mode": "set", "amount": "3", "expected": "12", "reason": "盘点"},
        htmx=True,
    )
    assert htmx.status_code == 200 and 'data-stock="3"' in htmx.get_data(as_text=True)
    # Stale figure: the compare-and-set refuses (409) and shows the real one.
    stale = admin_client.form(
        f"/admin/store/{gift.id}/stock", {"mode": "set", "amount": "9", "expected": "12", "reason": "x"}
    )
    assert stale.status_code == 409 and 'name="expected" type="hidden" value="3"' in stale.get_data(
        as_text=True
    )
    # Taking away more than there is, a negative set, no reason: 422, nothing moves.
    for data in (
        {"mode": "add", "amount": "-4", "reason": "损坏"},
        {"mode": "set", "amount": "-1", "expected": "3", "reason": "x"},
        {"mode": "add", "amount": "2", "reason": ""},
    ):
        response = admin_client.form(f"/admin/store/{gift.id}/stock", data)
        assert response.status_code == 422, data
        assert f'value="{data["amount"]}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(StoreItem, gift.id).stock == 3
    rows = list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "store.item.stock").order_by(AuditEntry.id)
        )
    )
    assert [(r.data["before"]["stock"], r.data["after"]["stock"], r.reason) for r in rows] == [
        (5, 12, "补货"),
        (12, 3, "盘点"),
    ]
    with pytest.raises(Conflict):
        catalog.adjust_stock(admin, items["coupon"].id, mode="add", amount=1, reason="x")


def test_off_sale_hides_the_item_and_back_on_sale_shows_it(
    admin_client: Any, member_client: Any, items: Any
) -> None:
    gift = items["gift"]
    assert member_client.get(f"/store/{gift.id}").status_code == 200
    off = admin_client.form(f"/admin/store/{gift.id}/sale", {"action": "off", "reason": "断货"}, htmx=True)
    assert off.status_code == 200 and 'data-on-sale="false"' in off.get_data(as_text=True)
    assert member_client.get(f"/store/{gift.id}").status_code == 404
    assert f'data-item-id="{gift.id}"' not in member_client.get("/store").get_data(as_text=True)
    listing = admin_client.get("/admin/store").get_data(as_text=True)
    assert f'data-item-id="{gift.id}" data-stock="5" data-on-sale="false"' in listing
    again = admin_client.form(f"/admin/store/{gift.id}/sale", {"action": "off"})
    assert again.status_code == 303
    assert admin_client.form(f"/admin/store/{gift.id}/sale", {"action": "on"}).status_code == 303
    assert member_client.get(f"/store/{gift.id}").status_code == 200
    actions = list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "store_item", AuditEntry.action.like("store.item.o%"))
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["store.item.off_sale", "store.item.on_sale"]


def test_coupon_pool_keeps_stock_equal_to_unused_codes(admin: Any, admin_client: Any, items: Any) -> None:
    coupon = items["coupon"]

    def invariant() -> int:
        db.session.expire_all()
        stock = db.session.get(StoreItem, coupon.id).stock
        assert stock == pool.count_codes(coupon.id).unused
        return stock

    buyer = rich_member("tea")
    order = services.redeem(buyer, coupon.id, request_id="req-tea-00001").order
    assert invariant() == 2
    assert (
        admin_client.form(
            f"/admin/store/{coupon.id}/codes", {"coupon_codes": "TEA-4\n TEA-5 \n\nTEA-6"}
        ).status_code
        == 303
    )
    assert invariant() == 5
    used = db.session.scalar(select(CouponCode).where(CouponCode.order_id == order.id))
    unused = db.session.scalar(
        select(CouponCode).where(CouponCode.item_id == coupon.id, CouponCode.code == "TEA-5")
    )
    # A used code stays; an unused one goes, and the stock follows in the same transaction.
    assert admin_client.form(f"/admin/store/{coupon.id}/codes/{used.id}/remove", {}).status_code == 409
    removed = admin_client.form(
        f"/admin/store/{coupon.id}/codes/{unused.id}/remove", {"reason": "发错了"}, htmx=True
    )
    assert removed.status_code == 200 and 'data-code-removed="TEA-5"' in removed.get_data(as_text=True)
    assert invariant() == 4
    # The edit form adds codes too (its `coupon_codes` are additions).
    response = admin_client.form(
        f"/admin/store/{coupon.id}/edit",
        {"title": "奶茶券", "kind": "coupon", "points_cost": "100", "coupon_codes": "TEA-7"},
    )
    assert response.status_code == 303
    assert invariant() == 5
    page = admin_client.get(f"/admin/store/{coupon.id}/codes?status=used").get_data(as_text=True)
    assert 'data-used="1"' in page and 'data-unused="5"' in page
    assert f'data-code="{used.code}" data-code-status="used"' in page and "tea" in page
    unused_page = admin_client.get(f"/admin/store/{coupon.id}/codes").get_data(as_text=True)
    assert unused_page.count('data-code-status="unused"') == 5 and "TEA-5" not in unused_page
    actions = [
        a
        for (a,) in db.session.execute(
            select(AuditEntry.action).where(AuditEntry.action.like("store.coupon.%")).order_by(AuditEntry.id)
        )
    ]
    assert actions == ["store.coupon.add", "store.coupon.remove"]
    removal = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "store.coupon.remove"))
    assert (
        removal.data["code"] == "TEA-5"
        and removal.data["before"]["stock"] == 5
        and removal.reason == "发错了"
    )


def test_pool_of_a_non_coupon_is_404(admin_client: Any, items: Any) -> None:
    assert admin_client.get(f"/admin/store/{items['gift'].id}/codes").status_code == 404
    assert admin_client.get("/admin/store/99999/edit").status_code == 404


def test_store_list_and_pool_pages_run_a_fixed_number_of_statements(
    admin: Any, admin_client: Any, items: Any, count_queries: Any
) -> None:
    coupon_id = items["coupon"].id  # a plain id: touching an expired object would query
    for n in range(3):
        services.redeem(rich_member(f"fan{n}"), coupon_id, request_id=f"req-fan-{n:05d}")
    admin_client.get("/admin/store")  # warm: the session's user and CSRF token
    # user, items page (image and tier joined), site settings, the nav's two badges
    with count_queries() as listing:
        html = admin_client.get("/admin/store").get_data(as_text=True)
    assert html.count('class="adm-store-row') == 2
    listing.assert_count(5)
    for n in range(4):
        make_item(admin, title=f"周边{n}", min_tier="advanced" if n % 2 else "")
    with count_queries() as bigger:
        html = admin_client.get("/admin/store").get_data(as_text=True)
    assert html.count('class="adm-store-row') == 6
    bigger.assert_count(5)
    # user, item, codes page, counts, site settings, the nav's two badges (+ orders for "used")
    with count_queries() as unused:
        admin_client.get(f"/admin/store/{coupon_id}/codes")
    unused.assert_count(7)
    with count_queries() as used:
        html = admin_client.get(f"/admin/store/{coupon_id}/codes?status=used").get_data(as_text=True)
    assert html.count('data-code-status="used"') == 3
    used.assert_count(8)


def test_store_list_pages_by_cursor(admin: Any, admin_client: Any) -> None:
    for n in range(33):
        make_item(admin, title=f"商品{n:02d}")
    first = admin_client.get("/admin/store").get_data(as_text=True)
    assert first.count('class="adm-store-row') == 30 and "商品32" in first and "商品02" not in first
    more = re.search(r'<li class="adm-more"><a class="btn btn-small btn-ghost" href="([^"]+)"', first).group(
        1
    )
    rest = admin_client.get(more.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert rest.count('class="adm-store-row') == 3 and "商品00" in rest


def test_htmx_stock_conflict_swaps_the_card_with_the_real_figure(admin_client: Any, items: Any) -> None:
    gift_id = items["gift"].id
    stale = admin_client.form(
        f"/admin/store/{gift_id}/stock",
        {"mode": "set", "amount": "9", "expected": "4", "reason": "盘点"},
        htmx=True,
    )
    html = stale.get_data(as_text=True)
    assert stale.status_code == 200 and 'data-stock="5"' in html
    assert 'name="expected" type="hidden" value="5"' in html and "库存已变为 5" in html
    assert db.session.get(StoreItem, gift_id).stock == 5


def test_a_coupon_without_orders_can_become_another_kind(admin: Any, items: Any) -> None:
    coupon_id = items["coupon"].id
    item = catalog.update_item(
        admin, coupon_id, catalog.ItemInput(title="奶茶礼包", kind="virtual", points_cost=100, stock=None)
    )
    assert (item.kind, item.stock) == ("virtual", 0)
    assert pool.count_codes(coupon_id) == pool.PoolCounts(unused=0, used=0)
