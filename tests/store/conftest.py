from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app import wiring
from app.core import events


@pytest.fixture
def captured() -> Iterator[list[Any]]:
    """Events the notifications feature will hear: TierReached, PointsAwarded, OrderStatusChanged."""
    seen: list[Any] = []
    table = dict(wiring.HANDLERS)
    for kind in (events.TierReached, events.PointsAwarded, events.OrderStatusChanged, events.SignedIn):
        table[kind] = [*table.get(kind, ()), seen.append]
    events.configure(table)
    yield seen
    wiring.install()
