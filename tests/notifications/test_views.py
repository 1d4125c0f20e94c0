"""Notifications over HTTP: the list, mark all read, and the polled unread badge."""

from __future__ import annotations

import re

from app.notifications import services
from app.posts import services as posts
from tests.circles.factories import join, make_circle, make_post


def unread_in(html: str) -> int:
    match = re.search(r'data-unread-count="(\d+)"', html)
    assert match, "the unread badge is on the page"
    return int(match.group(1))


def test_badge_list_and_read_all(host, member, host_client, count_queries):
    circle = make_circle(host)
    join(member, circle)
    post = make_post(host, circle, title="周末读书会", body="欢迎参加")
    posts.set_like(member, "post", post, True)
    posts.create_comment(member, post, body="报名！")
    assert unread_in(host_client.get("/").get_data(as_text=True)) == 2
    with count_queries() as q:
        badge = host_client.get("/notifications/unread", headers={"HX-Request": "true"})
    assert unread_in(badge.get_data(as_text=True)) == 2
    assert 'hx-trigger="every 60s' in badge.get_data(as_text=True)
    assert q.count <= 2  # the session's user, then one COUNT
    html = host_client.get("/notifications").get_data(as_text=True)
    assert "梅梅 赞了你的帖子「周末读书会」" in html and "梅梅 评论了你的帖子「周末读书会」" in html
    assert f'href="/c/reading/p/{post.id}' in html
    response = host_client.form("/notifications/read-all", {})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert services.count_unread(host.id) == 0
    response = host_client.form("/notifications/read-all", {}, htmx=True)
    assert response.status_code == 200 and unread_in(response.get_data(as_text=True)) == 0


def test_notifications_in_english(host, member, host_client):
    circle = make_circle(host)
    join(member, circle)
    post = make_post(host, circle, title="Book club", body="hi")
    posts.set_like(member, "post", post, True)
    html = host_client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "梅梅 liked your post “Book club”" in html


def test_notifications_need_login(anon):
    response = anon.get("/notifications")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert anon.get("/notifications/unread", headers={"HX-Request": "true"}).status_code == 401
