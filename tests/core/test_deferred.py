"""core.deferred: work a member need not wait for runs once the response has gone out."""

from __future__ import annotations

import pytest
from flask import Flask

from app.core.deferred import defer


def test_deferred_work_runs_after_the_response_is_closed(app: Flask) -> None:
    ran: list[str] = []

    def view() -> str:
        defer(lambda: ran.append("indexed"))
        return "answered"

    app.add_url_rule("/_test/defer", "test_defer", view)
    response = app.test_client().get("/_test/defer", buffered=False)
    assert response.get_data(as_text=True) == "answered"
    assert ran == [], "nothing runs before the server is done sending"
    response.close()
    assert ran == ["indexed"]


def test_outside_a_request_it_runs_at_once(app: Flask) -> None:
    ran: list[int] = []
    defer(lambda: ran.append(1))
    assert ran == [1]


def test_a_failing_view_still_gets_its_work_done(app: Flask) -> None:
    ran: list[str] = []

    def view() -> str:
        defer(lambda: ran.append("done"))
        raise RuntimeError("boom")

    app.add_url_rule("/_test/defer-fails", "test_defer_fails", view)
    app.config["PROPAGATE_EXCEPTIONS"] = True  # no response is ever built
    with pytest.raises(RuntimeError):
        app.test_client().get("/_test/defer-fails")
    assert ran == ["done"]


def test_one_failing_callback_does_not_stop_the_others(app: Flask, caplog) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise OSError("index locked")

    def view() -> str:
        defer(broken)
        defer(lambda: ran.append("second"))
        return "ok"

    app.add_url_rule("/_test/defer-two", "test_defer_two", view)
    app.test_client().get("/_test/defer-two", buffered=True)
    assert ran == ["second"]
    assert "deferred work failed" in caplog.text
