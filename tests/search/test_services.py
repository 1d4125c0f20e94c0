"""Search services on every backend the database can serve (see conftest.py)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.circles import services as circles
from app.core import clock
from app.core.db import db
from app.core.errors import NotFound
from app.posts import services as posts
from app.search import indexer, services
from app.search.models import SearchQueue
from app.search.text import index_terms, query_terms
from tests.circles.factories import make_post


def found(actor: Any, q: str, **kwargs: Any) -> list[tuple[str, int]]:
    return [(h.shown.kind, h.shown.ref_id) for h in services.search(actor, q, **kwargs).hits]


def test_segmentation_finds_a_word_in_the_middle_of_a_sentence():
    terms = [t for t, _s, _e in index_terms("小区里的读书会很好")]
    assert "读书" in terms and "读书会" in terms
    # Characters that straddle two words are not a word: no n-gram false positives.
    assert "区里" not in terms
    assert query_terms("Running 3km ＡＢＣ") == ["run", "3", "km", "abc"]


def test_chinese_query_matches_only_with_real_segmentation(world, member):
    post = make_post(member, world["public"], "我们小区里的读书会每周六下午见面", title="")
    assert found(member, "读书") == [("post", post.id)]
    assert found(member, "读书会") == [("post", post.id)]
    assert found(member, "区里") == []
    hits = services.search(member, "跑步").hits
    assert {h.shown.ref_id for h in hits} == {world["pub_post"].id, world["secret_post"].id}
    assert "<mark>跑步</mark>" in str(hits[0].snippet)


def test_english_and_mixed_queries(world, member):
    post = make_post(member, world["public"], "Running with Flask 3 today, 晨跑5公里", title="Morning RUNS")
    assert found(member, "run") == [("post", post.id)]
    assert found(member, "FLASK runs") == [("post", post.id)]
    assert found(member, "flask 晨跑") == [("post", post.id)]
    assert found(member, "flask django") == []
    hit = services.search(member, "running").hits[0]
    assert "<mark>Running</mark>" in str(hit.snippet)


def test_comments_authors_tags_and_circles_are_searchable(world, member, host):
    comment = posts.create_comment(member, world["pub_post"], body="我也想参加跑步，带上我的狗狗")
    assert ("comment", comment.id) in found(member, "狗狗")
    tagged = make_post(member, world["public"], "今天的早餐", tags="#美食 早餐")
    assert found(member, "美食") == [("post", tagged.id)]
    assert ("post", world["pub_post"].id) in found(member, "王圈主")
    assert ("post", world["pub_post"].id) in found(member, "生活")


def test_private_circles_are_found_by_their_members_only(world, member, admin):
    secret = ("post", world["secret_post"].id)
    assert secret in found(member, "训练")
    assert found(world["outsider"], "训练") == []
    assert found(None, "训练") == []
    assert secret in found(admin, "训练")
    circles.leave_circle(member, world["private"])
    assert found(member, "训练") == []


def test_banned_members_find_nothing_of_that_circle(world, member, host):
    assert ("post", world["pub_post"].id) in found(member, "周末")
    circles.moderate_member(host, world["public"], member, "ban")
    assert found(member, "周末") == []


def test_moderation_removes_and_restores_results(world, member, host):
    post = world["pub_post"]
    comment = posts.create_comment(member, post, body="报名跑步！")
    posts.moderate_post(host, post, "hide", reason="off topic")
    assert found(member, "跑步") == [("post", world["secret_post"].id)]
    posts.moderate_post(host, post, "unhide")
    assert {("post", post.id), ("comment", comment.id)} <= set(found(member, "跑步"))
    posts.moderate_comment(host, comment, "hide")
    assert ("comment", comment.id) not in found(member, "报名")
    posts.moderate_post(host, post, "delete")
    assert found(member, "周末") == []
    assert indexer.backend().snapshot().get(f"post:{post.id}") is None


def test_pending_and_own_deleted_posts_are_never_found(app, backend, host, member):
    circle = circles.create_circle(host, name="审核圈", slug="review", require_approval=True)
    circles.join_circle(member, circle)
    pending = make_post(member, circle, "等待审核的咖啡拉花帖子")
    assert pending.status == "pending"
    assert found(host, "拉花") == []
    posts.moderate_post(host, pending, "approve")
    assert found(host, "拉花") == [("post", pending.id)]
    posts.delete_own_post(member, pending)
    assert found(host, "拉花") == []


def test_edits_update_the_index(world, host, member):
    post = world["pub_post"]
    posts.edit_post(host, post, posts.Draft(title="改期通知", body="活动改到下周的游泳馆"))
    assert found(member, "游泳馆") == [("post", post.id)]
    assert found(member, "小区") == []


def test_circle_filter_and_orders(world, member):
    newer = make_post(member, world["private"], "跑步跑步跑步，跑步真好")
    assert found(member, "跑步", circle_slug="reading") == [("post", world["pub_post"].id)]
    newest = found(member, "跑步", order="newest")
    assert newest[0] == ("post", newer.id)
    assert set(found(member, "跑步", order="relevant")) == set(newest)
    with pytest.raises(NotFound):
        services.search(world["outsider"], "跑步", circle_slug="secret")


def test_pagination(world, member, host):
    ids = [make_post(host, world["public"], f"第{i}次骑行打卡记录").id for i in range(services.PER_PAGE + 3)]
    first = services.search(member, "骑行", order="newest")
    second = services.search(member, "骑行", order="newest", page=2)
    assert first.has_next and not second.has_next
    seen = [h.shown.ref_id for h in first.hits + second.hits]
    assert seen == sorted(ids, reverse=True)


def test_relevance_ranks_the_newest_matches_and_every_page_lies_inside_them(
    world, member, host, backend, monkeypatch
):
    from app.search import pg_backend

    assert pg_backend.RANKED >= services.MAX_PAGE * services.PER_PAGE
    strong = make_post(host, world["public"], "骑行骑行骑行骑行，骑行真快乐", title="骑行")
    weak = [make_post(host, world["public"], f"今天第{i}次出门，顺便骑行").id for i in range(3)]
    assert found(member, "骑行")[0] == ("post", strong.id), "the best match leads"
    if backend != "postgres":
        return  # Whoosh scores its whole (small) index
    monkeypatch.setattr(pg_backend, "RANKED", 2)  # only the two newest are ranked now
    assert [ref for _k, ref in found(member, "骑行")] == sorted(weak, reverse=True)[:2]


@pytest.mark.parametrize(
    "query",
    ["跑步 AND (OR", "title:跑步*", '"unclosed', "*?~^{}[]:\\/!", "NOT", "-跑步", "跑步" * 500, "x" * 5000],
)
def test_syntax_characters_and_long_input_never_break(world, member, query):
    results = services.search(member, query)
    assert results.hits or results.notice is not None or results.terms
    assert len(results.query) <= services.MAX_QUERY


def test_symbols_alone_give_a_clear_message(world, member):
    results = services.search(member, "*?:()")
    assert results.hits == [] and results.terms == []
    assert "标点" in str(results.notice)


def test_reindex_equals_incremental_index(world, member, host):
    posts.create_comment(member, world["pub_post"], body="一起跑步吧")
    hidden = make_post(member, world["public"], "这条会被隐藏的跑步帖")
    posts.moderate_post(host, hidden, "hide")
    live = indexer.backend().snapshot()
    assert f"post:{hidden.id}" not in live and len(live) == 3
    indexer.reindex(lambda _n: None)
    assert indexer.backend().snapshot() == live
    assert found(member, "跑步")


def test_failed_indexing_keeps_the_post_and_retries(world, member, monkeypatch, caplog):
    backend = indexer.backend()

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(backend, "sync", broken)
    with caplog.at_level(logging.ERROR, logger="quanzi.search"):
        post = make_post(member, world["public"], "断电也不会丢的登山帖子")
    assert post.id and posts.get_post(member, world["public"], post.id).body.startswith("断电")
    assert "queued for retry" in caplog.text
    row = db.session.scalar(select(SearchQueue).where(SearchQueue.ref_id == post.id))
    assert row is not None and row.attempts == 1 and "disk full" in row.last_error
    monkeypatch.undo()
    assert found(member, "登山") == []
    assert indexer.drain_due().indexed == 0  # waiting for its back-off
    report = indexer.drain_due(everything=True)
    assert report.indexed == 1
    assert found(member, "登山") == [("post", post.id)]
    assert indexer.count_queued() == 0


def test_a_request_answers_before_it_indexes(world, member, member_client):
    """The member does not wait for the index: it is written once the response has gone."""
    data = {"title": "夜骑", "body": "周五晚上的夜骑活动，从江边出发", "tags": ""}
    # Unbuffered, as a WSGI server sends it: nothing runs until the server closes the response.
    response = member_client.form("/c/reading/posts/new", data, buffered=False)
    assert response.status_code == 303
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert found(member, "夜骑") == [], "the index waits for the response to be sent"
    assert indexer.count_queued() == 1, "the durable queue row holds the work meanwhile"
    response.close()
    db.session.rollback()
    assert found(member, "夜骑") == [("post", post_id)]
    assert indexer.count_queued() == 0


def test_work_whose_process_died_is_picked_up_by_the_next_one(world, member, monkeypatch):
    # The deferred indexing never runs (the process "died" after the commit).
    monkeypatch.setattr(indexer, "defer", lambda _callback: None)
    lost = make_post(member, world["public"], "没来得及索引的露营帖子")
    monkeypatch.undo()
    assert found(member, "露营") == [] and indexer.count_queued() == 1
    make_post(member, world["public"], "另一条帖子")  # a fresh row is not an orphan yet
    assert found(member, "露营") == []
    db.session.execute(
        update(SearchQueue).values(available_at=clock.now() - indexer.ORPHANED_AFTER - timedelta(seconds=1))
    )
    db.session.commit()
    make_post(member, world["public"], "第三条帖子")  # its commit's pass takes the orphan
    assert found(member, "露营") == [("post", lost.id)]
    assert indexer.count_queued() == 0
