"""Double taps and two admins at once: the primary key and the unique word keep one row each."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import db
from app.safety import services
from app.safety.models import Block, SensitiveWord, SensitiveWordState
from tests.helpers import make_user
from tests.posts.test_concurrency import run_threads


def test_concurrent_block_taps_leave_one_row(app, member):
    pest = make_user("pest")
    member_id, pest_id = member.id, pest.id

    def tap() -> None:
        services.set_block(db.session.get(User, member_id), db.session.get(User, pest_id), on=True)

    assert run_threads(app, tap, [() for _ in range(6)]) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Block)) == 1
    assert services.has_blocked(member_id, pest_id)


def test_concurrent_admins_adding_the_same_words(app, admin):
    other = make_user("ops2", role="admin")
    admin_ids = [admin.id, other.id, admin.id, other.id]

    def add(admin_id: int) -> None:
        services.add_words(db.session.get(User, admin_id), "加微信\n代刷")

    assert run_threads(app, add, [(i,) for i in admin_ids]) == []
    db.session.rollback()
    assert sorted(db.session.scalars(select(SensitiveWord.word))) == sorted(["加微信", "代刷"])
    # Only the call that added something bumped the version (each bump is one conditional UPDATE).
    assert db.session.scalar(select(SensitiveWordState.version)) >= 2
