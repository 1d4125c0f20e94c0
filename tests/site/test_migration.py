"""The site settings migration goes down and up again, on SQLite and (with TEST_DATABASE_URL)
PostgreSQL, and leaves the coupon pool's list index in place."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.core.db import db
from tests.points.test_migration import _app, database_url  # noqa: F401  (the fixture)

# The revision before this one, read from the file: merges re-chain it onto other branches.
REVISION = "a6809fbf2ee1"
PREVIOUS = (
    ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations"))
    .get_revision(REVISION)
    .down_revision
)


def _shape(engine: sa.Engine) -> tuple[set[str], set[str]]:
    inspector = sa.inspect(engine)
    indexes = {i["name"] for i in inspector.get_indexes("coupon_code")}
    return set(inspector.get_table_names()), indexes


def test_site_settings_migration_downgrades_and_upgrades_again(database_url, tmp_path):  # noqa: F811
    app = _app(tmp_path, database_url)
    with app.app_context():
        upgrade()
        tables, indexes = _shape(db.engine)
        assert "site_setting" in tables and "ix_coupon_code_item" in indexes
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO site_setting (key, value, updated_at) VALUES ('site_name', '书友会', :at)"
                ),
                {"at": "2026-12-04 08:00:00"},
            )
        downgrade(revision=PREVIOUS)
        tables, indexes = _shape(db.engine)
        assert "site_setting" not in tables and "ix_coupon_code_item" not in indexes
        assert "ix_coupon_code_free" in indexes and "coupon_code" in tables
        upgrade()
        tables, indexes = _shape(db.engine)
        assert "site_setting" in tables and "ix_coupon_code_item" in indexes
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM site_setting")).scalar() == 0
        db.engine.dispose()
