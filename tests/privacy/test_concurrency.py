"""Real threads against the database: one export job per member, one builder per job."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import db
from app.privacy import deletion, exports
from app.privacy.models import DataExport
from tests.helpers import PASSWORD, TestClient, make_user
from tests.store.test_concurrency import run_threads


def test_parallel_requests_make_one_job(app, member, no_threads):
    member_id = member.id
    results = run_threads(app, [lambda: exports.request_export(db.session.get(User, member_id)).created] * 8)
    assert all(isinstance(r, bool) for r in results), results
    assert sum(results) == 1
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1


def test_a_double_post_makes_one_job(app, member, no_threads):
    clients: list[TestClient] = []
    for _ in range(2):
        c: TestClient = app.test_client()  # type: ignore[assignment]
        c.login(member.username)
        c.csrf_token()
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    statuses: list[Any] = [None] * len(clients)

    def tap(i: int) -> None:
        barrier.wait()
        try:
            statuses[i] = clients[i].form("/me/export").status_code
        except Exception as exc:  # the outcome is what the test inspects
            statuses[i] = exc

    threads = [threading.Thread(target=tap, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.rollback()
    assert statuses == [303, 303]
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1


def test_one_builder_wins_when_several_race(app, member, no_threads):
    export_id = exports.request_export(member).export.id
    results = run_threads(app, [lambda: exports.build(export_id)] * 4)
    assert sorted(results) == [False, False, False, True], results
    export = db.session.get(DataExport, export_id)
    assert export.status == "ready" and export.attempts == 1
    assert exports.file_path(export).is_file()
    assert [p.name for p in exports.export_root().rglob("*") if p.is_file()] == [
        export.file_name.split("/")[1]
    ]


def test_two_last_admins_deleting_at_once_leave_one(app, admin):
    second = make_user("secondadmin", role="admin")
    ids = [admin.id, second.id]

    def job(user_id: int, username: str) -> Any:
        return lambda: (
            deletion.delete_account(
                db.session.get(User, user_id), password=PASSWORD, confirm_username=username
            ).id
        )

    results = run_threads(app, [job(admin.id, "opsadmin"), job(second.id, "secondadmin")])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    remaining = db.session.scalars(select(User).where(User.role == "admin", User.id.in_(ids))).all()
    assert len(remaining) == 1 and not remaining[0].is_deleted
