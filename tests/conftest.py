"""Fixtures: database (SQLite by default, PostgreSQL with TEST_DATABASE_URL) -> app ->
client -> users per role -> login helper. Shared helpers live in tests/helpers.py."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.core import clock
from app.core.db import db
from app.extensions import limiter
from tests.helpers import QueryCounter, TestClient, make_user

pytest_plugins = ["tests.browser.fixtures"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent


def _base_overrides(instance: Path, database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "QUANZI_INSTANCE_DIR": str(instance),
        "UPLOAD_DIR": str(instance / "uploads"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool}
        if database_url.startswith("sqlite")
        else {},
        # Cheap argon2 in tests only; production cost lives in config.py.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": REDIS_URL or "memory://",
        # Redis keeps counters between apps: a fresh prefix per app isolates tests.
        "RATELIMIT_KEY_PREFIX": f"qzt-{uuid.uuid4().hex[:12]}",
        "SERVER_NAME": None,
    }


def _admin_url(url: str) -> sa.URL:
    return sa.make_url(url).set(database="postgres")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Build the schema once per run with the real migrations (`db upgrade`)."""
    root = tmp_path_factory.mktemp("template")
    if TEST_DATABASE_URL:
        name = f"quanzi_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(_admin_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sa.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{root / 'template.db'}"
    app = create_app(_base_overrides(root, url))
    with app.app_context():
        upgrade()
        # Rows the migrations seeded (reference data) are restored after every test.
        snapshot: dict[str, list[dict[str, Any]]] = {}
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in conn.execute(table.select())]
                if rows:
                    snapshot[table.name] = rows
        db.engine.dispose()
    yield {"url": url, "snapshot": snapshot, "sqlite_file": root / "template.db"}
    if TEST_DATABASE_URL:
        admin = sa.create_engine(_admin_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(app: Flask, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t for t in db.metadata.sorted_tables]
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in tables:
                rows = snapshot.get(table.name)
                if rows:
                    conn.execute(table.insert(), rows)
                    # Keep sequences past restored ids.
                    if "id" in table.c and isinstance(rows[0].get("id"), int):
                        conn.execute(
                            sa.text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                f'(SELECT MAX(id) FROM "{table.name}"))'
                            )
                        )
        db.engine.dispose()


@pytest.fixture
def app(database_template: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    instance.mkdir()
    if TEST_DATABASE_URL:
        url = database_template["url"]
    else:
        target = instance / "quanzi.db"
        shutil.copy(database_template["sqlite_file"], target)
        url = f"sqlite:///{target}"
    overrides = _base_overrides(instance, url)
    # Flask-Limiter keeps the first key prefix it saw for good; give each test its own so
    # counters in a shared Redis never leak between tests (or parallel runs).
    limiter._key_prefix = ""
    # Requests are served by `application`; test code (services, factories) runs in the
    # context of a twin app on the same database, so each request gets its own app context,
    # session and `g`, as in production, and the test's objects stay attached.
    application = create_app(overrides)
    application.test_client_class = TestClient
    twin = create_app(overrides)
    with application.app_context():
        request_engine = db.engine
    application.extensions["quanzi_test_engines"] = [request_engine]
    with twin.app_context():
        application.extensions["quanzi_test_engines"].append(db.engine)
        yield application
        db.session.remove()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        _reset_postgres(application, database_template["snapshot"])
    else:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def anon(app: Flask) -> FlaskClient:
    """A second, logged-out browser."""
    return app.test_client()


@pytest.fixture
def member(app: Flask) -> Any:
    return make_user("meimei", role="member", display_name="梅梅")


@pytest.fixture
def host(app: Flask) -> Any:
    return make_user("hostwang", role="host", display_name="王圈主")


@pytest.fixture
def admin(app: Flask) -> Any:
    return make_user("opsadmin", role="admin", display_name="运营")


@pytest.fixture
def member_client(app: Flask, member: Any) -> TestClient:
    c: TestClient = app.test_client()  # type: ignore[assignment]
    c.login(member.username)
    return c


@pytest.fixture
def host_client(app: Flask, host: Any) -> TestClient:
    c: TestClient = app.test_client()  # type: ignore[assignment]
    c.login(host.username)
    return c


@pytest.fixture
def admin_client(app: Flask, admin: Any) -> TestClient:
    c: TestClient = app.test_client()  # type: ignore[assignment]
    c.login(admin.username)
    return c


@pytest.fixture
def count_queries(app: Flask) -> QueryCounter:
    """`with count_queries() as q: ...; assert q.count == N` (prints the SQL on mismatch)."""
    return QueryCounter(app.extensions["quanzi_test_engines"])


@pytest.fixture(autouse=True)
def _clock_unfrozen() -> Iterator[None]:
    """Every test starts and ends on the real clock.

    `clock.freeze` swaps one process-wide source; a test that froze it inside several threads
    could leave it pinned (their exits interleave), and every later test would then sign
    webhooks with a stale timestamp or count days wrong. This makes such a leak harmless.
    """
    clock._now_source = None
    yield
    clock._now_source = None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Keep the expensive end-to-end tests last so failures in fast tests show first.
    items.sort(key=lambda item: 1 if item.get_closest_marker("fresh_clone") else 0)
