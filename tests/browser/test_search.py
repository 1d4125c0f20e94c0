"""A member on a phone searches the demo community from the header's search icon."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_circles import assert_fits_the_phone, log_in

pytestmark = pytest.mark.browser


def test_member_searches_in_chinese_and_swaps_results(page, live_server, shot, console_errors):
    log_in(page, live_server, "wangzhe")
    page.locator("[data-search-link]").click()
    page.wait_for_url(re.compile(r"/search$"))
    assert page.get_by_role("heading", name="搜索帖子和评论").is_visible()
    assert page.locator(".search-suggestions .tag").count() > 0, "popular topics as ideas"
    assert_fits_the_phone(page)
    shot(page, "search-start", full_page=False)

    page.fill("input[name=q]", "读书")
    page.locator(".search-submit").click()
    page.wait_for_url(re.compile(r"/search\?q=%E8%AF%BB%E4%B9%A6"))
    hits = page.locator(".search-hit")
    hits.first.wait_for()
    assert hits.count() > 0
    assert "读书" in page.locator(".search-hit mark").first.inner_text()
    assert page.locator("input[name=q]").input_value() == "读书", "htmx swapped the results only"
    assert_fits_the_phone(page)
    shot(page, "search-results", full_page=False)

    page.select_option("select[name=order]", "newest")
    page.wait_for_url(re.compile(r"order=newest"))
    hits.first.wait_for()
    hits.first.locator("a.search-hit-link").click()
    page.wait_for_url(re.compile(r"/c/[a-z0-9-]+/p/\d+"))
    assert "读书" in page.locator("article[data-post-id]").first.inner_text()

    page.goto(live_server + "/search?q=火星探险")
    assert page.get_by_text("没有找到与“火星探险”相关的内容").is_visible()
    shot(page, "search-empty", full_page=False)
    assert console_errors == []
