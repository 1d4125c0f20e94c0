"""Many writers at once (several gunicorn workers): the index ends equal to the database."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.circles.models import Circle
from app.core.db import db
from app.posts import services as posts
from app.posts.models import Post
from app.search import indexer, services
from tests.circles.factories import make_post
from tests.posts.test_concurrency import run_threads


def test_concurrent_edits_and_posts_leave_the_index_in_step(app, world, host, member):
    post = make_post(host, world["public"], "最初的版本")
    post_id, host_id, circle_id = post.id, host.id, world["public"].id
    bodies = [f"第{i}版 关键词{i}号" for i in range(6)]

    def work(i: int) -> None:
        actor = db.session.get(User, host_id)
        if i % 2:
            target = db.session.get(Post, post_id)
            posts.edit_post(actor, target, posts.Draft(body=bodies[i]))
        else:
            circle = db.session.get(Circle, circle_id)
            posts.create_post(actor, circle, posts.Draft(body=f"并发发帖 编号{i}"))

    assert run_threads(app, work, [(i,) for i in range(6)]) == []
    db.session.rollback()
    assert indexer.count_queued() == 0
    final = db.session.scalar(select(Post.body).where(Post.id == post_id))
    entry = indexer.backend().snapshot()[f"post:{post_id}"]
    assert final in [str(value).replace("\u200b", "") for value in entry]
    assert len(services.search(member, "并发").hits) == 3
    number = final.split("关键词")[1]
    assert [h.shown.ref_id for h in services.search(member, f"关键词{number}").hits] == [post_id]
