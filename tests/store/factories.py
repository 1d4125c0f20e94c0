"""Store test data, built through the services like an admin would."""

from __future__ import annotations

from typing import Any

from app.points import ledger
from app.store import catalog
from tests.helpers import make_user


def make_item(admin: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {"title": "帆布袋", "kind": "virtual", "points_cost": 100, "stock": 10}
    fields.update(overrides)
    return catalog.create_item(admin, catalog.ItemInput(**fields))


def rich_member(username: str, points: int = 1000) -> Any:
    user = make_user(username)
    ledger.adjust_balance(user.id, delta=points, reason="test", actor_id=None)
    return user
