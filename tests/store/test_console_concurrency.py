"""Admins moving stock while members redeem: the database keeps `stock + orders` exact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Conflict, Invalid
from app.store import catalog, pool, services
from app.store.models import Order, StoreItem
from tests.store.factories import make_item, rich_member
from tests.store.test_concurrency import run_threads


def _orders(item_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Order).where(Order.item_id == item_id, Order.status == "done")
        )
        or 0
    )


def _buyers(n: int, prefix: str) -> list[int]:
    return [rich_member(f"{prefix}{i}", 100).id for i in range(n)]


def _redeem(user_id: int, item_id: int) -> Callable[[], Any]:
    return lambda: services.redeem(
        db.session.get(User, user_id), item_id, request_id=f"req-race-{user_id:05d}-{item_id:05d}"
    )


def test_redeems_racing_a_stock_top_up_lose_nothing(app: Any, admin: Any) -> None:
    item_id = make_item(admin, stock=6, points_cost=100).id
    admin_id = admin.id
    buyers = _buyers(14, "rush")

    def top_up() -> Any:
        return catalog.adjust_stock(
            db.session.get(User, admin_id), item_id, mode="add", amount=5, reason="补货"
        )

    def take_away() -> Any:
        return catalog.adjust_stock(
            db.session.get(User, admin_id), item_id, mode="add", amount=-2, reason="损坏"
        )

    jobs = [_redeem(u, item_id) for u in buyers]
    jobs[4:4] = [top_up]
    jobs[9:9] = [take_away]
    results = run_threads(app, jobs)
    # Buyers may find it sold out (409); taking 2 away is refused (422) if fewer are left.
    assert all(not isinstance(r, Exception) or isinstance(r, Conflict | Invalid) for r in results), results
    stock = db.session.get(StoreItem, item_id).stock
    sold = _orders(item_id)
    assert stock >= 0
    # 6 to start, +5, -2 (refused only if it would go negative, which the audit shows).
    took_away = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.reason == "损坏")
    )
    assert stock + sold == 6 + 5 - 2 * took_away
    # 14 buyers for at most 11: a buyer is refused only at zero, so everything on the shelf
    # while they ran was sold; the top-up may land after the last of them.
    assert sold == sum(1 for r in results if isinstance(r, services.RedeemResult)) >= 6 - 2 * took_away


def test_a_stock_set_racing_redeems_is_compare_and_set(app: Any, admin: Any) -> None:
    item_id = make_item(admin, stock=10, points_cost=100).id
    admin_id = admin.id
    buyers = _buyers(8, "cas")

    def set_stock() -> Any:
        # The admin saw 10 and types 20: only valid while nobody bought in between.
        return catalog.adjust_stock(
            db.session.get(User, admin_id), item_id, mode="set", amount=20, expected=10, reason="盘点"
        )

    jobs = [_redeem(u, item_id) for u in buyers]
    jobs.insert(3, set_stock)
    results = run_threads(app, jobs)
    outcome = results[3]
    assert isinstance(outcome, StoreItem | Conflict), outcome
    stock, sold = db.session.get(StoreItem, item_id).stock, _orders(item_id)
    assert sold == 8 and stock >= 0
    if isinstance(outcome, Conflict):
        assert stock + sold == 10  # refused: nothing the buyers took was overwritten
    else:
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "store.item.stock"))
        assert entry.data["before"]["stock"] == 10
        assert stock + sold == 20  # applied before any sale: every sale after it counted


def test_pool_changes_racing_coupon_redeems_keep_stock_equal_to_unused_codes(app: Any, admin: Any) -> None:
    codes = [f"RACE-{n:03d}" for n in range(6)]
    item_id = make_item(admin, kind="coupon", coupon_codes=codes, stock=None, points_cost=100).id
    admin_id = admin.id
    buyers = _buyers(10, "coupon")

    def add() -> Any:
        return pool.add_codes(db.session.get(User, admin_id), item_id, "RACE-100\nRACE-101\nRACE-102")

    jobs = [_redeem(u, item_id) for u in buyers]
    jobs.insert(5, add)
    results = run_threads(app, jobs)
    assert results[5] == 3
    stock = db.session.get(StoreItem, item_id).stock
    counts = pool.count_codes(item_id)
    assert stock == counts.unused and counts.used == _orders(item_id)
    assert counts.unused + counts.used == 9 and counts.used >= 6
    assert all(isinstance(r, services.RedeemResult | Conflict | int) for r in results), results
