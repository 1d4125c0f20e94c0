"""dashboard rollups: activity_day, activity_last_day, points_day (backfilled)

Revision ID: 415b51d64deb
Revises: e5a0c7d3b812
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "415b51d64deb"
down_revision = "e5a0c7d3b812"
branch_labels = None
depends_on = None

ACTIVE = "('signin', 'post', 'comment', 'like', 'checkin')"
COUNTERS = "active, actions, posts, checkins, registers, latest"

# What the write paths would have written for the rows already there (plain SQL for SQLite and
# PostgreSQL; tests/admin/test_rollups.py checks it against rollups kept by real actions).
BACKFILL = (
    # Each member's latest active day: on the site, in each circle, per campaign (check-ins, completions).
    "INSERT INTO activity_last_day (scope, scope_id, user_id, day) "
    f"SELECT 'site', 0, user_id, MAX(day) FROM activity_event WHERE kind IN {ACTIVE} GROUP BY user_id",
    "INSERT INTO activity_last_day (scope, scope_id, user_id, day) "
    "SELECT 'circle', circle_id, user_id, MAX(day) FROM activity_event "
    f"WHERE circle_id IS NOT NULL AND kind IN {ACTIVE} GROUP BY circle_id, user_id",
    "INSERT INTO activity_last_day (scope, scope_id, user_id, day) "
    "SELECT 'checkin', ref_id, user_id, MAX(day) FROM activity_event "
    "WHERE kind = 'checkin' AND ref_id IS NOT NULL GROUP BY ref_id, user_id",
    "INSERT INTO activity_last_day (scope, scope_id, user_id, day) "
    "SELECT 'done', ref_id, user_id, MAX(day) FROM activity_event "
    "WHERE kind = 'campaign' AND ref_id IS NOT NULL GROUP BY ref_id, user_id",
    # Counters per scope and day: the site's (active members, posts, check-ins, sign-ups), each
    # circle's actions, and every scope's members whose latest day it is.
    f"INSERT INTO activity_day (scope, scope_id, day, {COUNTERS}) "
    "SELECT scope, scope_id, day, SUM(active), SUM(actions), SUM(posts), SUM(checkins), SUM(registers), "
    "SUM(latest) FROM ("
    " SELECT 'site' AS scope, 0 AS scope_id, day,"
    f" COUNT(DISTINCT CASE WHEN kind IN {ACTIVE} THEN user_id END) AS active, 0 AS actions,"
    " SUM(CASE WHEN kind = 'post' THEN 1 ELSE 0 END) AS posts,"
    " SUM(CASE WHEN kind = 'checkin' THEN 1 ELSE 0 END) AS checkins,"
    " SUM(CASE WHEN kind = 'register' THEN 1 ELSE 0 END) AS registers, 0 AS latest"
    " FROM activity_event GROUP BY day"
    " UNION ALL SELECT 'circle', circle_id, day, 0, COUNT(*), 0, 0, 0, 0 FROM activity_event"
    f" WHERE circle_id IS NOT NULL AND kind IN {ACTIVE} GROUP BY circle_id, day"
    " UNION ALL SELECT scope, scope_id, day, 0, 0, 0, 0, 0, COUNT(*) FROM activity_last_day"
    " GROUP BY scope, scope_id, day"
    ") parts GROUP BY scope, scope_id, day",
    # Points issued (earnings, positive adjustments) and redeemed (store spends) per day.
    "INSERT INTO points_day (day, issued, redeemed) "
    "SELECT day, SUM(CASE WHEN kind = 'earn' OR (kind = 'adjust' AND delta > 0) THEN delta ELSE 0 END), "
    "SUM(CASE WHEN kind = 'spend' THEN -delta ELSE 0 END) "
    "FROM points_entry WHERE kind IN ('earn', 'adjust', 'spend') GROUP BY day",
)
SCOPES = "scope IN ('site', 'circle', 'checkin', 'done')"


def upgrade():
    op.create_table(
        "activity_last_day",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("previous_day", sa.Date(), nullable=True),
        sa.CheckConstraint(SCOPES, name=op.f("ck_activity_last_day_scope")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_activity_last_day_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope", "scope_id", "user_id", name=op.f("pk_activity_last_day")),
    )
    op.create_table(
        "activity_day",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS.split(", ")],
        sa.CheckConstraint(SCOPES, name=op.f("ck_activity_day_scope")),
        sa.PrimaryKeyConstraint("scope", "scope_id", "day", name=op.f("pk_activity_day")),
    )
    op.create_table(
        "points_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_points_day")),
    )
    for statement in BACKFILL:
        op.execute(sa.text(statement))
    # Secondary indexes after the backfill: built once instead of row by row.
    site_only = sa.text("scope = 'site'")
    with op.batch_alter_table("activity_last_day", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_last_day_site",
            ["day", "user_id"],
            unique=False,
            sqlite_where=site_only,
            postgresql_where=site_only,
        )
    with op.batch_alter_table("activity_day", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_day_window", ["scope", "day", "scope_id", "actions", "latest"], unique=False
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index("ix_user_account_growth", ["is_banned", "growth"], unique=False)
    # The points chart reads points_day now; nothing else reads the ledger by day first.
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_points_entry_day_kind")


def downgrade():
    with op.batch_alter_table("points_entry", schema=None) as batch_op:
        batch_op.create_index("ix_points_entry_day_kind", ["day", "kind"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_growth")
    op.drop_table("points_day")
    with op.batch_alter_table("activity_day", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_day_window")
    op.drop_table("activity_day")
    with op.batch_alter_table("activity_last_day", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_last_day_site")
    op.drop_table("activity_last_day")
