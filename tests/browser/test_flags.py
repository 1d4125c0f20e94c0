"""A host on a phone: the weighted report queue, then shadow-mute (透明人) a member."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_host_shadow_mutes_a_member_from_the_manage_page(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login")
    page.fill("input[name=login]", "linxi")
    page.fill("input[name=password]", "quanzi-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(live_server + "/c/reading/manage")
    flagged = page.locator("#reports [data-flag-weight]").first
    assert flagged.get_attribute("data-flag-weight") == "2.5", "the demo post's two weighted reports"
    assert "×1.50" in flagged.inner_text()
    assert page.locator("#report-threshold input[name=report_threshold]").input_value() == "3.0"
    page.locator("#reports").scroll_into_view_if_needed()

    row = page.locator("#member-fangyu")
    row.scroll_into_view_if_needed()
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("频繁发广告")
    button = row.get_by_role("button", name="设为透明人")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44, "tap target"
    button.click()
    page.wait_for_selector("#member-fangyu [data-shadowed=y]")
    assert "透明人" in page.locator("#member-fangyu").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: page is {width}px wide"
    shot(page, "shadow-muted-member", full_page=False)

    page.reload()
    assert page.locator("#member-fangyu [data-shadowed=y]").count() == 1, "it stuck"
    assert page.locator("#log [data-audit-action='member.shadow']").count() == 1
    assert console_errors == []
