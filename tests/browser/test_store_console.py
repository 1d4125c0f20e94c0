"""The store console at phone size (390x844, zh-CN): an admin moves an item's stock."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_admin import assert_fits_the_phone, login

pytestmark = pytest.mark.browser


def test_admin_tops_up_stock_and_members_see_it(page, live_server, shot, console_errors):
    login(page, live_server, "admin", "/admin/store")
    row = page.locator(".adm-store-row", has_text="圈子定制帆布袋")
    item_id = row.get_attribute("data-item-id")
    before = int(row.get_attribute("data-stock"))
    assert_fits_the_phone(page)
    shot(page, "store-list")

    row.locator("a.adm-store-main").click()
    page.wait_for_url(re.compile(rf"/admin/store/{item_id}/edit$"))
    card = page.locator("#stock-card")
    assert int(card.get_attribute("data-stock")) == before
    card.get_by_label("调整方式").select_option("add")
    card.get_by_label("数量").fill("12")
    card.get_by_label("调整原因").fill("双十二补货")
    card.get_by_role("button", name="更新库存").click()
    # htmx swaps the card in place with the new figure.
    page.wait_for_selector(f'#stock-card[data-stock="{before + 12}"]')
    assert "库存已更新为" in page.locator("#stock-card").inner_text()
    assert_fits_the_phone(page)
    shot(page, "stock-updated")

    page.goto(f"{live_server}/store/{item_id}")
    assert int(page.locator("[data-stock]").first.get_attribute("data-stock")) == before + 12
    assert str(before + 12) in page.locator(".item-facts").inner_text()

    # On a laptop the edit page is laid out in two columns: the form, and stock/sale beside it.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/admin/store/{item_id}/edit")
    form = page.locator("[data-item-form]").bounding_box()
    side = page.locator("#stock-card").bounding_box()
    assert form is not None and side is not None
    assert side["x"] > form["x"] + form["width"] - 1 and abs(side["y"] - form["y"]) < 40
    shot(page, "edit-laptop", full_page=False)

    page.goto(f"{live_server}/admin/audit?action=store.item.stock")
    entry = page.locator('[data-action="store.item.stock"]').first
    assert "双十二补货" in entry.inner_text()
    assert console_errors == []
