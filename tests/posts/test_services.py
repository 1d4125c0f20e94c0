"""Posts, feeds, comments, likes, reports, moderation and anti-abuse, through the services."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.core import clock, events
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Forbidden, Invalid, NotFound
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.posts import services
from app.posts.models import Post, PostTag
from app.posts.services.text import normalise_tags, render_body
from tests.circles.factories import join, make_circle, make_post
from tests.circles.test_services import captured  # noqa: F401 - fixture
from tests.helpers import make_user


def age(user: User, days: int = 3) -> None:
    """Make an account old enough to leave the new-account limits."""
    db.session.execute(
        update(User).where(User.id == user.id).values(created_at=clock.now() - timedelta(days=days))
    )
    db.session.commit()
    db.session.refresh(user)


@pytest.fixture
def circle(host, member):
    circle = make_circle(host)
    join(member, circle)
    return circle


def notes(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_tags_are_normalised():
    assert normalise_tags("#读书, 跑步 Running #读书 ＃早起；") == ["读书", "跑步", "running", "早起"]
    assert normalise_tags("<script>") == ["script"]


def test_post_is_published_with_tags_files_and_event(circle, member, captured):  # noqa: F811
    post = make_post(member, circle, body="第一篇 **笔记**", tags="#读书笔记 心得", image_count=2)
    assert post.status == "published" and post.tags == ["读书笔记", "心得"]
    assert len(post.images) == 2 and all(i.circle_id == circle.id for i in post.images)
    assert set(db.session.scalars(select(PostTag.tag).where(PostTag.post_id == post.id))) == {
        "读书笔记",
        "心得",
    }
    assert events.PostPublished(post_id=post.id, author_id=member.id, circle_id=circle.id) in captured
    db.session.refresh(circle)
    assert circle.post_count == 1
    assert post.published_at == post.created_at


def test_a_new_post_is_written_in_one_insert_per_row(circle, member, count_queries):
    make_post(member, circle, body="热身")  # the sensitive-word list is loaded once per process
    with count_queries() as q:
        post = services.create_post(member, circle, services.Draft(body="第二篇", tags="心得 日常"))
    writes = [s.split(None, 3)[:3] for s in q.statements if not s.lstrip().upper().startswith("SELECT")]
    assert ["DELETE", "FROM", "post_tag"] not in writes, "a new post has no tags to replace"
    assert not [w for w in writes if w[:2] == ["UPDATE", "post"]], "published_at goes in with the INSERT"
    assert post.published_at == post.created_at and post.tags == ["心得", "日常"]


def test_attachments_keep_a_safe_original_name(circle, host):
    draft = services.Draft(
        body="资料", is_material=True, attachments=[(io.BytesIO(b"data"), "../../etc/笔记.pdf")]
    )
    post = services.create_post(host, circle, draft)
    assert post.is_material
    assert [a.original_name for a in post.attachments] == ["笔记.pdf"]
    assert post.attachments[0].kind == "file" and post.attachments[0].circle_id == circle.id


def test_only_hosts_mark_material(circle, member):
    assert make_post(member, circle, is_material=True).is_material is False


def test_post_limits(circle, member):
    with pytest.raises(Invalid) as info:
        make_post(member, circle, body="  ")
    assert "body" in info.value.fields
    with pytest.raises(Invalid) as info:
        make_post(member, circle, body="x", tags=" ".join(f"t{i}" for i in range(11)))
    assert "tags" in info.value.fields
    age(member)
    with pytest.raises(Invalid) as info:
        make_post(member, circle, body="十张图", image_count=10)
    assert "images" in info.value.fields


def test_non_members_cannot_post(host, member):
    circle = make_circle(host)
    with pytest.raises(Forbidden):
        make_post(member, circle)
    private = make_circle(host, "secret", visibility="private")
    with pytest.raises(NotFound):
        make_post(member, private)


def test_review_queue_then_approve_publishes_and_notifies(host, member, captured):  # noqa: F811
    circle = make_circle(host, require_approval=True)
    join(member, circle)
    post = make_post(member, circle, body="等审核")
    assert post.status == "pending"
    assert [n.kind for n in notes(host)] == ["post.pending"]
    assert not any(isinstance(e, events.PostPublished) and e.post_id == post.id for e in captured)
    outsider = make_user("outsider")
    with pytest.raises(NotFound):
        services.get_post(outsider, circle, post.id)
    assert services.get_post(member, circle, post.id) is post
    services.moderate_post(host, post, "approve", reason="")
    assert post.status == "published"
    assert events.PostPublished(post_id=post.id, author_id=member.id, circle_id=circle.id) in captured
    assert [n.kind for n in notes(member)] == ["post.approved"]


def test_reject_and_delete_publish_post_removed(circle, host, member, captured):  # noqa: F811
    circle.require_approval = True
    db.session.commit()
    pending = make_post(member, circle, body="会被驳回")
    services.moderate_post(host, pending, "reject", reason="跑题")
    assert pending.status == "rejected"
    circle.require_approval = False
    db.session.commit()
    post = make_post(member, circle, body="会被删除")
    services.moderate_post(host, post, "delete", reason="广告")
    removed = [e for e in captured if isinstance(e, events.PostRemoved)]
    assert [(e.post_id, e.action) for e in removed] == [(pending.id, "reject"), (post.id, "delete")]
    assert {n.kind for n in notes(member)} == {"post.rejected", "post.deleted"}
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.circle_id == circle.id)))
    assert {"post.reject", "post.delete"} <= actions


def test_feature_twice_publishes_once(circle, host, member, captured):  # noqa: F811
    post = make_post(member, circle)
    services.moderate_post(host, post, "feature")
    services.moderate_post(host, post, "feature")
    assert [e for e in captured if isinstance(e, events.PostFeatured)] == [
        events.PostFeatured(post_id=post.id, author_id=member.id, circle_id=circle.id, actor_id=host.id)
    ]
    page = services.circle_feed(member, circle, tab="featured")
    assert [p.id for p in page.items] == [post.id]


def test_members_and_other_hosts_cannot_moderate(circle, member):
    post = make_post(member, circle)
    with pytest.raises(Forbidden):
        services.moderate_post(member, post, "pin")
    other = make_user("otherhost", role="host")
    with pytest.raises(Forbidden):
        services.moderate_post(other, post, "delete")
    with pytest.raises(Invalid):
        services.moderate_post(circle.owner, post, "explode")


def test_feed_pins_first_and_pages_by_cursor(circle, host, member):
    age(member)
    first = make_post(host, circle, body="置顶指南")
    for i in range(24):
        make_post(host, circle, body=f"帖子 {i}", tags="日常" if i % 2 else "")
    services.moderate_post(host, first, "pin")
    page = services.circle_feed(member, circle)
    assert page.items[0].id == first.id and len(page.items) == 20 and page.next_cursor
    rest = services.circle_feed(member, circle, cursor=page.next_cursor)
    assert len(rest.items) == 5 and rest.next_cursor is None
    assert first.id not in {p.id for p in rest.items}
    tagged = services.circle_feed(member, circle, tag="日常")
    assert len(tagged.items) == 12 and all("日常" in p.tags for p in tagged.items)
    with pytest.raises(Invalid):
        services.circle_feed(member, circle, cursor="garbage!")


def test_home_feed_shows_only_my_circles(circle, host, member):
    other = make_circle(host, "other")
    make_post(host, other, body="别的圈子")
    mine = make_post(host, circle, body="我的圈子")
    assert [p.id for p in services.home_feed(member).items] == [mine.id]
    assert services.home_feed(None).items == []


def test_home_feed_merges_my_circles_newest_first_across_pages(circle, host, member):
    """Per-circle ranges merged by id: pinned posts keep their date, shadowed and blocked
    authors stay out, and paging visits every post once."""
    other = make_circle(host, "other")
    join(member, other)
    stranger = make_user("stranger")
    join(stranger, circle)
    shadower = make_user("shadower")
    join(shadower, other)
    outside = make_circle(host, "outside")
    make_post(host, outside, body="不在我的圈子")
    expected = []
    for n in range(9):
        target = circle if n % 3 else other
        expected.append(make_post(host, target, body=f"帖子 {n}").id)
    old_pinned = expected[1]
    hidden = make_post(shadower, other, body="透明人").id
    blocked = make_post(stranger, circle, body="被我拉黑").id
    mine = make_post(member, circle, body="我自己的").id
    db.session.execute(update(Post).where(Post.id == old_pinned).values(pin_rank=1))
    db.session.execute(update(Post).where(Post.id.in_([hidden, mine])).values(shadowed=True))
    db.session.commit()
    from app.safety.services import set_block

    set_block(member, stranger, on=True)
    expected.append(mine)
    seen, cursor = [], None
    while True:
        page = services.home_feed(member, cursor=cursor, limit=4)
        seen.extend(p.id for p in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(expected, reverse=True)
    assert hidden not in seen and blocked not in seen
    # A host of the circle sees the shadowed post in the merge too.
    assert hidden in {p.id for p in services.home_feed(host, limit=50).items}


def test_edit_and_delete_own_post(circle, member, host):
    post = make_post(member, circle, body="初稿", tags="a")
    services.edit_post(member, post, services.Draft(body="改过了", tags="b c"))
    assert post.body == "改过了" and post.tags == ["b", "c"] and post.edited_at is not None
    with pytest.raises(Forbidden):
        services.edit_post(host, post, services.Draft(body="圈主改"))
    services.delete_own_post(member, post)
    assert post.status == "deleted"
    with pytest.raises(NotFound):
        services.get_post(member, circle, post.id)


def test_likes_are_idempotent_and_notify_once(circle, host, member, captured):  # noqa: F811
    post = make_post(host, circle)
    assert services.set_like(member, "post", post, True) == (True, 1)
    assert services.set_like(member, "post", post, True) == (True, 1)
    assert services.set_like(member, "post", post, False) == (False, 0)
    assert services.set_like(member, "post", post, None) == (True, 1)
    likes = [e for e in captured if isinstance(e, events.LikeReceived)]
    assert likes == [
        events.LikeReceived(
            target_kind="post", target_id=post.id, liker_id=member.id, owner_id=host.id, circle_id=circle.id
        )
    ]
    services.set_like(host, "post", post, True)
    assert len([e for e in captured if isinstance(e, events.LikeReceived)]) == 1  # self-likes never count
    db.session.refresh(post)
    assert post.like_count == 2


def test_grouped_like_notifications(circle, host, member):
    post = make_post(host, circle, title="共读指南", body="内容")
    for name in ("zhangsan", "lisi", "wangwu"):
        user = make_user(name, display_name={"zhangsan": "张三", "lisi": "李四", "wangwu": "王五"}[name])
        join(user, circle)
        services.set_like(user, "post", post, True)
    rows = [n for n in notes(host) if n.kind == "post.liked"]
    assert len(rows) == 1 and rows[0].count == 3
    assert notifications.render(rows[0]).text == "王五 等 2 人 赞了你的帖子「共读指南」"
    assert notifications.count_unread(host.id) == 1
    notifications.mark_all_read(host)
    assert notifications.count_unread(host.id) == 0
    services.set_like(member, "post", post, True)
    assert notifications.count_unread(host.id) == 1


def test_notify_ignores_self_and_unknown_kinds(member):
    notifications.notify(member.id, "post.liked", actor_id=member.id, params={"title": "x"})
    assert notifications.count_unread(member.id) == 0
    with pytest.raises(LookupError):
        notifications.notify(member.id, "no.such.kind")


def test_comments_replies_and_mentions_notify(circle, host, member):
    post = make_post(host, circle, body="欢迎讨论")
    top = services.create_comment(member, post, body="好文 @hostwang")
    reply = services.create_comment(host, post, body="谢谢", parent_id=top.id)
    nested = services.create_comment(member, post, body="再回一句", parent_id=reply.id)
    assert reply.parent_id == top.id and nested.parent_id == top.id
    db.session.refresh(post)
    assert post.comment_count == 3
    assert {n.kind for n in notes(host)} == {"post.commented", "comment.mention"}
    assert {n.kind for n in notes(member)} == {"comment.replied"}
    threads = services.list_comments(member, post)
    assert [(c.id, [r.id for r in replies]) for c, replies in threads] == [(top.id, [reply.id, nested.id])]


def test_post_mentions_only_notify_people_who_can_read(host, member):
    private = make_circle(host, "secret", visibility="private")
    outsider = make_user("outsider")
    make_post(host, private, body="@meimei @outsider 看这里")
    assert notes(outsider) == []
    join(member, private)
    make_post(host, private, body="@meimei 再看看")
    assert [n.kind for n in notes(member)] == ["post.mention"]


def test_hidden_comment_and_reports(circle, host, member):
    post = make_post(host, circle)
    comment = services.create_comment(member, post, body="广告广告")
    report = services.report(host, "comment", comment, reason="广告")
    assert services.report(host, "comment", comment, reason="再举报").id == report.id
    with pytest.raises(Invalid):
        services.report(host, "post", post, reason=" ")
    queue = services.get_queue(host, circle)
    assert [([r.id for r in f.reports], f.comment.id) for f in queue.reports] == [([report.id], comment.id)]
    services.moderate_comment(host, comment, "hide", reason="广告")
    assert comment.status == "hidden"
    assert services.get_queue(host, circle).reports == []
    db.session.refresh(post)
    assert post.comment_count == 0
    assert [c for c, _ in services.list_comments(member, post)] == []


def test_new_accounts_have_stricter_limits(circle, member):
    with pytest.raises(Invalid) as info:
        make_post(member, circle, body="http://a.cn http://b.cn http://c.cn")
    assert "body" in info.value.fields
    with pytest.raises(Invalid) as info:
        make_post(member, circle, body="四张图", image_count=4)
    assert "images" in info.value.fields
    for i in range(3):
        make_post(member, circle, body=f"第 {i} 篇")
    with pytest.raises(Invalid) as info:
        make_post(member, circle, body="第 4 篇")
    assert "too fast" in str(info.value.message) or "太频繁" in str(info.value.message)
    age(member)
    make_post(member, circle, body="老用户可以多发")


def test_duplicate_posts_are_refused(circle, member):
    age(member)
    make_post(member, circle, body="一模一样的内容")
    with pytest.raises(Invalid):
        make_post(member, circle, body="一模一样的内容")


def test_comment_rate_limit_for_new_accounts(circle, host, member):
    post = make_post(host, circle)
    for i in range(10):
        services.create_comment(member, post, body=f"评论 {i}")
    with pytest.raises(Invalid) as info:
        services.create_comment(member, post, body="第 11 条")
    assert "body" in info.value.fields


def test_markdown_is_sanitised_and_mentions_link():
    html = str(render_body("hi @linxi <script>alert(1)</script> [x](javascript:alert(1)) `@code`"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a class="mention" href="/u/linxi"' in html
    assert "<code>@code</code>" in html
    assert "<strong>“重点”</strong>" in str(render_body("这是**“重点”**内容"))


def test_post_query_for_unknown_ids(circle, member):
    with pytest.raises(NotFound):
        services.get_post(member, circle, 999)
    post = make_post(member, circle)
    other = make_circle(circle.owner, "other")
    with pytest.raises(NotFound):
        services.get_post(member, other, post.id)
    assert db.session.get(Post, post.id) is not None
