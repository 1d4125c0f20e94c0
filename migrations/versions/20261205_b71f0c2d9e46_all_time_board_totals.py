"""all-time board totals: user_account.earned and leaderboard_total, backfilled

Revision ID: b71f0c2d9e46
Revises: c4d1e8a2b6f3
Create Date: 2026-12-05 06:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b71f0c2d9e46"
down_revision = "c4d1e8a2b6f3"
branch_labels = None
depends_on = None

METRICS = ("points", "checkins", "likes", "invites")


def upgrade():
    # A native ADD COLUMN on both databases: a SQLite batch rebuild of user_account would
    # drop and recreate the table every other one points at.
    op.add_column("user_account", sa.Column("earned", sa.Integer(), server_default="0", nullable=False))
    # Lifetime earnings: the daily earnings rollup summed (it equals the earn rows; `flask
    # points audit` checks both).
    op.execute(
        "UPDATE user_account SET earned = COALESCE("
        "(SELECT SUM(d.earned) FROM points_daily d WHERE d.user_id = user_account.id), 0)"
    )
    op.create_index("ix_user_account_earned", "user_account", ["earned", "id"], unique=False)

    op.create_table(
        "leaderboard_total",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *(sa.Column(metric, sa.Integer(), nullable=False) for metric in METRICS),
        sa.CheckConstraint(
            "scope IN ('site', 'circle', 'campaign')", name=op.f("ck_leaderboard_total_scope")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_leaderboard_total_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope", "scope_id", "user_id", name=op.f("pk_leaderboard_total")),
    )
    op.execute(
        "INSERT INTO leaderboard_total (scope, scope_id, user_id, points, checkins, likes, invites) "
        "SELECT scope, scope_id, user_id, SUM(points), SUM(checkins), SUM(likes), SUM(invites) "
        "FROM leaderboard_day GROUP BY scope, scope_id, user_id"
    )
    # Indexes after the backfill: one sorted build each instead of row-by-row upkeep.
    for metric in METRICS:
        op.create_index(
            f"ix_leaderboard_total_{metric}",
            "leaderboard_total",
            ["scope", "scope_id", metric, "user_id"],
            unique=False,
        )


def downgrade():
    op.drop_table("leaderboard_total")
    op.drop_index("ix_user_account_earned", table_name="user_account")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE user_account DROP COLUMN earned")
    else:
        op.drop_column("user_account", "earned")
