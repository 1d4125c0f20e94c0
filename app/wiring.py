"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core import events

HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    # Filled in as features land, e.g.
    # events.CheckinRecorded: [points.handlers.on_checkin, badges.handlers.on_checkin],
}


def install() -> None:
    events.configure(HANDLERS)
