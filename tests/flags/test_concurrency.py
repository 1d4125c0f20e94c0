"""Many members report at once: the content is hidden exactly once (the proof is PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.circles import services as circles
from app.core.audit import AuditEntry
from app.core.db import db
from app.notifications.models import Notification
from app.posts import services
from app.posts.models import Comment, Post, Report
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user
from tests.posts.test_concurrency import run_threads


def _count(model, *where) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize(("reporters", "threshold"), [(8, "3"), (3, "3")])
def test_concurrent_reports_hide_a_post_once(app, host, reporters, threshold):
    circle = make_circle(host)
    circles.set_report_threshold(host, circle, threshold)
    author = make_user("zuozhe")
    join(author, circle)
    post = make_post(author, circle, title="被举报的帖子")
    users = [make_user(f"jubao{i}") for i in range(reporters)]
    for user in users:
        join(user, circle)
    ids, post_id = [u.id for u in users], post.id

    def report(user_id: int) -> None:
        actor = db.session.get(User, user_id)
        target = services.get_report_target(actor, circle_of(post_id), "post", post_id)
        services.report(actor, "post", target, reason="广告")

    def circle_of(pid: int):
        return db.session.get(Post, pid).circle

    assert run_threads(app, report, [(uid,) for uid in ids]) == []
    db.session.rollback()
    assert db.session.get(Post, post_id).status == "hidden"
    assert _count(Report, Report.post_id == post_id) == reporters
    assert (
        _count(Notification, Notification.user_id == author.id, Notification.kind == "post.auto_hidden") == 1
    )
    assert _count(AuditEntry, AuditEntry.action == "post.auto_hide", AuditEntry.target_id == post_id) == 1
    assert _count(Notification, Notification.user_id == host.id, Notification.kind == "flags.review") == 1
    assert db.session.get(type(circle), circle.id).post_count == 0


def test_concurrent_reports_hide_a_comment_once(app, host):
    circle = make_circle(host)
    author = make_user("zuozhe")
    join(author, circle)
    post = make_post(host, circle)
    comment = services.create_comment(author, post, body="加微信领红包")
    users = [make_user(f"jubao{i}") for i in range(6)]
    for user in users:
        join(user, circle)
    ids, comment_id = [u.id for u in users], comment.id

    def report(user_id: int) -> None:
        actor = db.session.get(User, user_id)
        services.report(actor, "comment", db.session.get(Comment, comment_id), reason="广告")

    assert run_threads(app, report, [(uid,) for uid in ids]) == []
    db.session.rollback()
    assert db.session.get(Comment, comment_id).status == "hidden"
    assert db.session.get(Post, post.id).comment_count == 0
    assert (
        _count(Notification, Notification.user_id == author.id, Notification.kind == "comment.auto_hidden")
        == 1
    )
    assert _count(AuditEntry, AuditEntry.action == "comment.auto_hide") == 1
