"""Concurrent grants of the same badge: one award, one certificate, holder_count exact."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app.accounts.models import User
from app.badges import services
from app.badges.models import Badge, BadgeAward, Certificate
from app.core.db import db


def test_concurrent_grants_make_one_award(app: Flask, badge: Badge, admin: Any, member: Any) -> None:
    badge_id, member_id, admin_id = badge.id, member.id, admin.id
    db.session.commit()
    barrier = threading.Barrier(6)
    created: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                target = db.session.get(Badge, badge_id)
                user = db.session.get(User, member_id)
                actor = db.session.get(User, admin_id)
                barrier.wait(timeout=10)
                grant = services.grant_badge(target, user, actor=actor, reason="并发", certificate=True)
                created.append(grant.created)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(created) == [False] * 5 + [True]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) == 1
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db.session.get(Badge, badge_id).holder_count == 1
