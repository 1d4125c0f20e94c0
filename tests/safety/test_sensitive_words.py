"""The sensitive-word list (敏感词): admins keep it; matching posts and comments wait for a host."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.checkins import services as checkins
from app.checkins.models import Checkin, CheckinComment
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db
from app.notifications.models import Notification
from app.points.models import PointsEntry
from app.posts import services as posts
from app.posts.models import Comment, Post
from app.safety import services
from app.safety.models import SensitiveWord, SensitiveWordState
from tests.checkins.factories import check_in, make_campaign
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import TestClient, make_user

HELD = "内容包含敏感词，已提交圈主审核"


def html_of(response: Any) -> str:
    return response.get_data(as_text=True)


def client_for(app: Any, user: Any) -> TestClient:
    client = app.test_client()
    assert isinstance(client, TestClient)
    client.login(user.username)
    return client


def points_for(user_id: int, reference: str) -> int:
    db.session.expire_all()
    query = (
        select(func.count())
        .select_from(PointsEntry)
        .where(PointsEntry.user_id == user_id, PointsEntry.idempotency_key == reference)
    )
    return int(db.session.scalar(query) or 0)


def kinds_for(user_id: int) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))


@pytest.fixture
def world(app, host, member, admin):
    services.add_words(admin, "加微信\n代刷\nVX")
    circle = make_circle(host, "reading", name="读书圈")
    reader = make_user("reader", display_name="读者")
    for user in (member, reader):
        join(user, circle)
    return {"circle": circle, "reader": reader}


@pytest.fixture
def reader_client(app, world) -> TestClient:
    return client_for(app, world["reader"])


# --- The admins' list ------------------------------------------------------------------------


def test_admin_adds_and_removes_words_audited(admin, admin_client):
    page = html_of(admin_client.get("/admin/sensitive-words"))
    assert 'href="/admin/sensitive-words"' in page and "敏感词" in page and "列表还是空的" in page
    response = admin_client.form("/admin/sensitive-words", {"words": "加微信\n  代刷 \n加微信\n\nＶＸ"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/sensitive-words"
    words = list(db.session.scalars(select(SensitiveWord.word).order_by(SensitiveWord.word)))
    assert sorted(words) == sorted(["加微信", "代刷", "vx"])
    page = html_of(admin_client.get("/admin/sensitive-words"))
    assert 'data-word="加微信"' in page and 'data-word="vx"' in page and "已添加 3 个敏感词" in page
    again = admin_client.form("/admin/sensitive-words", {"words": "代刷"})
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(SensitiveWord)) == 3
    word_id = db.session.scalar(select(SensitiveWord.id).where(SensitiveWord.word == "代刷"))
    response = admin_client.form(f"/admin/sensitive-words/{word_id}/delete", {})
    assert response.status_code == 303
    assert admin_client.form(f"/admin/sensitive-words/{word_id}/delete", {}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(SensitiveWord)) == 2
    actions = list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor_id == admin.id).order_by(AuditEntry.id)
        )
    )
    assert actions == ["safety.words_added", "safety.word_removed"]
    assert "代刷" in html_of(admin_client.get("/admin/audit"))
    assert db.session.scalar(select(SensitiveWordState.version)) == 3


def test_invalid_list_keeps_the_form_with_an_error(admin_client):
    response = admin_client.form("/admin/sensitive-words", {"words": "   \n "})
    assert response.status_code == 422 and "请至少填写一个词或短语" in html_of(response)
    long = "长" * 65
    response = admin_client.form("/admin/sensitive-words", {"words": long})
    assert response.status_code == 422 and long in html_of(response)


def test_only_admins_manage_the_list(admin, member_client, host_client, anon):
    services.add_words(admin, "代刷")
    word_id = db.session.scalar(select(SensitiveWord.id))
    for client in (member_client, host_client):
        assert client.get("/admin/sensitive-words").status_code == 403
        assert client.form("/admin/sensitive-words", {"words": "随便"}).status_code == 403
        assert client.form(f"/admin/sensitive-words/{word_id}/delete", {}).status_code == 403
    response = anon.get("/admin/sensitive-words")
    assert response.status_code in (302, 303) and "/auth/login?next=" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(SensitiveWord)) == 1


def test_matching_ignores_case_and_width_and_finds_substrings(world):
    assert services.find_sensitive("有需要的加微信聊") == "加微信"
    assert services.find_sensitive("私信我 vx 号") == "vx"
    assert services.find_sensitive("加我ＶＸ吧") == "vx"
    assert services.find_sensitive("标题", "正文里写了代刷") == "代刷"
    assert services.find_sensitive("微信读书真好用") is None


def test_the_compiled_list_is_cached_until_the_version_changes(world, admin, count_queries):
    services.find_sensitive("预热")
    with count_queries() as q:
        for _ in range(5):
            services.find_sensitive("一条普通的评论")
    q.assert_count(5)  # one primary-key read of the version each, no reload of the words
    services.add_words(admin, "刷单")
    assert services.find_sensitive("专业刷单") == "刷单"
    services.remove_word(
        admin, db.session.scalar(select(SensitiveWord.id).where(SensitiveWord.word == "刷单"))
    )
    assert services.find_sensitive("专业刷单") is None


# --- Posts -----------------------------------------------------------------------------------


def test_post_with_a_word_waits_for_review_and_pays_on_approval(
    app, world, host, member, member_client, reader_client, host_client
):
    response = member_client.form(
        "/c/reading/posts/new", {"title": "福利", "body": "想要资料的加微信 abc123", "tags": ""}
    )
    assert response.status_code == 303
    post = db.session.scalar(select(Post).where(Post.author_id == member.id))
    assert post.status == "pending" and post.flagged_word == "加微信"
    assert HELD in html_of(member_client.get(response.headers["Location"]))
    assert points_for(member.id, f"post:{post.id}") == 0
    assert "post.pending" in kinds_for(host.id)
    # Others do not see it anywhere; the author and the hosts do.
    assert f'data-post-id="{post.id}"' not in html_of(reader_client.get("/c/reading"))
    assert reader_client.get(f"/c/reading/p/{post.id}").status_code == 404
    assert member_client.get(f"/c/reading/p/{post.id}").status_code == 200
    queue = html_of(host_client.get("/c/reading/manage"))
    assert f'data-post-id="{post.id}"' in queue and 'data-flagged-word="加微信"' in queue

    assert host_client.form(f"/c/reading/p/{post.id}/moderate", {"action": "approve"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "published"
    assert points_for(member.id, f"post:{post.id}") == 1
    assert "post.approved" in kinds_for(member.id)
    assert f'data-post-id="{post.id}"' in html_of(reader_client.get("/c/reading"))


def test_rejected_post_never_shows_and_the_author_is_told(world, host, member, reader_client):
    post = make_post(member, world["circle"], "专业代刷点赞")
    posts.moderate_post(host, post, "reject", reason="广告")
    assert post.status == "rejected"
    assert reader_client.get(f"/c/reading/p/{post.id}").status_code == 404
    assert "post.rejected" in kinds_for(member.id)
    assert points_for(member.id, f"post:{post.id}") == 0


def test_an_edit_that_adds_a_word_sends_the_post_back_to_review(
    world, host, member, member_client, reader_client
):
    post = make_post(member, world["circle"], "今天读完了一本好书")
    assert post.status == "published" and points_for(member.id, f"post:{post.id}") == 1
    count_before = world["circle"].post_count
    response = member_client.form(
        f"/c/reading/p/{post.id}/edit",
        {"title": "", "body": "今天读完了一本好书，电子版加微信领", "tags": ""},
    )
    assert response.status_code == 303
    db.session.expire_all()
    edited = db.session.get(Post, post.id)
    assert edited.status == "pending" and edited.flagged_word == "加微信"
    assert edited.circle.post_count == count_before - 1
    assert HELD in html_of(member_client.get(response.headers["Location"]))
    assert f'data-post-id="{post.id}"' not in html_of(reader_client.get("/c/reading"))
    posts.moderate_post(host, edited, "approve")
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == "published"
    assert points_for(member.id, f"post:{post.id}") == 1  # paid once, not again on approval
    assert db.session.get(Post, post.id).circle.post_count == count_before


def test_hosts_own_posts_are_not_held(world, host):
    assert make_post(host, world["circle"], "本周加微信群的同学请看公告").status == "published"


# --- Comments --------------------------------------------------------------------------------


def test_comment_with_a_word_waits_for_review(
    app, world, host, member, member_client, reader_client, host_client
):
    post = make_post(world["reader"], world["circle"], "求推荐科幻小说")
    response = member_client.form(f"/c/reading/p/{post.id}/comments", {"body": "代刷好评，私聊"})
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment).where(Comment.author_id == member.id))
    assert comment.is_pending and comment.status == "hidden" and comment.flagged_word == "代刷"
    assert "评论包含敏感词" in html_of(member_client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Post, post.id).comment_count == 0
    assert points_for(member.id, f"comment:{comment.id}") == 0
    assert "post.commented" not in kinds_for(world["reader"].id)
    assert "代刷好评" not in html_of(reader_client.get(f"/c/reading/p/{post.id}"))
    own = html_of(member_client.get(f"/c/reading/p/{post.id}"))
    assert "代刷好评" in own and "data-comment-pending" in own
    queue = html_of(host_client.get("/c/reading/manage"))
    assert f'data-comment-id="{comment.id}"' in queue and 'data-flagged-word="代刷"' in queue
    # Hiding is not approving: a held comment only leaves the queue by approve or reject.
    posts.moderate_comment(host, comment, "unhide")
    assert comment.status == "hidden" and comment.is_pending

    done = host_client.form(f"/c/reading/comments/{comment.id}/moderate", {"action": "approve"})
    assert done.status_code == 303
    db.session.expire_all()
    approved = db.session.get(Comment, comment.id)
    assert approved.status == "visible" and not approved.is_pending
    assert db.session.get(Post, post.id).comment_count == 1
    assert points_for(member.id, f"comment:{comment.id}") == 1
    assert "post.commented" in kinds_for(world["reader"].id)
    assert "comment.approved" in kinds_for(member.id)
    assert "代刷好评" in html_of(reader_client.get(f"/c/reading/p/{post.id}"))
    assert f'data-comment-id="{comment.id}"' not in html_of(host_client.get("/c/reading/manage"))


def test_rejected_comment_is_gone_and_the_author_told(world, host, member, reader_client):
    post = make_post(world["reader"], world["circle"], "周末去哪儿")
    comment = posts.create_comment(member, post, body="加微信拉你进群")
    posts.moderate_comment(host, comment, "reject", reason="引流")
    assert comment.status == "deleted" and not comment.is_pending
    assert "comment.rejected" in kinds_for(member.id)
    assert "加微信拉你进群" not in html_of(reader_client.get(f"/c/reading/p/{post.id}"))
    assert points_for(member.id, f"comment:{comment.id}") == 0


def test_check_in_comment_with_a_word_waits_for_review(
    app, world, host, member, member_client, reader_client, host_client
):
    campaign = make_campaign(host, world["circle"], clock.today(), days=7)
    checkin = check_in(world["reader"], campaign, clock.now(), body="早起读书一小时").checkin
    url = f"/c/reading/checkins/{checkin.id}/comments"
    response = member_client.form(url, {"body": "需要打卡代刷的找我"})
    assert response.status_code == 303
    comment = db.session.scalar(select(CheckinComment).where(CheckinComment.author_id == member.id))
    assert comment.status == "pending" and comment.flagged_word == "代刷"
    assert "评论包含敏感词" in html_of(member_client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Checkin, checkin.id).comment_count == 0
    assert points_for(member.id, f"checkin_comment:{comment.id}") == 0
    assert "checkin.commented" not in kinds_for(world["reader"].id)
    page = f"/c/reading/campaigns/{campaign.id}"
    assert "需要打卡代刷的找我" not in html_of(reader_client.get(page))
    assert "需要打卡代刷的找我" in html_of(member_client.get(page))
    queue = html_of(host_client.get("/c/reading/manage"))
    assert f'data-checkin-comment-id="{comment.id}"' in queue

    # Only hosts act on the queue.
    moderate = f"/c/reading/checkin-comments/{comment.id}/moderate"
    assert reader_client.form(moderate, {"action": "approve"}).status_code == 403
    done = host_client.form(moderate, {"action": "approve"})
    assert done.status_code == 303
    assert host_client.form(moderate, {"action": "approve"}).status_code == 303  # a repeat changes nothing
    db.session.expire_all()
    assert db.session.get(CheckinComment, comment.id).status == "visible"
    assert db.session.get(Checkin, checkin.id).comment_count == 1
    assert kinds_for(world["reader"].id).count("checkin.commented") == 1
    assert "checkin.comment_approved" in kinds_for(member.id)
    assert "需要打卡代刷的找我" in html_of(reader_client.get(page))
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == host.id)))
    assert "checkin_comment.approve" in actions


def test_check_in_comment_rejected(world, host, member, reader_client):
    campaign = make_campaign(host, world["circle"], clock.today(), days=7)
    checkin = check_in(world["reader"], campaign, clock.now()).checkin
    comment = checkins.comment_on_checkin(member, world["circle"], checkin, body="加VX领资料")
    assert comment.status == "pending"
    checkins.moderate_checkin_comment(host, world["circle"], comment, "reject", reason="引流")
    assert comment.status == "rejected"
    assert "checkin.comment_rejected" in kinds_for(member.id)
    assert "加VX领资料" not in html_of(reader_client.get(f"/c/reading/campaigns/{campaign.id}"))
