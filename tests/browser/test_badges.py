"""Badges and certificates in a real browser at phone size: profile -> certificate page ->
the PNG, the badge wall, and showing a certificate off."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: page is {width}px wide"


def test_open_a_certificate_and_its_png_from_a_profile(page, live_server, shot, console_errors):
    page.goto(live_server + "/u/zhaoyue")
    badges = page.locator("#badges")
    assert "早起达人" in badges.inner_text()
    assert_fits_the_phone(page)
    shot(page, "profile-badges")

    badges.get_by_role("link", name=re.compile("证书")).first.click()
    page.wait_for_url(re.compile(r"/certificates/[A-Za-z0-9_-]+$"))
    status = page.locator("[data-certificate-status]")
    assert status.get_attribute("data-certificate-status") == "valid"
    assert "证书真实有效" in status.inner_text()
    image = page.locator("img.cert-image")
    image.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('img.cert-image').complete")
    assert page.evaluate("document.querySelector('img.cert-image').naturalWidth") == 1080
    box = image.bounding_box()
    assert box is not None and box["width"] <= 390
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert og_image and og_image.endswith(".png")
    assert_fits_the_phone(page)
    shot(page, "certificate-page")

    response = page.goto(og_image)
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "image/png"
    shot(page, "certificate-png", full_page=False)
    assert console_errors == []


def test_badge_wall_and_badge_page(page, live_server, shot, console_errors):
    page.goto(live_server + "/badges")
    tiles = page.locator(".badge-tile")
    assert tiles.count() >= 3
    assert_fits_the_phone(page)
    shot(page, "badge-wall")
    page.get_by_role("link", name=re.compile("读书打卡七日")).click()
    page.wait_for_url(re.compile(r"/badges/\d+$"))
    # Three granted by hand, three who finished the demo's 读书笔记 campaign.
    assert page.locator(".holder").count() == 6
    assert_fits_the_phone(page)
    shot(page, "badge-page")
    assert console_errors == []


def test_holder_shows_off_a_certificate(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login?next=/me")
    page.fill("input[name=login]", "heqing")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/me$"))
    page.locator("#badges").get_by_role("link", name=re.compile("证书")).first.click()
    page.wait_for_url(re.compile(r"/certificates/[A-Za-z0-9_-]+$"))
    form = page.locator("form.share-form")
    form.locator("select[name=circle]").select_option("reading")
    form.get_by_role("button", name="晒到圈子").click()
    notice = page.get_by_text("晒出去啦")
    notice.wait_for()
    assert notice.is_visible()
    assert_fits_the_phone(page)
    shot(page, "certificate-shared")
    page.goto(live_server + "/c/reading")
    assert page.locator("a.cert-post img").count() >= 1, "the certificate card is in the circle feed"
    shot(page, "certificate-in-feed")
    assert console_errors == []


def test_admin_grants_a_badge_and_reads_the_report(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login?next=/admin/badges")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/admin/badges$"))
    assert_fits_the_phone(page)
    shot(page, "admin-badges")
    page.locator(".admin-badge", has_text="活跃之星").get_by_role("link", name="颁发").click()
    page.wait_for_url(re.compile(r"/admin/badges/\d+/grant$"))
    page.fill("textarea[name=usernames]", "fangyu, wangzhe\nno_such_user")
    page.fill("input[name=reason]", "11 月第 4 周活跃榜")
    page.get_by_role("button", name="颁发徽章").click()
    page.wait_for_url(re.compile(r"/grant\?report=\d+$"))
    report = page.locator(".grant-report")
    assert report.get_attribute("data-granted") == "1"
    assert report.get_attribute("data-already") == "1"
    assert report.get_attribute("data-unknown") == "1"
    assert "no_such_user" in report.inner_text()
    assert_fits_the_phone(page)
    shot(page, "admin-grant-report")
    assert console_errors == []
