"""Weighted reports and shadow-mute over HTTP: the queue, the threshold form, four viewpoints."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.checkins import services as checkins
from app.circles import services as circles
from app.circles.policies import membership_of
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db
from app.notifications.models import Notification
from app.points.tiers import get_tier_by_slug
from app.posts import services
from app.posts.models import Post, Report
from tests.checkins.factories import check_in, make_campaign
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import TestClient, make_user

from .factories import member_of_tier


def html_of(response) -> str:
    return response.get_data(as_text=True)


def client_for(app, user) -> TestClient:
    c: TestClient = app.test_client()  # type: ignore[assignment]
    c.login(user.username)
    return c


def kinds_of(user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


@pytest.fixture
def circle(host):
    return make_circle(host, "reading")


# --- Weighted reports ------------------------------------------------------------------------


def test_manage_queue_shows_weights_heaviest_first(app, circle, host, admin, host_client):
    author = make_user("zuozhe")
    join(author, circle)
    light = make_post(host, circle, body="轻微的问题")
    heavy = make_post(host, circle, body="严重的问题")
    normal = member_of_tier("putong", circle, admin)
    premium = member_of_tier("zunxiang", circle, admin, growth=6000)
    services.report(normal, "post", light, reason="有点水")
    services.report(premium, "post", heavy, reason="诈骗链接")
    html = html_of(host_client.get("/c/reading/manage"))
    weights = re.findall(r'data-flag-target="(\d+)" data-flag-weight="([\d.]+)"', html)
    assert weights == [(str(heavy.id), "2.0"), (str(light.id), "1.0")]
    assert "诈骗链接" in html and "×2.00" in html and 'data-report-threshold="3.0"' in html
    # Dismissing from the queue closes the reports as dismissed.
    response = host_client.form(f"/c/reading/p/{light.id}/moderate", {"action": "dismiss"})
    assert response.status_code == 303
    assert db.session.scalar(select(Report.outcome).where(Report.post_id == light.id)) == "dismissed"
    assert db.session.get(Post, light.id).status == "published"


def test_reporting_over_http_hides_and_a_racing_reporter_gets_success(app, circle, host, admin):
    circles.set_report_threshold(host, circle, "2")
    author = make_user("zuozhe")
    join(author, circle)
    post = make_post(author, circle, body="可疑内容")
    first, second, late = (member_of_tier(n, circle, admin) for n in ("first1", "second2", "late3"))
    late_client = client_for(app, late)
    assert late_client.get(f"/c/reading/p/{post.id}").status_code == 200  # they saw it
    for user in (first, second):
        response = client_for(app, user).form(f"/c/reading/p/{post.id}/report", {"reason": "广告"})
        assert response.status_code == 303
    assert db.session.get(Post, post.id).status == "hidden"
    assert late_client.get(f"/c/reading/p/{post.id}").status_code == 404
    response = late_client.form(f"/c/reading/p/{post.id}/report", {"reason": "我也看到了"}, htmx=True)
    assert response.status_code == 200 and "圈主" in html_of(response)
    assert db.session.scalar(select(Report.weight_pct).where(Report.reporter_id == late.id)) == 100
    assert kinds_of(author).count("post.auto_hidden") == 1
    notes = html_of(client_for(app, author).get("/notifications"))
    assert "你的帖子因多人举报已暂时隐藏，等待圈主审核" in notes
    services.moderate_post(host, db.session.get(Post, post.id), "delete", reason="广告")
    response = late_client.form(f"/c/reading/p/{post.id}/report", {"reason": "还在吗"})
    assert response.status_code == 404


def test_threshold_form(circle, host_client, member, member_client):
    join(member, circle)
    html = html_of(host_client.get("/c/reading/manage"))
    assert 'name="report_threshold"' in html and 'value="3.0"' in html
    url = "/c/reading/manage/report-threshold"
    response = host_client.form(url, {"report_threshold": "很多", "reason": "试试"})
    assert response.status_code == 422
    html = html_of(response)
    assert ('value="很多"' in html and "0.5 到 100" in html and "主持台" in html) or "圈主" in html
    response = host_client.form(url, {"report_threshold": "0"}, htmx=True)
    assert response.status_code == 422 and 'id="report-threshold"' in html_of(response)
    assert member_client.form(url, {"report_threshold": "5"}).status_code == 403
    db.session.refresh(circle)
    assert circle.report_threshold_pct == 300
    response = host_client.form(url, {"report_threshold": "4.5", "reason": "成员多了"})
    assert response.status_code == 303 and response.headers["Location"] == "/c/reading/manage#reports"
    db.session.refresh(circle)
    assert circle.report_threshold_pct == 450
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "circle.report_threshold"))
    assert entry is not None and entry.reason == "成员多了"
    response = host_client.form(url, {"report_threshold": "5"}, htmx=True)
    assert response.status_code == 200 and 'data-report-threshold="5.0"' in html_of(response)


# --- Shadow-mute (透明人) --------------------------------------------------------------------


@pytest.fixture
def world(app, circle, host, member):
    """`member` is shadow-muted; `other` is an ordinary member; anon is logged out."""
    join(member, circle)
    other = make_user("other", display_name="路人甲")
    join(other, circle)
    campaign = make_campaign(host, circle, clock.today(), days=7)
    host_post = make_post(host, circle, title="圈主的帖子", body="大家好")
    other_post = make_post(other, circle, body="路人甲的帖子")
    return {"other": other, "campaign": campaign, "host_post": host_post, "other_post": other_post}


def test_shadow_mute_from_four_viewpoints(app, world, circle, host, member, host_client, member_client, anon):
    other, campaign = world["other"], world["campaign"]
    response = host_client.form(
        f"/c/reading/members/{member.username}/moderate", {"action": "shadow", "reason": "营销号"}, htmx=True
    )
    assert response.status_code == 200 and 'data-shadowed="y"' in html_of(response)
    assert membership_of(member, circle).shadowed
    assert "circle" not in " ".join(kinds_of(member))  # never told
    # What the shadow-muted member writes: a post, a comment (with a mention), a check-in.
    post = make_post(member, circle, title="透明的帖子", body="@other 快来看 透明帖子正文")
    comment = services.create_comment(member, world["other_post"], body="透明评论 @other")
    checkins.comment_on_checkin(
        member,
        circle,
        check_in(other, campaign, clock.now(), body="路人甲的打卡").checkin,
        body="透明打卡评论",
    )
    mine = check_in(member, campaign, clock.now(), body="透明打卡正文").checkin
    assert post.shadowed and comment.shadowed and mine.shadowed
    assert kinds_of(other) == []  # no mention, reply or comment notifications reach anyone
    other_client = client_for(app, other)
    pages = {
        "feed": "/c/reading",
        "home": "/",
        "post": f"/c/reading/p/{post.id}",
        "comments": f"/c/reading/p/{world['other_post'].id}",
        "checkins": f"/c/reading/campaigns/{campaign.id}",
        "checkin tab": "/c/reading?tab=checkins",
    }
    texts = {
        "feed": f'data-post-id="{post.id}"',
        "home": f'data-post-id="{post.id}"',
        "post": "透明帖子正文",
        "comments": "透明评论",
        "checkins": "透明打卡正文",
        "checkin tab": "透明打卡正文",
    }
    for viewer, client, sees in (
        ("author", member_client, True),
        ("host", host_client, True),
        ("other member", other_client, False),
        ("anonymous", anon, False),
    ):
        for name, url in pages.items():
            response = client.get(url)
            if name == "home" and viewer == "anonymous":
                continue  # logged out, the home page is the discover page
            if name == "post" and not sees:
                assert response.status_code == 404, (viewer, name)
                continue
            assert response.status_code == 200, (viewer, name)
            assert (texts[name] in html_of(response)) is sees, (viewer, name)
        comments_page = html_of(client.get(f"/c/reading/campaigns/{campaign.id}"))
        assert ("透明打卡评论" in comments_page) is sees, viewer
    # The member sees nothing different: no mark anywhere on their own pages.
    assert "透明人" not in html_of(member_client.get(f"/c/reading/p/{post.id}"))
    assert 'data-shadowed="y"' not in html_of(member_client.get(f"/c/reading/campaigns/{campaign.id}"))
    # Hosts see which content is shadowed.
    assert 'data-shadowed="y"' in html_of(host_client.get(f"/c/reading/p/{post.id}"))
    assert 'data-shadowed="y"' in html_of(host_client.get(f"/c/reading/campaigns/{campaign.id}"))
    assert "透明人" in html_of(host_client.get("/c/reading/manage"))
    # Search results never show shadowed content to others.
    assert "透明帖子正文" not in html_of(other_client.get("/search?q=透明"))


def test_unshadow_affects_only_new_content(app, world, circle, host, member, member_client):
    circles.moderate_member(host, circle, member, "shadow")
    before = make_post(member, circle, body="静默期的帖子")
    response = client_for(app, host).form(
        f"/c/reading/members/{member.username}/moderate", {"action": "unshadow"}
    )
    assert response.status_code == 303
    after = make_post(member, circle, body="解除后的帖子")
    assert not after.shadowed
    other_client = client_for(app, world["other"])
    html = html_of(other_client.get("/c/reading"))
    assert f'data-post-id="{after.id}"' in html and f'data-post-id="{before.id}"' not in html
    entries = list(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("member.%shadow")))
    )
    assert entries == ["member.shadow", "member.unshadow"]


def test_shadowed_feed_keeps_constant_queries(app, world, circle, host, member, count_queries):
    other_client = client_for(app, world["other"])
    circles.moderate_member(host, circle, member, "shadow")
    other_client.get("/c/reading")
    with count_queries() as small:
        other_client.get("/c/reading")
    for i in range(4):
        make_post(host, circle, body=f"圈主第{i}帖")
    make_post(member, circle, body="透明帖")
    with count_queries() as big:
        html = html_of(other_client.get("/c/reading"))
    assert "透明帖" not in html and "圈主第3帖" in html
    big.assert_count(small.count)


def test_admin_edits_a_tiers_report_weight(app, circle, host, admin, admin_client):
    advanced = get_tier_by_slug("advanced")
    prefix = f"t{advanced.id}-"
    form = {
        prefix + "name_zh": advanced.name_zh,
        prefix + "name_en": advanced.name_en,
        prefix + "threshold": str(advanced.threshold),
        prefix + "multiplier_pct": str(advanced.multiplier_pct),
    }
    response = admin_client.form(f"/admin/tiers/{advanced.id}", {**form, prefix + "report_weight_pct": "-5"})
    assert response.status_code == 422 and "0 到 1000" in html_of(response)
    response = admin_client.form(f"/admin/tiers/{advanced.id}", {**form, prefix + "report_weight_pct": "180"})
    assert response.status_code == 303
    db.session.refresh(advanced)
    assert advanced.report_weight_pct == 180
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tier.update"))
    assert (
        entry.data["before"]["report_weight_pct"] == 150 and entry.data["after"]["report_weight_pct"] == 180
    )
    reporter = member_of_tier("gaoji", circle, admin, growth=1200)
    post = make_post(host, circle)
    assert services.report(reporter, "post", post, reason="广告").weight_pct == 180
    # Leaving the field out keeps the weight.
    assert admin_client.form(f"/admin/tiers/{advanced.id}", form).status_code == 303
    db.session.refresh(advanced)
    assert advanced.report_weight_pct == 180
