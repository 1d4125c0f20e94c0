"""Weighted reports: weights from tier and record, auto-hide at the threshold, outcomes, queue."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.circles import services as circles
from app.circles.policies import membership_of
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.notifications.models import Notification
from app.posts import services
from app.posts.models import Comment, Report
from app.posts.services.flags import accuracy_factor_pct
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user

from .factories import member_of_tier


@pytest.fixture
def circle(host):
    return make_circle(host, "reading")


@pytest.fixture
def author(circle):
    user = make_user("zuozhe", display_name="作者")
    join(user, circle)
    return user


def notes(user, kind):
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def audit_rows(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_accuracy_factor_is_laplace_smoothed_and_clamped():
    assert accuracy_factor_pct(0, 0) == 100  # no record: a full ordinary report
    assert accuracy_factor_pct(1, 0) == 133
    assert accuracy_factor_pct(5, 0) == 150  # clamped at 1.5
    assert accuracy_factor_pct(0, 1) == 66
    assert accuracy_factor_pct(0, 9) == 25  # clamped at 0.25
    assert accuracy_factor_pct(3, 3) == 100


def test_weight_grows_with_tier(circle, admin, author):
    post = make_post(author, circle)
    normal = member_of_tier("putong", circle, admin)
    advanced = member_of_tier("gaoji", circle, admin, growth=1200)
    premium = member_of_tier("zunxiang", circle, admin, growth=6000)
    weights = [
        services.report(u, "post", post, reason="广告").weight_pct for u in (normal, advanced, premium)
    ]
    assert weights == [100, 150, 200]


def test_weight_follows_past_accuracy(circle, host, admin, author):
    reporter = member_of_tier("jubao", circle, admin)
    liar = member_of_tier("luanju", circle, admin)
    for i in range(3):
        # The host writes them: new accounts may post only a few times an hour.
        post = make_post(host, circle, body=f"第{i}条")
        services.report(reporter, "post", post, reason="广告")
        services.moderate_post(host, post, "hide", reason="确实是广告")
        other = make_post(host, circle, body=f"正常内容{i}")
        services.report(liar, "post", other, reason="看不顺眼")
        services.moderate_post(host, other, "dismiss")
    outcomes = dict(
        db.session.execute(
            select(Report.reporter_id, func.count())
            .where(Report.outcome == "upheld")
            .group_by(Report.reporter_id)
        ).all()
    )
    assert outcomes == {reporter.id: 3}
    fresh = make_post(author, circle, body="新帖")
    assert services.report(reporter, "post", fresh, reason="广告").weight_pct == 150  # 2·4/5 → 1.5
    assert services.report(liar, "post", fresh, reason="广告").weight_pct == 40  # 2·1/5
    assert services.report_weight_pct(make_user("xinren")) == 100


def test_threshold_hides_once_and_tells_the_author(circle, admin, author, host):
    post = make_post(author, circle, title="可疑帖子")
    advanced = member_of_tier("gaoji", circle, admin, growth=1200)
    normal = member_of_tier("putong", circle, admin)
    premium = member_of_tier("zunxiang", circle, admin, growth=6000)
    services.report(advanced, "post", post, reason="广告")
    services.report(normal, "post", post, reason="广告")
    db.session.refresh(post)
    assert post.status == "published"  # 2.5 < 3.0
    assert notes(author, "post.auto_hidden") == []
    services.report(premium, "post", post, reason="骗子")
    db.session.refresh(post)
    db.session.refresh(circle)
    assert post.status == "hidden" and circle.post_count == 0
    assert len(notes(author, "post.auto_hidden")) == 1
    [review] = notes(host, "flags.review")
    assert review.url == "/c/reading/manage#reports"
    [row] = audit_rows("post.auto_hide")
    assert row.actor_id is None and row.target_id == post.id and row.data == {"weight_pct": 450}
    # The post left the feed for members; its author and the hosts still see it.
    assert [p.id for p in services.circle_feed(normal, circle).items] == []
    with pytest.raises(NotFound):
        services.get_post(normal, circle, post.id)
    assert services.get_post(author, circle, post.id).id == post.id
    # A racing reporter's report still lands (merged into the review), nothing happens twice.
    late = member_of_tier("chidao", circle, admin)
    target = services.get_report_target(late, circle, "post", post.id)
    services.report(late, "post", target, reason="我也举报")
    assert len(notes(author, "post.auto_hidden")) == 1 and len(audit_rows("post.auto_hide")) == 1
    # The host keeps it hidden: every open report is upheld, the post stays hidden.
    services.moderate_post(host, post, "hide", reason="确认违规")
    assert set(db.session.scalars(select(Report.outcome).where(Report.post_id == post.id))) == {"upheld"}
    db.session.refresh(post)
    assert post.status == "hidden"


def test_unhide_dismisses_and_restores(circle, admin, author, host):
    circles.set_report_threshold(host, circle, "2")
    post = make_post(author, circle)
    for name in ("aaa1", "aaa2"):
        services.report(member_of_tier(name, circle, admin), "post", post, reason="不喜欢")
    db.session.refresh(post)
    assert post.status == "hidden"
    services.moderate_post(host, post, "unhide")
    db.session.refresh(post)
    assert post.status == "published"
    assert set(db.session.scalars(select(Report.outcome).where(Report.post_id == post.id))) == {"dismissed"}
    assert services.get_queue(host, circle).reports == []


def test_comment_auto_hide_and_dismiss(circle, admin, author, host):
    post = make_post(host, circle)
    comment = services.create_comment(author, post, body="加我微信领红包")
    circles.set_report_threshold(host, circle, "1.5")
    premium = member_of_tier("zunxiang", circle, admin, growth=6000)
    services.report(premium, "comment", comment, reason="广告")
    db.session.refresh(comment)
    db.session.refresh(post)
    assert comment.status == "hidden" and post.comment_count == 0
    assert len(notes(author, "comment.auto_hidden")) == 1
    assert [c.id for c, _ in services.list_comments(premium, post)] == []
    other = services.create_comment(author, post, body="普通评论")
    services.report(premium, "comment", other, reason="看错了")
    db.session.refresh(other)
    assert other.status == "hidden"
    services.moderate_comment(host, other, "unhide")
    services.moderate_comment(host, comment, "delete", reason="广告")
    outcomes = dict(db.session.execute(select(Report.target_id, Report.outcome)).all())
    assert outcomes == {comment.id: "upheld", other.id: "dismissed"}
    third = services.create_comment(author, post, body="第三条")
    services.report(premium, "comment", third, reason="再看看")
    services.moderate_comment(host, db.session.get(Comment, third.id), "dismiss")
    assert (
        db.session.get(
            Report, db.session.scalar(select(Report.id).where(Report.target_id == third.id))
        ).outcome
        == "dismissed"
    )
    assert len(audit_rows("comment.dismiss_reports")) == 1


def test_queue_is_sorted_by_total_weight(circle, admin, author, host):
    light = make_post(author, circle, body="轻")
    heavy = make_post(author, circle, body="重")
    middle = make_post(author, circle, body="中")
    normal = member_of_tier("putong", circle, admin)
    premium = member_of_tier("zunxiang", circle, admin, growth=6000)
    advanced = member_of_tier("gaoji", circle, admin, growth=1200)
    services.report(normal, "post", light, reason="一般")
    services.report(premium, "post", heavy, reason="严重")
    services.report(advanced, "post", middle, reason="中等")
    services.report(normal, "post", heavy, reason="严重")
    queue = services.get_queue(host, circle)
    assert [(f.post.id, f.weight) for f in queue.reports] == [
        (heavy.id, "3.0"),
        (middle.id, "1.5"),
        (light.id, "1.0"),
    ]
    assert [r.weight_pct for r in queue.reports[0].reports] == [200, 100]
    assert queue.reports[0].is_hidden  # 3.0 reached the default threshold


def test_threshold_edit_validates_and_audits(circle, host, member):
    for bad in ("", "abc", "0.4", "101", "1.234", "nan", "-3", "1e9"):
        with pytest.raises(Invalid) as info:
            circles.set_report_threshold(host, circle, bad)
        assert "report_threshold" in info.value.fields
    circles.set_report_threshold(host, circle, "2.5", reason="圈子大了")
    db.session.refresh(circle)
    assert circle.report_threshold_pct == 250 and circle.report_threshold == "2.5"
    [row] = audit_rows("circle.report_threshold")
    assert row.actor_id == host.id and row.data == {"from": 300, "to": 250} and row.reason == "圈子大了"
    join(member, circle)
    with pytest.raises(Forbidden):
        circles.set_report_threshold(member, circle, "5")


def test_shadow_rules(circle, host, member, admin):
    join(member, circle)
    circles.moderate_member(host, circle, member, "shadow", reason="疑似营销号")
    assert membership_of(member, circle).shadowed is True
    cohost = make_user("jiabin")
    join(cohost, circle)
    circles.moderate_member(host, circle, cohost, "cohost")
    with pytest.raises(Conflict):
        circles.moderate_member(host, circle, cohost, "shadow")
    with pytest.raises(Conflict):
        circles.moderate_member(host, circle, make_user("outsider"), "shadow")
    with pytest.raises(Forbidden):
        circles.moderate_member(member, circle, host, "shadow")
    assert [e.reason for e in audit_rows("member.shadow")] == ["疑似营销号"]
    assert notes(member, "circle.muted") == []
