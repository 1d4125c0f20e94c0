"""Sharing a post on a phone: open the share sheet, copy my link, see its QR code; then a
board's prizes and past winners."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow on {page.url}: page is {width}px wide"


def test_open_the_share_sheet_copy_the_link_and_see_the_qr(page, live_server, shot, console_errors):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(live_server + "/auth/login")
    page.fill("input[name=login]", "zhaoyue")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(live_server + "/c/reading")
    page.locator("[data-post-id] a.post-link").first.click()
    page.wait_for_url(re.compile(r"/c/reading/p/\d+$"))
    post_path = re.sub(r"^https?://[^/]+", "", page.url)

    sheet = page.locator("[data-share-sheet]")
    sheet.locator("summary").click()
    assert sheet.get_attribute("open") is not None
    link_input = sheet.locator("[data-share-link]")
    link = link_input.input_value()
    assert re.search(re.escape(post_path) + r"\?ref=[A-Z0-9]{8}$", link), link

    sheet.get_by_role("button", name="复制链接").click()
    page.get_by_text("已复制").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link

    qr = sheet.locator("[data-share-qr]")
    qr.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('[data-share-qr]').complete")
    assert page.evaluate("document.querySelector('[data-share-qr]').naturalWidth") > 0
    box = sheet.locator("summary").bounding_box()
    assert box is not None and box["height"] >= 44
    assert_fits_the_phone(page)
    shot(page, "share-sheet", full_page=False)

    # The reading circle's weekly board carries prizes and shows its past winners.
    page.goto(live_server + "/leaderboards?scope=reading&metric=checkins")
    assert page.locator("#prizes [data-prize-id]").count() == 3
    assert page.locator("#prize-history [data-payout-id]").count() >= 3
    assert_fits_the_phone(page)
    shot(page, "board-prizes")
    # zhaoyue co-hosts the reading circle: the prize form opens in place.
    page.locator(".lb-prize-new > summary").click()
    assert page.locator(".lb-prize-new form select[name=kind]").is_visible()
    assert_fits_the_phone(page)
    shot(page, "board-prize-form")
    assert console_errors == []
