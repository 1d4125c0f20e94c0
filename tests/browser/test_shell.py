"""The mobile shell in a real browser at phone size: sign up, log out, log in."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: page is {width}px wide"


def test_register_login_and_tab_bar(page, live_server, shot, console_errors):
    page.goto(live_server + "/")
    assert page.locator("nav[data-tabbar]").is_visible()
    assert page.locator("nav[data-tabbar] a").count() == 5
    for label in ("首页", "圈子", "打卡", "商城", "我的"):
        assert page.locator("nav[data-tabbar]").get_by_text(label).is_visible()
    assert_fits_the_phone(page)
    shot(page, "home-logged-out")

    page.get_by_role("link", name="注册").first.click()
    page.fill("input[name=username]", "phoneuser")
    page.fill("input[name=email]", "phone@example.com")
    page.fill("input[name=password]", "phone-pass-2026")
    shot(page, "register")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "你好" in page.locator("main").inner_text()

    page.goto(live_server + "/me")
    assert "@phoneuser" in page.locator("main").inner_text()
    assert_fits_the_phone(page)
    shot(page, "me")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(live_server + "/auth/login?next=/me")
    page.fill("input[name=login]", "phone@example.com")
    page.fill("input[name=password]", "phone-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/me$"))
    tab = page.locator("nav[data-tabbar] a[aria-current=page]")
    assert "我的" in tab.inner_text()
    box = page.locator("nav[data-tabbar] a").first.bounding_box()
    assert box is not None and box["height"] >= 44, "tap targets are at least 44px"
    assert_fits_the_phone(page)
    assert console_errors == []


def test_wrong_login_shows_an_error_in_chinese(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login")
    page.fill("input[name=login]", "linxi")
    page.fill("input[name=password]", "wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_text("用户名/邮箱或密码不正确").is_visible()
    assert page.locator("input[name=login]").input_value() == "linxi"
    shot(page, "login-error")
    assert console_errors == []


def test_language_switch_to_english(page, live_server, console_errors):
    page.goto(live_server + "/privacy")
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/privacy$"))
    assert page.locator("nav[data-tabbar]").get_by_text("Home").is_visible()
    assert console_errors == []
