"""Data export at phone size: ask for it from /me, watch it get ready, see the .zip link."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "quanzi-demo-2026"


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow on {page.url}: page is {width}px wide"


def test_member_exports_their_data(page, live_server, shot, console_errors):
    page.goto(live_server + "/auth/login?next=/me")
    page.fill("input[name=login]", "zhaoyue")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/me$"))
    page.get_by_role("link", name="导出我的数据").click()
    page.wait_for_url(re.compile(r"/me/export$"))
    assert "打包成一个 ZIP" in page.locator("main").inner_text()
    button = page.get_by_role("button", name="开始打包我的数据")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44
    assert_fits_the_phone(page)
    shot(page, "before")

    button.click()
    # htmx swaps in the progress panel, polls it every 2 s, and the link appears when ready.
    link = page.locator("a.export-link")
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href")
    assert href is not None and re.fullmatch(r"/me/export/\d+\.zip", href)
    assert page.locator("#export-status").get_attribute("data-export-state") == "idle"
    assert re.search(r"quanzi-export-\d+\.zip", link.inner_text())
    assert_fits_the_phone(page)
    shot(page, "ready")

    download = page.request.get(live_server + href)
    assert download.status == 200 and download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.body())).namelist()
    assert "profile.json" in names and "points.csv" in names

    # The way out is one tap away and says what stays.
    page.get_by_role("link", name="注销账号").click()
    page.wait_for_url(re.compile(r"/me/delete$"))
    assert "已注销用户" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="确认永久注销").is_visible()
    assert_fits_the_phone(page)
    shot(page, "delete")
    assert console_errors == []
