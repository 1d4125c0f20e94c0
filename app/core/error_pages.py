"""Map domain errors and HTTP errors to friendly pages (or fragments for htmx)."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError
from app.core.htmx import is_htmx
from app.extensions import limiter

log = logging.getLogger("quanzi")

# Fields never echoed back into the "submit again" form of an expired CSRF token.
_SECRET_FIELDS = ("password", "csrf_token")


def _render_error(status: int, message: str | None = None, **context: object) -> Response:
    if is_htmx():
        response = make_response(
            render_template("_partials/error.html", status=status, message=message), status
        )
        # htmx swaps only 2xx/422 by our config; the toast script shows this text instead.
        response.headers["HX-Reswap"] = "none"
        return response
    template = (
        f"errors/{status}.html"
        if status in (400, 401, 403, 404, 409, 413, 422, 429, 500)
        else "errors/generic.html"
    )
    return make_response(render_template(template, status=status, message=message, **context), status)


def configure_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        message = str(error.message) if error.message else None
        if not message and error.fields:
            message = "; ".join(str(m) for m in error.fields.values())
        return _render_error(error.status, message)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        # Offer the same form again with what the user typed and a fresh token.
        kept = [
            (name, value)
            for name, value in request.form.items(multi=True)
            if not any(secret in name for secret in _SECRET_FIELDS)
        ]
        return _render_error(400, None, kept_fields=kept, retry_action=request.path)

    @app.errorhandler(429)
    def _too_many(error: HTTPException) -> Response:
        retry_after = None
        current = limiter.current_limit
        if current is not None:
            retry_after = max(1, int(current.reset_at - time.time()))
        response = _render_error(429, None, retry_after=retry_after)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 401:
            status = 403
        return _render_error(status, None)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if app.testing:
            raise error
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render_error(500, None)
