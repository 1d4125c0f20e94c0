"""A member on a phone blocks someone from their profile; that member's posts leave the feed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "quanzi-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def test_block_a_member_from_their_profile(page, live_server, shot, console_errors):
    log_in(page, live_server, "zhouyi")
    authors = page.locator("article[data-post-id] a.post-author")
    hrefs = [authors.nth(i).get_attribute("href") for i in range(authors.count())]
    target = next(h for h in hrefs if h and h != "/u/zhouyi")
    assert hrefs.count(target) >= 1
    username = target.rsplit("/", 1)[-1]

    page.goto(live_server + target)
    button = page.get_by_role("button", name="屏蔽此成员")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44, "a thumb-sized tap target"
    button.click()
    # htmx swaps the button in place: no reload, the state flips.
    page.get_by_role("button", name="取消屏蔽").wait_for()
    assert page.locator("form.block-form[data-blocked=true]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "profile-blocked", full_page=False)

    page.goto(live_server + "/")
    assert page.locator("article[data-post-id]").count() > 0, "the feed still has other posts"
    assert page.locator(f'article[data-post-id] a.post-author[href="/u/{username}"]').count() == 0
    shot(page, "home-without-blocked", full_page=False)

    # Undo, so the shared demo server is as it was for other browser tests.
    page.goto(live_server + "/me/blocked")
    page.locator(f'[data-blocked-user="{username}"]').get_by_role("button", name="取消屏蔽").click()
    page.locator(f'[data-blocked-user="{username}"] form[data-blocked=false]').wait_for()
    page.goto(live_server + "/")
    assert page.locator(f'article[data-post-id] a.post-author[href="/u/{username}"]').count() >= 1
    assert console_errors == []
