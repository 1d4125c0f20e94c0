"""The points migration goes down and up again, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.core.db import db

FOUNDATION = "24f55077de4c"
POINTS_TABLES = {"points_entry", "points_rule", "tier", "signin", "store_item", "store_order", "coupon_code"}


def _app(tmp_path: Path, url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "QUANZI_INSTANCE_DIR": str(tmp_path),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database of each kind (PostgreSQL only when TEST_DATABASE_URL is set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"quanzi_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(sa.make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _shape(engine: sa.Engine) -> tuple[set[str], set[str], set[str]]:
    inspector = sa.inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("user_account")}
    checks = {c["name"] for c in inspector.get_check_constraints("user_account") if c.get("name")}
    return set(inspector.get_table_names()), columns, checks


def test_points_migration_downgrades_and_upgrades_again(database_url, tmp_path):
    app = _app(tmp_path, database_url)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO user_account (username, email, password_hash, role, display_name, bio,"
                    " is_banned, session_version, created_at, points, growth)"
                    " VALUES ('keeper', 'k@example.com', 'x', 'member', '留下', '', false, 1,"
                    " '2026-11-01 08:00:00', 30, 40)"
                )
            )

        downgrade(revision=FOUNDATION)
        tables, columns, checks = _shape(db.engine)
        assert not POINTS_TABLES & tables
        assert {"points", "growth"}.isdisjoint(columns) and "username" in columns
        assert {"ck_user_account_points_nonnegative", "ck_user_account_growth_nonnegative"}.isdisjoint(checks)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT username FROM user_account")).scalars().all() == ["keeper"]
            # The case-insensitive username index survives SQLite's table rebuild.
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                conn.execute(
                    sa.text(
                        "INSERT INTO user_account (username, email, password_hash, role, display_name,"
                        " bio, is_banned, session_version, created_at) VALUES ('KEEPER',"
                        " 'other@example.com', 'x', 'member', '', '', false, 1, '2026-11-01 08:00:00')"
                    )
                )

        upgrade()
        tables, columns, checks = _shape(db.engine)
        assert tables >= POINTS_TABLES
        assert {"points", "growth"} <= columns
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT points, growth FROM user_account")).one() == (0, 0)
            slugs = conn.execute(sa.text("SELECT slug FROM tier ORDER BY threshold")).scalars().all()
            assert slugs == ["normal", "advanced", "premium"]
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                conn.execute(sa.text("UPDATE user_account SET points = -1"))
        db.engine.dispose()
