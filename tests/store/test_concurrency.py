"""Real threads, each with its own app context and connection: the database must hold."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import db
from app.core.errors import Conflict
from app.points import ledger, signin
from app.points.models import PointsEntry, SignIn
from app.store import services
from app.store.models import Order, StoreItem
from tests.store.factories import make_item, rich_member


def run_threads(app: Any, jobs: list[Callable[[], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def work(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = jobs[i]()
            except Exception as exc:  # the outcome is what the test inspects
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.rollback()  # the test's own session reads a fresh snapshot afterwards
    return results


def test_forty_members_race_for_ten_items(app, admin):
    # Plain ids only: the test's ORM objects must not be touched from other threads.
    item_id = make_item(admin, stock=10, points_cost=100).id
    user_ids = [rich_member(f"racer{i}", 100).id for i in range(40)]

    def job(user_id: int) -> Callable[[], Any]:
        return lambda: services.redeem(
            db.session.get(User, user_id), item_id, request_id=f"req-race-{user_id}"
        )

    results = run_threads(app, [job(u) for u in user_ids])
    db.session.rollback()  # a fresh snapshot after the threads' commits
    assert sum(1 for r in results if isinstance(r, services.RedeemResult)) == 10
    assert all(isinstance(r, services.RedeemResult | Conflict) for r in results), results
    assert db.session.scalar(select(func.count()).select_from(Order)) == 10
    assert db.session.get(StoreItem, item_id).stock == 0
    spent = db.session.scalar(
        select(func.count()).select_from(PointsEntry).where(PointsEntry.kind == "spend")
    )
    assert spent == 10 and ledger.find_discrepancies() == []


def click(buyer_id: int, item_id: int) -> tuple[int, bool]:
    result = services.redeem(db.session.get(User, buyer_id), item_id, request_id="req-same-0001")
    return result.order.id, result.created


def test_double_click_with_one_request_id_is_one_order(app, admin):
    item_id = make_item(admin, stock=10, points_cost=100).id
    buyer_id = rich_member("clicker", 1000).id
    results = run_threads(
        app,
        [lambda: click(buyer_id, item_id)] * 10,
    )
    assert all(isinstance(r, tuple) for r in results), results
    assert len({order_id for order_id, _created in results}) == 1
    assert sum(created for _order_id, created in results) == 1
    db.session.rollback()  # a fresh snapshot after the threads' commits
    assert db.session.get(User, buyer_id).points == 900
    assert db.session.get(StoreItem, item_id).stock == 9


def test_parallel_sign_ins_make_one(app, member):
    member_id = member.id
    results = run_threads(app, [lambda: signin.sign_in(db.session.get(User, member_id)).created] * 10)
    assert all(isinstance(r, bool) for r in results), results
    assert sum(results) == 1
    assert db.session.scalar(select(func.count()).select_from(SignIn)) == 1
    db.session.rollback()  # a fresh snapshot after the threads' commits
    assert db.session.get(User, member.id).points == 5


def test_daily_caps_hold_under_parallel_awards(app, member):
    member_id = member.id
    jobs = [
        (
            lambda i=i: (
                ledger.award_points(member_id, rule="comment", idempotency_key=f"comment:{i}") is not None
            )
        )
        for i in range(16)
    ]
    results = run_threads(app, jobs)
    assert all(isinstance(r, bool) for r in results), results
    assert sum(results) == 10
    db.session.rollback()  # a fresh snapshot after the threads' commits
    assert db.session.get(User, member.id).points == 20
    assert ledger.find_discrepancies() == [] and ledger.find_rollup_mismatches() == []
