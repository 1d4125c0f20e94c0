"""Blocking a member: every list the blocker reads drops what the blocked member wrote."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.checkins import services as checkins
from app.checkins.models import Checkin
from app.core import clock
from app.core.db import db
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.posts import services as posts
from app.posts.models import Post
from app.safety import services
from app.safety.models import Block
from tests.checkins.factories import check_in, make_campaign
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import TestClient, csrf_from, make_user


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def client_for(app: Any, user: Any) -> TestClient:
    client = app.test_client()
    assert isinstance(client, TestClient)
    client.login(user.username)
    return client


@pytest.fixture
def world(app, host, member):
    circle = make_circle(host, "reading", name="读书圈")
    pest = make_user("pest", display_name="阿烦")
    bystander = make_user("bystander", display_name="路人甲")
    for user in (member, pest, bystander):
        join(user, circle)
    pest_post = make_post(pest, circle, "阿烦的推销长文", tags="日常")
    mine = make_post(member, circle, "梅梅的读书笔记")
    return {"circle": circle, "pest": pest, "bystander": bystander, "pest_post": pest_post, "mine": mine}


@pytest.fixture
def bystander_client(app, world) -> TestClient:
    return client_for(app, world["bystander"])


def block(client: TestClient, username: str, state: str = "on", **kwargs: Any) -> Any:
    return client.form(f"/u/{username}/block", {"state": state}, **kwargs)


def test_block_hides_posts_from_every_feed_but_not_from_others(world, host, member_client, bystander_client):
    pest_post: Post = world["pest_post"]
    posts.moderate_post(host, pest_post, "feature")
    db.session.execute(update(Post).where(Post.id == pest_post.id).values(is_material=True))
    db.session.commit()
    marker = f'data-post-id="{pest_post.id}"'
    urls = [
        "/",
        "/c/reading",
        "/c/reading?tab=featured",
        "/c/reading?tab=materials",
        "/c/reading?tag=日常",
    ]
    for url in urls:
        assert marker in html_of(member_client.get(url)), url

    response = block(member_client, "pest", headers={"Referer": "http://localhost/u/pest"})
    assert response.status_code == 303 and response.headers["Location"] == "/u/pest"

    for url in urls:
        assert marker not in html_of(member_client.get(url)), url
        assert marker in html_of(bystander_client.get(url)), url
    # A direct link still opens the post (hosts moderate from it), saying who is blocked.
    page = html_of(member_client.get(f"/c/reading/p/{pest_post.id}"))
    assert "data-blocked-author" in page and "取消屏蔽" in page
    assert "data-blocked-author" not in html_of(bystander_client.get(f"/c/reading/p/{pest_post.id}"))
    # The blocker's own and other members' posts are still there.
    assert f'data-post-id="{world["mine"].id}"' in html_of(member_client.get("/"))

    block(member_client, "pest", "off")
    for url in urls:
        assert marker in html_of(member_client.get(url)), url


def test_block_hides_comments_on_post_pages(world, member, member_client, bystander_client):
    mine = world["mine"]
    posts.create_comment(world["pest"], mine, body="加我好友看更多")
    posts.create_comment(world["bystander"], mine, body="写得真好")
    block(member_client, "pest")
    page = html_of(member_client.get(f"/c/reading/p/{mine.id}"))
    assert "加我好友看更多" not in page and "写得真好" in page
    assert "加我好友看更多" in html_of(bystander_client.get(f"/c/reading/p/{mine.id}"))


def test_block_hides_check_ins_and_their_comments(world, host, member, member_client, bystander_client):
    circle = world["circle"]
    campaign = make_campaign(host, circle, clock.today(), days=7)
    pest_checkin = check_in(world["pest"], campaign, clock.now(), body="阿烦今天也打卡了").checkin
    other_checkin = check_in(world["bystander"], campaign, clock.now(), body="路人甲早起跑步").checkin
    checkins.comment_on_checkin(world["pest"], circle, other_checkin, body="阿烦的打卡评论")
    checkins.set_recommended(host, circle, pest_checkin, True)
    block(member_client, "pest")
    for url in (f"/c/reading/campaigns/{campaign.id}", "/c/reading?tab=checkins"):
        page = html_of(member_client.get(url))
        assert f'id="checkin-{pest_checkin.id}"' not in page, url
        assert "阿烦今天也打卡了" not in page and "路人甲早起跑步" in page, url
        other = html_of(bystander_client.get(url))
        assert f'id="checkin-{pest_checkin.id}"' in other and "阿烦今天也打卡了" in other, url
    page = html_of(member_client.get(f"/c/reading/campaigns/{campaign.id}"))
    assert "阿烦的打卡评论" not in page
    assert "阿烦的打卡评论" in html_of(bystander_client.get(f"/c/reading/campaigns/{campaign.id}"))


def test_block_hides_search_hits(world, member_client, bystander_client):
    make_post(world["pest"], world["circle"], "独家秘方火锅底料大甩卖")
    make_post(world["bystander"], world["circle"], "周末火锅聚会谁来")
    block(member_client, "pest")
    page = html_of(member_client.get("/search?q=火锅"))
    assert "周末火锅聚会谁来" in page or "聚会" in page
    assert "大甩卖" not in page
    assert "大甩卖" in html_of(bystander_client.get("/search?q=火锅"))


def unread_in(html: str) -> int:
    match = re.search(r'data-unread-count="(\d+)"', html)
    assert match
    return int(match.group(1))


def test_block_hides_notifications_stored_and_new(world, member, member_client):
    pest, mine = world["pest"], world["mine"]
    posts.set_like(pest, "post", mine, True)
    assert notifications.count_unread(member.id) == 1
    assert "阿烦 赞了你的帖子" in html_of(member_client.get("/notifications"))

    block(member_client, "pest")
    # Already stored: hidden from the list and the badge.
    assert notifications.count_unread(member.id) == 0
    page = html_of(member_client.get("/notifications"))
    assert "阿烦 赞了你的帖子" not in page and unread_in(page) == 0
    # New ones are not even written: a comment, a reply and a mention.
    comment = posts.create_comment(member, mine, body="自己顶一下")
    posts.create_comment(pest, mine, body="沙发", parent_id=comment.id)
    make_post(pest, world["circle"], "@meimei 快来看看")
    rows = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == member.id)
    )
    assert rows == 1  # only the like from before the block
    # Others still hear from the blocked member.
    posts.set_like(pest, "post", make_post(world["bystander"], world["circle"], "路人的帖子"), True)
    assert notifications.count_unread(world["bystander"].id) == 1

    block(member_client, "pest", "off")
    assert notifications.count_unread(member.id) == 1
    assert "阿烦 赞了你的帖子" in html_of(member_client.get("/notifications"))


def test_blocking_is_idempotent_private_and_answers_htmx_with_the_button(world, member, member_client, app):
    first = block(member_client, "pest", headers={"Referer": "http://localhost/u/pest"})
    again = block(member_client, "pest", headers={"Referer": "http://localhost/u/pest"})
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"] == "/u/pest"
    assert db.session.scalar(select(func.count()).select_from(Block)) == 1
    fragment = block(member_client, "pest", htmx=True)
    assert fragment.status_code == 200
    assert 'data-blocked="true"' in html_of(fragment) and 'name="state" value="off"' in html_of(fragment)
    assert "<html" not in html_of(fragment)
    assert "取消屏蔽" in html_of(member_client.get("/u/pest"))
    # The blocked member is not told and their view does not change.
    pest_client = client_for(app, world["pest"])
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == world["pest"].id)
        )
        == 0
    )
    assert f'data-post-id="{world["mine"].id}"' in html_of(pest_client.get("/c/reading"))
    page = html_of(pest_client.get("/u/meimei"))
    assert "屏蔽此成员" in page and "取消屏蔽" not in page
    off = block(member_client, "pest", "off", htmx=True)
    assert 'data-blocked="false"' in html_of(off)
    assert block(member_client, "pest", "off").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Block)) == 0


def test_block_refusals(world, member_client, anon):
    response = block(member_client, "meimei")
    assert response.status_code == 409 and "不能屏蔽自己" in html_of(response)
    assert block(member_client, "nobody_here").status_code == 404
    bad = block(member_client, "pest", "maybe")
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Block)) == 0
    response = anon.post("/u/pest/block", data={"state": "on"})
    assert response.status_code in (400, 302, 303)
    page = anon.get("/me/blocked")
    assert page.status_code in (302, 303) and "/auth/login?next=" in page.headers["Location"]
    assert "屏蔽此成员" not in html_of(anon.get("/u/pest"))


def test_anonymous_post_redirects_to_login(app, world):
    client = app.test_client()
    token = csrf_from(html_of(client.get("/auth/login")))
    response = client.post("/u/pest/block", data={"state": "on", "csrf_token": token})
    assert response.status_code in (302, 303) and "/auth/login" in response.headers["Location"]


def test_blocked_list_shows_and_unblocks(world, member_client):
    assert "你还没有屏蔽任何人" in html_of(member_client.get("/me/blocked"))
    block(member_client, "pest")
    page = html_of(member_client.get("/me/blocked"))
    assert 'data-blocked-user="pest"' in page and "阿烦" in page
    assert 'href="/me/blocked"' in html_of(member_client.get("/me"))
    response = member_client.form("/u/pest/block", {"state": "off", "next": "/me/blocked"})
    assert response.status_code == 303 and response.headers["Location"] == "/me/blocked"
    assert 'data-blocked-user="pest"' not in html_of(member_client.get("/me/blocked"))


def test_hosts_still_moderate_a_blocked_member(app, world, host, host_client):
    block(host_client, "pest")
    circle = world["circle"]
    db.session.execute(update(type(circle)).where(type(circle).id == circle.id).values(require_approval=True))
    db.session.commit()
    pending = make_post(world["pest"], circle, "阿烦等待审核的帖子")
    assert pending.status == "pending"
    queue = html_of(host_client.get("/c/reading/manage"))
    assert f'data-post-id="{pending.id}"' in queue and "阿烦等待审核的帖子" in queue
    done = host_client.form(f"/c/reading/p/{pending.id}/moderate", {"action": "approve"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, pending.id).status == "published"


def test_feeds_keep_their_statement_count_with_blocks(world, host, member, member_client, count_queries):
    circle = world["circle"]
    for url in ("/", "/c/reading"):
        member_client.get(url)
        with count_queries() as before:
            member_client.get(url)
        for i in range(3):
            blocked = make_user(f"blocked{url.count('c')}{i}")
            join(blocked, circle)
            make_post(blocked, circle, f"要屏蔽的帖子 {i}")
            services.set_block(member, blocked, on=True)
        for i in range(5):
            make_post(host, circle, f"更多帖子 {url} {i}")
        with count_queries() as after:
            html = html_of(member_client.get(url))
        assert "要屏蔽的帖子" not in html
        after.assert_count(before.count)


def test_check_in_feed_statement_count_with_blocks(world, host, member, member_client, count_queries):
    campaign = make_campaign(host, world["circle"], clock.today(), days=7)
    check_in(world["bystander"], campaign, clock.now())
    url = f"/c/reading/campaigns/{campaign.id}"
    member_client.get(url)
    with count_queries() as before:
        member_client.get(url)
    check_in(world["pest"], campaign, clock.now(), body="被屏蔽的打卡")
    services.set_block(member, world["pest"], on=True)
    with count_queries() as after:
        html = html_of(member_client.get(url))
    assert "被屏蔽的打卡" not in html
    after.assert_count(before.count)
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 2
