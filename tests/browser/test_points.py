"""The points economy on a phone: sign in, see points rise, redeem a coupon, see the code."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow on {page.url}: page is {width}px wide"


def log_in(page, live_server: str, username: str) -> None:
    page.goto(live_server + "/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def chip_points(page) -> int:
    return int(page.locator("[data-points-chip]").get_attribute("data-points-chip"))


def test_sign_in_earn_and_redeem_a_coupon(page, live_server, shot, console_errors):
    log_in(page, live_server, "zhaoyue")
    card = page.locator("#signin-card")
    assert card.get_attribute("data-signed-today") == "n"
    before = chip_points(page)
    assert_fits_the_phone(page)
    shot(page, "home")

    # htmx: the card swaps itself and the header chip refreshes on points-changed, no reload.
    page.evaluate("window.__sameDocument = true")
    page.locator(".signin-button").click()
    page.wait_for_selector("#signin-card[data-signed-today=y]")
    page.wait_for_function(
        f"Number(document.querySelector('[data-points-chip]').dataset.pointsChip) > {before}"
    )
    assert page.evaluate("window.__sameDocument") is True
    after = chip_points(page)
    assert after > before
    assert f"+{after - before}" in page.locator("#signin-card").inner_text()
    shot(page, "home-signed-in")

    page.goto(live_server + "/tasks")
    assert page.locator("[data-task=signin]").get_attribute("data-task-done") == "1"
    assert "任务中心" in page.locator("h1").inner_text()
    assert_fits_the_phone(page)
    shot(page, "tasks")

    page.goto(live_server + "/store")
    assert_fits_the_phone(page)
    shot(page, "store")
    page.locator(".store-card", has_text="满100减20优惠券").click()
    page.wait_for_url(re.compile(r"/store/\d+$"))
    stock = int(page.locator("[data-stock]").first.get_attribute("data-stock"))
    shot(page, "coupon-item")
    page.get_by_role("button", name=re.compile("兑换")).click()
    page.wait_for_url(re.compile(r"/me/redemptions/\d+$"))
    code = page.locator("[data-coupon-code]").first.get_attribute("data-coupon-code")
    assert code and code.startswith("QZ20-")
    assert page.locator("[data-order-status]").get_attribute("data-order-status") == "done"
    assert code in page.locator("main").inner_text()
    assert chip_points(page) == after - 300
    assert_fits_the_phone(page)
    shot(page, "order")

    page.goto(live_server + "/me/points")
    hero = page.locator("[data-points-balance]")
    assert int(hero.get_attribute("data-points-balance")) == after - 300
    assert int(hero.get_attribute("data-growth")) >= 1000
    assert page.locator(".ledger-row").count() >= 10
    assert_fits_the_phone(page)
    shot(page, "points")

    page.goto(live_server + "/tiers")
    assert page.locator(".tier-name").inner_text() == "高级会员"
    assert page.locator("[data-tier-card=premium][data-locked=y]").count() == 1
    assert_fits_the_phone(page)
    shot(page, "tiers")

    page.goto(live_server + "/store")
    coupon = page.locator(".store-card", has_text="满100减20优惠券")
    assert int(coupon.get_attribute("data-stock")) == stock - 1
    assert console_errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_points_and_store_pages_fit_the_phone(page, live_server, shot, console_errors, lang):
    log_in(page, live_server, "admin")
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    paths = ["/", "/me", "/tasks", "/tiers", "/store", "/me/points", "/me/redemptions"]
    paths += ["/admin/redemptions", "/admin/store/new"]
    for path in paths:
        page.goto(live_server + path)
        assert_fits_the_phone(page)
        shot(page, f"{lang}-{path.strip('/').replace('/', '-') or 'home'}")
    page.goto(live_server + "/store")
    links = page.locator(".store-card").evaluate_all("cards => cards.map(c => [c.dataset.itemId, c.href])")
    assert len(links) >= 6
    for item_id, href in links:
        page.goto(href)
        assert page.locator("[data-stock]").count() == 1
        assert_fits_the_phone(page)
        shot(page, f"{lang}-item-{item_id}")
    page.goto(live_server + "/admin/redemptions")
    statuses = set(
        page.locator("[data-order-status]").evaluate_all("rows => rows.map(r => r.dataset.orderStatus)")
    )
    assert statuses == {"pending", "shipped", "cancelled", "done"}
    first_order = page.locator("[data-order-id]").first.get_attribute("data-order-id")
    assert first_order
    assert console_errors == []
