"""Webhooks admin at phone size: add an endpoint, see it listed, pause it with htmx."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: page is {width}px wide"


def test_admin_adds_and_pauses_an_endpoint(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login?next=/admin/webhooks")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "quanzi-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/admin/webhooks$"))
    assert "还没有接收地址" in page.locator("main").inner_text()
    assert_fits_the_phone(page)
    shot(page, "empty")

    page.fill("input[name=url]", "http://127.0.0.1:9/hook")
    page.locator("input[name=events][value='member.joined']").check()
    page.get_by_role("button", name="添加", exact=True).click()
    assert page.get_by_text("这个地址指向本机或内网").is_visible()
    assert page.locator("input[name=url]").input_value() == "http://127.0.0.1:9/hook"
    assert page.locator("input[name=events][value='member.joined']").is_checked()
    shot(page, "refused")

    page.fill("input[name=url]", "https://93.184.215.14/hooks/quanzi")
    page.locator("input[name=events][value='order.placed']").check()
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/webhooks/\d+$"))
    assert "https://93.184.215.14/hooks/quanzi" in page.locator("main").inner_text()
    assert page.locator("form.wh-state[data-endpoint-active=true]").is_visible()
    box = page.get_by_role("button", name="暂停").bounding_box()
    assert box is not None and box["height"] >= 36
    assert_fits_the_phone(page)
    shot(page, "endpoint")

    page.get_by_role("button", name="暂停").click()
    page.locator("form.wh-state[data-endpoint-active=false]").wait_for()
    assert page.get_by_role("button", name="启用").is_visible()
    page.goto(live_server + "/admin/webhooks")
    assert page.locator("[data-endpoint-id]").count() == 1
    assert "已暂停" in page.locator(".wh-endpoints").inner_text()
    assert_fits_the_phone(page)
    shot(page, "list")
    assert console_errors == []
