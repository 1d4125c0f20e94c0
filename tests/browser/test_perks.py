"""Tier trial on a phone: a locked advanced-only campaign, a trial card, the lock gone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow on {page.url}: page is {width}px wide"


def test_a_trial_card_unlocks_the_advanced_only_campaign(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login")
    page.fill("input[name=login]", "zhouyi")  # 普通会员 with enough points for the card
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(live_server + "/checkins")
    page.locator(".campaign-row-link", has_text="晨读营").click()
    page.wait_for_url(re.compile(r"/campaigns/\d+$"))
    campaign_url = page.url
    locked = page.locator(".campaign-head [data-tier-locked]")
    assert locked.is_visible() and "高级会员专属 · 升级后可参加" in locked.inner_text()
    assert page.locator("#checkin-panel a[href='/tiers']").is_visible()
    assert page.locator("textarea[name=body]").count() == 0
    assert_fits_the_phone(page)
    shot(page, "campaign-locked")

    page.goto(live_server + "/store")
    page.locator("a", has_text="高级会员7天体验卡").first.click()
    page.wait_for_url(re.compile(r"/store/\d+$"))
    page.locator("form[action$='/redeem'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/redemptions/\d+$"))

    page.goto(live_server + "/tiers")
    last_day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=7)
    line = page.locator("[data-trial-tier=advanced]")
    assert line.inner_text().strip() == f"正在体验 高级会员，至 {last_day.month}月{last_day.day}日"
    assert page.locator(".tier-hero [data-tier]").get_attribute("data-tier") == "advanced"
    assert_fits_the_phone(page)
    shot(page, "tiers-trial")

    page.goto(live_server + "/me")
    assert page.locator("[data-tier-chip=advanced][data-trial=y]").is_visible()

    page.goto(campaign_url)
    assert page.locator("[data-tier-locked]").count() == 0
    assert page.locator(".campaign-head [data-tier-exclusive=advanced]").is_visible()
    assert page.locator("textarea[name=body]").is_visible()
    assert_fits_the_phone(page)
    shot(page, "campaign-unlocked")
    assert console_errors == []
