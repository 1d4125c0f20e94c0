"""The event table: handlers run in order, in the publisher's transaction."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app import wiring
from app.accounts.models import User
from app.core import events
from app.core.db import db, use_case
from tests.helpers import make_user


@dataclass(frozen=True)
class Pinged(events.Event):
    value: int


@pytest.fixture
def table():
    saved = dict(wiring.HANDLERS)
    yield
    events.configure(saved)


def test_handlers_run_in_the_declared_order(app, table):
    calls: list[str] = []
    events.configure({Pinged: [lambda e: calls.append(f"a{e.value}"), lambda e: calls.append(f"b{e.value}")]})
    events.publish(Pinged(1))
    assert calls == ["a1", "b1"]


def test_a_failing_handler_rolls_back_the_whole_use_case(app, table):
    def explode(_event: Pinged) -> None:
        raise RuntimeError("handler failed")

    events.configure({Pinged: [explode]})

    @use_case
    def act() -> None:
        make_user("zeta66")
        events.publish(Pinged(2))

    with pytest.raises(RuntimeError):
        act()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_configure_refuses_non_events(app, table):
    with pytest.raises(TypeError):
        events.configure({int: []})


def test_wiring_table_only_maps_events_to_callables():
    for event_type, handlers in wiring.HANDLERS.items():
        assert issubclass(event_type, events.Event)
        assert all(callable(h) for h in handlers)
        assert len(set(handlers)) == len(handlers), f"{event_type.__name__} lists a handler twice"
