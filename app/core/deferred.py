"""Work a member need not wait for: run it once the response has gone out.

`defer(callback)` inside a request keeps the callback until the server has sent the response
(WSGI `close()`), then runs it in a fresh application context; anywhere else (CLI, tests
calling services, a worker) it runs at once. Only work backed by a durable record belongs
here, such as the search index (its queue row waits for a retry if the process dies first):
the member's data is already committed and never depends on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context

log = logging.getLogger("quanzi")

_PENDING = "quanzi_deferred"
_SENT = "quanzi_response_built"


def defer(callback: Callable[[], None]) -> None:
    """Run `callback` after this request's response is sent (at once outside a request)."""
    if has_request_context() and not g.get(_SENT):
        g.setdefault(_PENDING, []).append(callback)
        return
    _run([callback])


def configure_deferred(app: Flask) -> None:
    @app.after_request
    def _after_response(response: Response) -> Response:
        # From here on the response is built: what is deferred later runs at once.
        setattr(g, _SENT, True)
        pending: list[Callable[[], None]] = g.pop(_PENDING, [])
        if pending:
            target = current_app._get_current_object()  # type: ignore[attr-defined]
            response.call_on_close(lambda: _run_in(target, pending))
        return response

    @app.teardown_request
    def _never_answered(_error: BaseException | None) -> None:
        # No response was built (an exception escaped): do the work now rather than never.
        _run(g.pop(_PENDING, []))


def _run_in(app: Flask, callbacks: list[Callable[[], None]]) -> None:
    with app.app_context():
        _run(callbacks)


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("deferred work failed")
