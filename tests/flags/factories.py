"""Helpers for weighted-report tests: members of a tier, a circle full of reporters."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.core.db import db
from app.points import services as points
from tests.circles.factories import join
from tests.helpers import make_user


def member_of_tier(name: str, circle: Any, admin: Any, growth: int = 0) -> User:
    """A new member of `circle` whose growth (the ledger's admin adjustment) reaches a tier."""
    user = make_user(name)
    if growth:
        points.adjust_points(admin, user, delta=growth, reason="测试等级")
    join(user, circle)
    db.session.refresh(user)
    return user
