"""Test helpers: a CSRF-aware client, user factories (through the services), SQL counting."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import has_app_context
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Engine, delete, event
from werkzeug.test import TestResponse

from app.accounts import services as accounts
from app.accounts.models import User
from app.core.db import db, use_case
from app.notifications.models import Notification

PASSWORD = "correct-horse-42"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@use_case
def make_user(
    username: str, *, role: str = "member", display_name: str = "", password: str = PASSWORD
) -> User:
    """Register a user the way the site does (through the service).

    The welcome notification every sign-up gets is cleared, as an existing member's would
    be, so tests count only the notifications they cause (the welcome has its own test).
    """
    user = accounts.register(
        username=username,
        email=f"{username}@example.com",
        password=password,
        role=role,
        display_name=display_name,
    )
    db.session.execute(
        delete(Notification).where(Notification.user_id == user.id, Notification.kind == "welcome")
    )
    return user


def csrf_from(html: str) -> str | None:
    match = CSRF_RE.search(html)
    if not match:
        return None
    return match.group(1) or match.group(2)


class TestClient(FlaskClient):
    """A browser: remembers its CSRF token and can post forms plain or via htmx."""

    __test__ = False
    _csrf: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # Buffered: the body is read and the response closed (files served are not leaked).
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        # End the test code's read transaction so it sees what the request committed.
        if has_app_context():
            db.session.rollback()
        return response

    def csrf_token(self, refresh: bool = False) -> str:
        if self._csrf is None or refresh:
            html = self.get("/auth/login").get_data(as_text=True)
            token = csrf_from(html)
            if token is None:  # logged in: the login page redirects; any page has the token
                token = csrf_from(self.get("/me").get_data(as_text=True))
            assert token, "no CSRF token found on the page"
            self._csrf = token
        return self._csrf

    def form(
        self, url: str, data: dict[str, Any] | None = None, *, htmx: bool = False, **kwargs: Any
    ) -> TestResponse:
        """POST a form with the CSRF token (as a field, or as X-CSRFToken for htmx)."""
        payload = dict(data or {})
        headers = dict(kwargs.pop("headers", {}) or {})
        if htmx:
            headers["HX-Request"] = "true"
            headers["X-CSRFToken"] = self.csrf_token()
        else:
            payload.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=payload, headers=headers, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        response = self.form("/auth/login", {"login": username, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        # The session changed: the next form needs the token bound to the new session.
        self._csrf = None
        return response


class QueryCounter:
    """Counts SQL statements sent to the database (transaction control excluded)."""

    def __init__(self, engines: list[Engine]) -> None:
        self.engines = engines
        self.statements: list[str] = []

    @contextmanager
    def __call__(self) -> Iterator[QueryCounter]:
        self.statements = []

        def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
            if head not in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
                self.statements.append(statement)

        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", listener)
        try:
            yield self
        finally:
            for engine in self.engines:
                event.remove(engine, "before_cursor_execute", listener)

    @property
    def count(self) -> int:
        return len(self.statements)

    def assert_count(self, expected: int) -> None:
        if self.count != expected:
            listing = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.statements))
            raise AssertionError(f"expected {expected} SQL statements, ran {self.count}:\n{listing}")


def image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (64, 48),
    color: tuple[int, int, int] = (200, 80, 40),
    **save: Any,
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()
