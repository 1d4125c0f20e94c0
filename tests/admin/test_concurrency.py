"""A double-submitted win-back form, in two threads at once, sends once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from app.accounts.models import User
from app.admin import lapsing
from app.admin.models import POST, WinbackCampaign, WinbackRecipient
from app.admin.tracking import Fact, record_activity
from app.core import clock
from app.core.db import db, use_case
from app.notifications.models import Notification
from tests.helpers import make_user


@use_case
def _seen(user_id: int) -> None:
    record_activity(Fact(user_id, POST, f"c:{user_id}"), day=clock.today() - timedelta(days=9))


def test_double_submit_in_parallel_sends_once(app: Any, admin: Any) -> None:
    people = [make_user(f"away{n}") for n in range(4)]
    for user in people:
        _seen(user.id)
    admin_id = admin.id
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def submit() -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, admin_id)
                barrier.wait()
                result = lapsing.send_winback(
                    actor,
                    request_id="same-form",
                    user_ids=None,
                    silent_days=7,
                    message="回来看看吧",
                    points=20,
                )
                results.append((result.created, result.sent))
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [(False, 0), (True, 4)]
    db.session.rollback()  # end the test's read snapshot before looking
    assert db.session.query(WinbackCampaign).count() == 1
    assert db.session.query(WinbackRecipient).count() == 4
    assert [db.session.get(User, u.id).points for u in people] == [20] * 4
    assert db.session.query(Notification).filter_by(kind="winback.gift").count() == 4
