"""Members' comments on check-ins: plain and htmx, 422, permissions, notification, query count."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.checkins import services
from app.checkins.models import Checkin, CheckinComment
from app.circles import services as circles
from app.core import clock
from app.core.db import db
from app.notifications.models import Notification
from app.points.models import PointsEntry
from tests.circles.factories import join, make_circle
from tests.helpers import TestClient, make_user

from .factories import check_in, make_campaign

LONG = "好" * 501


@pytest.fixture
def setup(app, host, member):
    circle = make_circle(host, "morning")
    join(member, circle)
    campaign = make_campaign(host, circle, clock.today(), days=7)
    checkin = check_in(member, campaign, clock.now(), body="今天六点起床啦").checkin
    return circle, campaign, checkin


def _client(app, user) -> TestClient:
    client = app.test_client()
    assert isinstance(client, TestClient)
    client.login(user.username)
    return client


def _count(checkin_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Checkin.comment_count).where(Checkin.id == checkin_id)) or 0


def test_comment_plain_post_redirects_and_shows_on_the_page(app, setup, host_client, member):
    _circle, campaign, checkin = setup
    url = f"/c/morning/checkins/{checkin.id}/comments"
    done = host_client.form(url, {"body": "早起的鸟儿有虫吃"})
    assert done.status_code == 303
    assert done.headers["Location"].endswith(
        f"/c/morning/campaigns/{campaign.id}#checkin-comments-{checkin.id}"
    )
    assert _count(checkin.id) == 1
    page = host_client.get(f"/c/morning/campaigns/{campaign.id}").get_data(as_text=True)
    assert "早起的鸟儿有虫吃" in page and f'id="checkin-comments-{checkin.id}"' in page
    assert 'data-checkin-comments="1"' in page
    note = db.session.scalar(select(Notification).where(Notification.user_id == member.id))
    assert note is not None and note.kind == "checkin.commented"
    assert f"#checkin-{checkin.id}" in note.url


def test_comment_htmx_swaps_the_list_and_pays_the_comment_rule(app, setup, host_client, host):
    _circle, _campaign, checkin = setup
    url = f"/c/morning/checkins/{checkin.id}/comments"
    first = host_client.form(url, {"body": "第一条评论"}, htmx=True)
    second = host_client.form(url, {"body": "第二条评论"}, htmx=True)
    html = second.get_data(as_text=True)
    assert first.status_code == 200 and second.status_code == 200
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert html.index("第一条评论") < html.index("第二条评论") and 'data-comment-count="2"' in html
    assert f'id="checkin-comment-count-{checkin.id}" data-checkin-comments="2" hx-swap-oob="true"' in html
    assert "points-changed" in second.headers["HX-Trigger"]
    assert _count(checkin.id) == 2
    keys = set(db.session.scalars(select(PointsEntry.idempotency_key).where(PointsEntry.user_id == host.id)))
    comment_ids = db.session.scalars(select(CheckinComment.id)).all()
    assert {f"checkin_comment:{i}" for i in comment_ids} <= keys


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("body", ["   ", LONG])
def test_bad_comment_is_422_with_the_text_kept(app, setup, member_client, htmx, body):
    _circle, _campaign, checkin = setup
    bad = member_client.form(f"/c/morning/checkins/{checkin.id}/comments", {"body": body}, htmx=htmx)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'class="error"' in html
    if body.strip():
        assert body in html
    assert ("<html" in html) is not htmx
    assert _count(checkin.id) == 0 and db.session.scalar(select(func.count(CheckinComment.id))) == 0


def test_who_may_comment(app, setup, host, member):
    circle, _campaign, checkin = setup
    outsider = _client(app, make_user("outsider"))
    url = f"/c/morning/checkins/{checkin.id}/comments"
    assert outsider.form(url, {"body": "路过看看"}).status_code == 403
    assert app.test_client().post(url, data={"body": "匿名"}).status_code in (302, 303, 400)
    circles.moderate_member(host, circle, member, "mute", days=3, reason="刷屏")
    assert _client(app, member).form(url, {"body": "我被禁言了"}, htmx=True).status_code == 403
    secret = make_circle(host, "secret", visibility="private")
    join(member, secret)
    hidden = check_in(
        member, make_campaign(host, secret, clock.today()), clock.now(), body="私密圈子的打卡"
    ).checkin
    assert outsider.form(f"/c/secret/checkins/{hidden.id}/comments", {"body": "看不到"}).status_code == 404
    assert outsider.form(f"/c/morning/checkins/{hidden.id}/comments", {"body": "换个圈子"}).status_code == 404
    assert _count(checkin.id) == 0 and _count(hidden.id) == 0


def test_feed_query_count_does_not_grow_with_comments(app, setup, host, member, member_client, count_queries):
    circle, campaign, _checkin = setup
    url = f"/c/morning/campaigns/{campaign.id}"
    others = [make_user(f"friend{i}") for i in range(3)]
    for user in others:
        join(user, circle)
    member_client.get(url)
    with count_queries() as before:
        assert member_client.get(url).status_code == 200
    for i, user in enumerate(others):
        check_in(user, campaign, clock.now(), body=f"朋友{i}的打卡内容")
    for target in db.session.scalars(select(Checkin)).all():
        for user in [host, *others]:
            services.comment_on_checkin(user, circle, target, body=f"{user.username} 加油")
    with count_queries() as after:
        page_html = member_client.get(url).get_data(as_text=True)
    assert page_html.count('class="checkin-comment"') == 16
    after.assert_count(before.count)
