"""week and month board rollups: leaderboard_period and points_period, backfilled

Revision ID: e5a0c7d3b812
Revises: b71f0c2d9e46
Create Date: 2026-12-05 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e5a0c7d3b812"
down_revision = "b71f0c2d9e46"
branch_labels = None
depends_on = None

METRICS = ("points", "checkins", "likes", "invites")


def _starts(dialect: str) -> dict[str, str]:
    """SQL for the first day of the week (Monday) and the month of `day`, per database."""
    if dialect == "postgresql":
        return {
            "week": "CAST(date_trunc('week', day) AS DATE)",
            "month": "CAST(date_trunc('month', day) AS DATE)",
        }
    # SQLite: forward to the week's Sunday, back to its Monday.
    return {"week": "date(day, 'weekday 0', '-6 days')", "month": "date(day, 'start of month')"}


def upgrade():
    op.create_table(
        "leaderboard_period",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *(sa.Column(metric, sa.Integer(), nullable=False) for metric in METRICS),
        sa.CheckConstraint(
            "scope IN ('site', 'circle', 'campaign')", name=op.f("ck_leaderboard_period_scope")
        ),
        sa.CheckConstraint("period IN ('week', 'month')", name=op.f("ck_leaderboard_period_period")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_leaderboard_period_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "scope", "scope_id", "period", "starts_on", "user_id", name=op.f("pk_leaderboard_period")
        ),
    )
    op.create_table(
        "points_period",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.CheckConstraint("period IN ('week', 'month')", name=op.f("ck_points_period_period")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_points_period_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "period", "starts_on", name=op.f("pk_points_period")),
    )
    for period, starts in _starts(op.get_bind().dialect.name).items():
        op.execute(
            "INSERT INTO leaderboard_period "
            "(scope, scope_id, period, starts_on, user_id, points, checkins, likes, invites) "
            f"SELECT scope, scope_id, '{period}', {starts}, user_id, "
            "SUM(points), SUM(checkins), SUM(likes), SUM(invites) "
            f"FROM leaderboard_day GROUP BY scope, scope_id, {starts}, user_id"
        )
        op.execute(
            "INSERT INTO points_period (user_id, period, starts_on, earned) "
            f"SELECT user_id, '{period}', {starts}, SUM(earned) FROM points_daily GROUP BY user_id, {starts}"
        )
    # Indexes after the backfill: one sorted build each.
    for metric in METRICS:
        op.create_index(
            f"ix_leaderboard_period_{metric}",
            "leaderboard_period",
            ["scope", "scope_id", "period", "starts_on", metric, "user_id"],
            unique=False,
        )
    op.create_index(
        "ix_points_period_board", "points_period", ["period", "starts_on", "earned", "user_id"], unique=False
    )


def downgrade():
    op.drop_table("points_period")
    op.drop_table("leaderboard_period")
