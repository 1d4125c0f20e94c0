"""Likes stay counted right when many requests arrive at once (the real proof is PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import db
from app.notifications.models import Notification
from app.posts import services
from app.posts.models import Like, Post
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user


def run_threads(app, work, args_list) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(args_list))

    def target(*args):
        with app.app_context():
            try:
                barrier.wait()
                work(*args)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_concurrent_likes_by_many_members(app, host):
    circle = make_circle(host)
    post = make_post(host, circle, title="热门", body="大家来点赞")
    users = [make_user(f"fan{i}") for i in range(8)]
    for user in users:
        join(user, circle)
    user_ids, post_id = [u.id for u in users], post.id

    def like(user_id: int) -> None:
        actor = db.session.get(User, user_id)
        services.set_like(actor, "post", db.session.get(Post, post_id), True)

    assert run_threads(app, like, [(uid,) for uid in user_ids]) == []
    db.session.rollback()
    assert db.session.get(Post, post_id).like_count == 8
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == host.id)))
    assert len(notes) == 1 and notes[0].count == 8


def test_concurrent_double_taps_by_one_member(app, host, member):
    circle = make_circle(host)
    join(member, circle)
    post = make_post(host, circle)
    post_id, member_id = post.id, member.id

    def like(state: bool | None) -> None:
        services.set_like(db.session.get(User, member_id), "post", db.session.get(Post, post_id), state)

    assert run_threads(app, like, [(True,)] * 6) == []
    db.session.rollback()
    assert db.session.get(Post, post_id).like_count == 1
    assert db.session.scalar(select(func.count()).select_from(Like).where(Like.target_id == post_id)) == 1
    assert run_threads(app, like, [(False,)] * 6) == []
    db.session.rollback()
    assert db.session.get(Post, post_id).like_count == 0
