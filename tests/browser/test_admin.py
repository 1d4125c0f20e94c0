"""The admin console and the KOC application flow at phone size (390x844, zh-CN)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: page is {width}px wide"


def login(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/auth/login?next={next_path}")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(next_path) + r"$"))


def test_dashboard_charts_render_as_svg(page, live_server, shot, console_errors):
    login(page, live_server, "admin", "/admin")
    main = page.locator("main")
    assert "运营数据看板" in main.inner_text()
    # Every chart is an SVG drawn on the server, with real data from the demo history.
    assert page.locator("svg[data-chart]").count() == 3
    assert page.locator("[data-figure=dau] rect.adm-bar").count() == 30
    heights = page.locator("[data-figure=dau] rect.adm-bar").evaluate_all(
        "bars => bars.map(b => parseFloat(b.getAttribute('height')))"
    )
    assert sum(1 for h in heights if h > 0) >= 20
    assert page.locator("[data-figure=points] polyline").count() == 2
    assert page.locator("[data-figure=tiers] [data-tier]").count() == 3
    assert page.locator("[data-figure=campaigns] [data-campaign]").count() >= 1
    assert page.locator("[data-figure=circles] [data-circle]").count() >= 1
    lapsing = int(page.locator("[data-lapsing-count]").get_attribute("data-lapsing-count"))
    assert lapsing >= 3
    box = page.locator("svg[data-chart]").first.bounding_box()
    assert box is not None and 200 < box["width"] <= 390 and box["height"] > 100
    assert_fits_the_phone(page)
    shot(page, "dashboard")

    page.get_by_role("link", name="7 天").click()
    page.wait_for_url(re.compile(r"/admin/?\?days=7$"))
    assert page.locator("[data-figure=dau] rect.adm-bar").count() == 7

    # The compact menu on a phone opens to every console section.
    page.locator("details.adm-top summary").click()
    page.locator("details.adm-top").get_by_role("link", name="流失预警").click()
    page.wait_for_url(re.compile(r"/admin/lapsing$"))
    assert page.locator("[data-lapsing-user]").count() == lapsing
    assert_fits_the_phone(page)
    shot(page, "lapsing")
    assert console_errors == []


def test_application_flow(page, browser, live_server, shot, console_errors):
    login(page, live_server, "liukun", "/apply-host")
    page.fill("input[name=real_name]", "刘堃")
    page.fill("input[name=city]", "苏州")
    page.fill("textarea[name=talents]", "辅食制作、亲子阅读")
    page.fill("textarea[name=social_accounts]", "小红书 @刘堃的育儿日常")
    page.fill("input[name=follower_count]", "8600")
    page.fill("textarea[name=reason]", "想开一个新手妈妈互助圈，每周分享辅食和绘本。")
    assert_fits_the_phone(page)
    shot(page, "form")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/apply-host$"))
    assert page.locator("[data-application-status=pending]").is_visible()
    assert "正在审核中" in page.locator("main").inner_text()
    shot(page, "pending")

    admin = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    try:
        review = admin.new_page()
        login(review, live_server, "admin", "/admin/applications")
        card = review.locator("article[data-application-status=pending]", has_text="刘堃")
        card.get_by_role("button", name="通过，设为圈主").click()
        review.locator("article[data-application-status=approved]", has_text="刘堃").wait_for()
        assert_fits_the_phone(review)
        shot(review, "approved")
    finally:
        admin.close()

    page.goto(live_server + "/apply-host")
    assert page.locator("[data-application-status=approved]").is_visible()
    page.goto(live_server + "/notifications")
    assert "圈主申请已通过" in page.locator("main").inner_text()
    assert console_errors == []
