"""A member on a phone: open a circle, scroll for more, post with a picture, like, comment."""

from __future__ import annotations

import re

import pytest

from tests.helpers import image_bytes

pytestmark = pytest.mark.browser


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"horizontal overflow: page is {width}px wide"


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "quanzi-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def test_member_reads_posts_likes_and_comments(page, live_server, shot, console_errors):
    log_in(page, live_server, "wangzhe")
    assert page.locator("[data-post-id]").count() > 0, "home feed shows posts of my circles"
    shot(page, "home-feed", full_page=False)

    page.goto(live_server + "/circles")
    assert page.get_by_text("达人休息室").is_visible()
    assert_fits_the_phone(page)
    shot(page, "discover", full_page=False)

    page.get_by_text("每周共读").first.click()
    page.wait_for_url(re.compile(r"/c/reading$"))
    first_page = page.locator("article[data-post-id]").count()
    assert first_page == 20
    assert "共读圈使用指南" in page.locator("article[data-post-id]").first.inner_text(), "pinned first"
    assert_fits_the_phone(page)
    shot(page, "circle", full_page=False)
    page.locator("[data-more]").scroll_into_view_if_needed()
    page.locator("article[data-post-id]").nth(20).wait_for()
    assert page.locator("article[data-post-id]").count() > first_page

    page.get_by_role("link", name="✏️ 发帖").click()
    page.fill("input[name=title]", "手机上发的第一篇")
    page.fill("textarea[name=body]", "今天读完了**第五章**，收获很多 @linxi")
    page.fill("input[name=tags]", "#读书笔记 手机")
    page.set_input_files(
        "input[name=images]", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    shot(page, "new-post", full_page=False)
    page.get_by_role("button", name="发布").click()
    page.wait_for_url(re.compile(r"/c/reading/p/\d+$"))
    article = page.locator("article[data-post-id]")
    assert "手机上发的第一篇" in article.inner_text()
    assert article.locator(".image-grid img").count() == 1
    assert article.locator("strong", has_text="第五章").count() == 1

    like = article.locator("[data-like-count]")
    assert like.get_attribute("data-like-count") == "0"
    like.click()
    page.wait_for_selector("article [data-like-count='1']")
    assert article.locator("button[aria-pressed=true]").count() == 1

    page.fill("#comment-form textarea[name=body]", "自己给自己留个言 😄")
    page.locator("#comment-form").get_by_role("button", name="发送").click()
    page.wait_for_selector("#comments .comment")
    assert "自己给自己留个言" in page.locator("#comments").inner_text()
    assert_fits_the_phone(page)
    shot(page, "post-page")
    assert console_errors == []


def test_host_desk_and_private_circle(page, live_server, shot, console_errors):
    log_in(page, live_server, "chenmo")
    page.goto(live_server + "/c/morning-run/manage")
    assert page.locator("#pending [data-post-id]").count() >= 1
    assert_fits_the_phone(page)
    shot(page, "host-desk", full_page=False)
    item = page.locator("#pending .queue-item").first
    item.locator("summary").click()
    item.get_by_role("button", name="通过").click()
    page.wait_for_selector("#pending .done-note")
    assert "已通过" in page.locator("#pending").inner_text()
    page.goto(live_server + "/notifications")
    shot(page, "notifications", full_page=False)
    assert console_errors == []
