"""A week of check-ins on a phone: check in, watch the dot fill and N/M change, see the board."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow on {page.url}: page is {width}px wide"


def test_check_in_fill_the_dot_and_open_the_leaderboard(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login")
    page.fill("input[name=login]", "fangyu")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(live_server + "/checkins")
    assert_fits_the_phone(page)
    shot(page, "checkins-tab")
    page.locator(".campaign-row-link", has_text="早安打卡").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    panel = page.locator("#checkin-panel")
    done = int(panel.get_attribute("data-progress-done"))
    total = int(panel.get_attribute("data-progress-total"))
    assert total == 7 and page.get_by_text(f"{done}/{total}").first.is_visible()
    assert page.locator(".dot-today").count() == 1
    assert_fits_the_phone(page)
    shot(page, "campaign-before")
    assert console_errors == [], "before check-in"

    page.evaluate("window.__sameDocument = true")
    page.fill("textarea[name=body]", "今天 6 点起床，绕小区慢跑了 3 公里，空气很好！")
    page.get_by_role("button", name="今日打卡").click()
    page.wait_for_selector(f"#checkin-panel[data-progress-done='{done + 1}']")
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped, no reload
    assert page.locator(".dot-today").count() == 0
    assert page.get_by_text(f"{done + 1}/{total}").first.is_visible()
    assert page.locator("#checkin-feed .checkin-card").first.inner_text().count("绕小区慢跑") == 1
    shot(page, "campaign-after")
    assert console_errors == [], "after check-in"

    page.get_by_role("link", name=re.compile("完整榜单")).click()
    page.wait_for_url(re.compile(r"/leaderboards\?"))
    rows = page.locator("[data-rank]")
    assert rows.count() >= 5
    assert rows.first.get_attribute("data-rank") == "1"
    assert_fits_the_phone(page)
    shot(page, "leaderboard-campaign")
    page.goto(live_server + "/leaderboards")
    page.get_by_role("link", name="本月").click()
    page.wait_for_selector("#board[data-period='month']")
    assert page.locator("[data-rank]").count() >= 3
    shot(page, "leaderboard-site")
    assert console_errors == []
