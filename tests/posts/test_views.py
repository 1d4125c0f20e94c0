"""The circle pages over HTTP: permissions by role, private leakage, XSS, htmx vs plain, SQL counts."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.circles import services as circles
from app.core.db import db
from app.notifications.models import Notification
from app.posts import services
from app.posts.models import Post
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import image_bytes, make_user

XSS = '<script>alert(1)</script><img src=x onerror=alert(1)>"><svg onload=alert(1)>'


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def setup(host, member):
    circle = make_circle(host, description="读书圈")
    join(member, circle)
    post = make_post(member, circle, body="大家好", tags="读书")
    comment = services.create_comment(host, post, body="欢迎")
    return circle, post, comment


def test_circle_page_feed_and_like_markup(setup, member_client):
    _circle, post, _ = setup
    html = html_of(member_client.get("/c/reading"))
    assert f'data-post-id="{post.id}"' in html and 'data-like-count="0"' in html
    assert 'name="state" value="on"' in html
    assert "#读书" in html and "1 位成员" not in html and "2 位成员" in html


def test_discover_lists_private_cards_but_not_their_covers(host, anon):
    make_circle(
        host,
        "secret",
        name="秘密花园",
        visibility="private",
        cover=io.BytesIO(image_bytes()),
        cover_filename="c.png",
    )
    html = html_of(anon.get("/circles"))
    assert "秘密花园" in html and "/media/" not in html and "私密" in html


def test_logged_out_home_is_the_welcome_page_and_member_home_is_the_feed(setup, anon, member_client):
    assert "找到你的圈子" in html_of(anon.get("/"))
    html = html_of(member_client.get("/"))
    assert f'data-post-id="{setup[1].id}"' in html


def test_like_plain_and_htmx(setup, member_client, host):
    _circle, post, _ = setup
    url = f"/c/reading/p/{post.id}/like"
    response = member_client.form(url, {"state": "on"}, headers={"Referer": "http://localhost/c/reading"})
    assert response.status_code == 303 and response.headers["Location"] == "/c/reading"
    response = member_client.form(url, {"state": "on"}, htmx=True)
    assert response.status_code == 200 and 'data-like-count="1"' in html_of(response)
    assert 'aria-pressed="true"' in html_of(response)
    response = member_client.form(url, {}, htmx=True)
    assert 'data-like-count="0"' in html_of(response)


def test_comment_plain_and_htmx_and_invalid_keeps_text(setup, member_client):
    _circle, post, comment = setup
    url = f"/c/reading/p/{post.id}/comments"
    response = member_client.form(url, {"body": "沙发"})
    assert response.status_code == 303 and response.headers["Location"].startswith(
        f"/c/reading/p/{post.id}#comment-"
    )
    response = member_client.form(url, {"body": "回复你", "parent_id": str(comment.id)}, htmx=True)
    assert (
        response.status_code == 200
        and "回复你" in html_of(response)
        and 'class="replies"' in html_of(response)
    )
    response = member_client.form(url, {"body": "http://a.cn http://b.cn http://c.cn 我的链接"})
    assert response.status_code == 422 and "我的链接" in html_of(response)


def test_new_post_with_files_then_files_are_served(setup, member_client, anon, host_client):
    _circle, _, _ = setup
    response = member_client.form(
        "/c/reading/posts/new",
        {
            "title": "带图",
            "body": "看图",
            "tags": "#晒图",
            "images": [(io.BytesIO(image_bytes()), "a.png"), (io.BytesIO(image_bytes("JPEG")), "b.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post = db.session.get(Post, post_id)
    assert len(post.images) == 2
    thumb = anon.get(f"/media/{post.images[0].key}/thumb")
    assert thumb.status_code == 200 and thumb.headers["Cache-Control"].startswith("public")
    response = host_client.form(
        "/c/reading/posts/new",
        {"body": "资料", "is_material": "y", "attachments": [(io.BytesIO(b"%PDF-1.4"), "<evil>报告.pdf")]},
        content_type="multipart/form-data",
    )
    material = db.session.get(Post, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert material.is_material
    download = anon.get(f"/media/{material.attachments[0].key}/original")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/octet-stream"
    page = html_of(anon.get("/c/reading?tab=materials"))
    assert f'data-post-id="{material.id}"' in page and "<evil>" not in page


def test_refused_post_keeps_the_text(setup, member_client):
    response = member_client.form(
        "/c/reading/posts/new", {"title": "我的标题", "body": "http://a.cn http://b.cn http://c.cn 正文保留"}
    )
    assert response.status_code == 422
    html = html_of(response)
    assert "正文保留" in html and "我的标题" in html and "最多包含 2 个链接" in html


def test_join_and_leave_plain_and_htmx(host, member_client, member):
    circle = make_circle(host, "open-circle")
    response = member_client.form("/c/open-circle/join", {}, htmx=True)
    assert response.status_code == 200 and 'data-joined="y"' in html_of(response)
    response = member_client.form("/c/open-circle/leave", {})
    assert response.status_code == 303 and response.headers["Location"] == "/c/open-circle"
    db.session.refresh(circle)
    assert circle.member_count == 1
    make_circle(host, "ask", join_policy="approval")
    response = member_client.form("/c/ask/join", {}, htmx=True)
    assert "等待审核" in html_of(response)


def test_manage_queue_and_member_actions(setup, host_client, member, member_client):
    _circle, post, _ = setup
    services.report(member, "post", post, reason="<b>广告</b>")
    html = html_of(host_client.get("/c/reading/manage"))
    assert "&lt;b&gt;广告&lt;/b&gt;" in html and "data-report-id=" in html
    response = host_client.form(
        f"/c/reading/members/{member.username}/moderate",
        {"action": "mute", "days": "2", "reason": "刷屏"},
        htmx=True,
    )
    assert response.status_code == 200 and "禁言至" in html_of(response)
    response = member_client.form("/c/reading/posts/new", {"body": "被禁言了还想发"})
    assert response.status_code == 403
    response = host_client.form(f"/c/reading/members/{member.username}/moderate", {"action": "nope"})
    assert response.status_code == 422
    response = host_client.form(
        f"/c/reading/members/{member.username}/moderate", {"action": "mute", "days": "abc"}
    )
    assert response.status_code == 422
    html = html_of(host_client.get("/c/reading/manage"))
    assert 'data-audit-action="member.mute"' in html and "刷屏" in html


def test_post_moderation_over_http(setup, host_client, member):
    _circle, post, _ = setup
    response = host_client.form(
        f"/c/reading/p/{post.id}/moderate", {"action": "feature", "reason": "好文"}, htmx=True
    )
    assert response.status_code == 200 and "已设为精华" in html_of(response)
    assert db.session.get(Post, post.id).is_featured
    response = host_client.form(f"/c/reading/p/{post.id}/moderate", {"action": "explode"})
    assert response.status_code == 422
    response = host_client.form(f"/c/reading/p/{post.id}/delete", {"reason": "违规"})
    assert response.status_code == 303
    assert db.session.get(Post, post.id).status == "deleted"
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id)))
    assert {"post.featured", "post.deleted"} <= kinds


# --- Permissions by role ---------------------------------------------------------------------


def _clients(app, kind, host, member):
    client = app.test_client()
    if kind == "anon":
        return client
    username = {"member": member.username, "cohost": "cohost", "other_owner": "otherowner", "admin": "boss"}[
        kind
    ]
    client.login(username)
    return client


@pytest.fixture
def roles(app, setup, host, member):
    circle = setup[0]
    cohost = make_user("cohost")
    join(cohost, circle)
    circles.moderate_member(host, circle, cohost, "cohost")
    other = make_user("otherowner", role="host")
    make_circle(other, "elsewhere")
    make_user("boss", role="admin")
    return setup


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("anon", 302), ("member", 403), ("cohost", 200), ("other_owner", 403), ("admin", 200)],
)
def test_manage_page_by_role(app, roles, host, member, kind, expected):
    client = _clients(app, kind, host, member)
    assert client.get("/c/reading/manage").status_code == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("anon", 302), ("member", 403), ("cohost", 303), ("other_owner", 403), ("admin", 303)],
)
def test_post_moderation_by_role(app, roles, host, member, kind, expected):
    post = roles[1]
    client = _clients(app, kind, host, member)
    response = client.form(f"/c/reading/p/{post.id}/moderate", {"action": "pin"})
    assert response.status_code == expected
    assert db.session.get(Post, post.id).is_pinned is (expected == 303)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("anon", 302), ("member", 303), ("cohost", 403), ("other_owner", 403), ("admin", 403)],
)
def test_edit_own_post_only(app, roles, host, member, kind, expected):
    post = roles[1]
    client = _clients(app, kind, host, member)
    if kind == "member":
        page = client.get(f"/c/reading/p/{post.id}/edit")
        assert page.status_code == 200 and "大家好" in html_of(page) and "#读书" in html_of(page)
    response = client.form(f"/c/reading/p/{post.id}/edit", {"body": "改了"})
    assert response.status_code == expected


# --- Private circles never leak --------------------------------------------------------------


def test_private_circle_leaks_nothing(app, host, member, anon):
    secret = make_circle(host, "secret", name="私密圈", visibility="private")
    post = make_post(
        host,
        secret,
        title="机密标题",
        body="机密内容",
        image_count=1,
        attachments=[(io.BytesIO(b"secret"), "机密.txt")],
    )
    comment = services.create_comment(host, post, body="机密评论")
    outsider = app.test_client()
    outsider.login(member.username)
    image, attachment = post.images[0], post.attachments[0]
    gets = [
        f"/c/secret/p/{post.id}",
        f"/c/secret/p/{post.id}/edit",
        f"/media/{image.key}/thumb",
        f"/media/{image.key}/large",
        f"/media/{attachment.key}/original",
    ]
    posts_ = [
        f"/c/secret/p/{post.id}/comments",
        f"/c/secret/p/{post.id}/like",
        f"/c/secret/p/{post.id}/report",
        f"/c/secret/p/{post.id}/moderate",
        f"/c/secret/p/{post.id}/delete",
        f"/c/secret/comments/{comment.id}/like",
        f"/c/secret/comments/{comment.id}/report",
        f"/c/secret/comments/{comment.id}/moderate",
        "/c/secret/posts/new",
    ]
    for url in gets:
        assert outsider.get(url).status_code == 404, url
        assert anon.get(url).status_code in (302, 404), url
    for url in posts_:
        response = outsider.form(url, {"body": "x", "reason": "x", "state": "on", "action": "hide"})
        assert response.status_code == 404, url
    for client in (outsider, anon):
        html = html_of(client.get("/c/secret"))
        assert "私密圈" in html and "机密" not in html and "/media/" not in html
        assert "机密" not in html_of(client.get("/"))
    assert outsider.get("/c/secret/manage").status_code == 404
    join(member, secret)
    response = outsider.get(f"/media/{image.key}/thumb")
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("private")
    assert "机密内容" in html_of(outsider.get(f"/c/secret/p/{post.id}"))


# --- XSS in every text field -----------------------------------------------------------------


def test_xss_payloads_are_escaped_everywhere(host, member, host_client):
    circle = make_circle(host, "xss", name="圈" + XSS[:50], description=XSS)
    join(member, circle)
    draft = services.Draft(title=XSS[:120], body=XSS + " [x](javascript:alert(1))", tags=XSS)
    post = services.create_post(member, circle, draft)
    services.create_comment(member, post, body=XSS)
    services.report(member, "post", post, reason=XSS)
    pages = [
        "/circles",
        "/c/xss",
        f"/c/xss/p/{post.id}",
        "/c/xss/manage",
        "/",
        "/notifications",
    ]
    for url in pages:
        html = html_of(host_client.get(url))
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert not re.search(r"<svg onload", html), url
        assert 'href="javascript' not in html, url


# --- SQL statement counts --------------------------------------------------------------------


def _fill(circle, author, count: int) -> None:
    for i in range(count):
        services.create_post(author, circle, services.Draft(body=f"帖子 {i}", tags="日常"))


def test_circle_feed_runs_constant_queries(setup, host, member_client, count_queries):
    circle, post, _ = setup
    services.set_like(host, "post", post, True)
    with count_queries() as small:
        assert member_client.get("/c/reading").status_code == 200
    _fill(circle, host, 25)
    with count_queries() as big:
        html = html_of(member_client.get("/c/reading"))
    assert html.count("data-post-id=") == 20
    big.assert_count(small.count)
    with count_queries() as tagged:
        member_client.get("/c/reading?tag=日常")
    tagged.assert_count(small.count)


def test_home_feed_runs_constant_queries(setup, host, member_client, count_queries):
    circle, _, _ = setup
    with count_queries() as small:
        member_client.get("/")
    _fill(circle, host, 25)
    other = make_circle(host, "other")
    _fill(other, host, 3)
    with count_queries() as big:
        member_client.get("/")
    big.assert_count(small.count)


def test_post_page_runs_constant_queries(setup, host, member, member_client, count_queries):
    _circle, post, comment = setup
    with count_queries() as small:
        member_client.get(f"/c/reading/p/{post.id}")
    for i in range(6):
        reply = services.create_comment(host, post, body=f"评论 {i}", parent_id=comment.id if i % 2 else None)
        services.set_like(member, "comment", reply, True)
    with count_queries() as big:
        html = html_of(member_client.get(f"/c/reading/p/{post.id}"))
    assert html.count('class="comment') >= 7
    big.assert_count(small.count)
