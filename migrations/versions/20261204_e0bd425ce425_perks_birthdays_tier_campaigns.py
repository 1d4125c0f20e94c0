"""perks: birthday points per tier, tier-exclusive campaigns, birthday index

Revision ID: e0bd425ce425
Revises: 386111d72164
Create Date: 2026-12-04 16:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e0bd425ce425"
down_revision = "386111d72164"
branch_labels = None
depends_on = None

# The defaults of SPEC 1.8's three tiers (admins edit them on /admin/tiers).
BIRTHDAY_DEFAULTS = {"normal": 20, "advanced": 50, "premium": 100}


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # Native ADD COLUMNs: a batch rebuild would DROP TABLE tier / campaign, and with
        # foreign keys on that cascades into trials, store items, runs and check-ins.
        op.execute(
            "ALTER TABLE tier ADD COLUMN birthday_points INTEGER DEFAULT 0 NOT NULL "
            "CONSTRAINT ck_tier_birthday_points_nonnegative CHECK (birthday_points >= 0)"
        )
        op.execute("ALTER TABLE campaign ADD COLUMN min_tier_id INTEGER")
    else:
        op.add_column("tier", sa.Column("birthday_points", sa.Integer(), server_default="0", nullable=False))
        op.create_check_constraint(
            op.f("ck_tier_birthday_points_nonnegative"), "tier", "birthday_points >= 0"
        )
        op.add_column("campaign", sa.Column("min_tier_id", sa.Integer(), nullable=True))

    # Birthdays are stored in the leap year 2000 (month and day only): the daily job finds
    # today's with an equality on this index.
    op.create_index("ix_user_account_birthday", "user_account", ["birthday"], unique=False)

    tier = sa.table("tier", sa.column("slug", sa.String), sa.column("birthday_points", sa.Integer))
    for slug, points in BIRTHDAY_DEFAULTS.items():
        op.execute(tier.update().where(tier.c.slug == slug).values(birthday_points=points))

    # The earning rule birthday points are paid under (the amount comes from the tier).
    rule = sa.table(
        "points_rule",
        sa.column("key", sa.String),
        sa.column("points", sa.Integer),
        sa.column("daily_cap", sa.Integer),
        sa.column("is_active", sa.Boolean),
        sa.column("sort", sa.Integer),
    )
    op.bulk_insert(
        rule, [{"key": "birthday", "points": 0, "daily_cap": None, "is_active": True, "sort": 110}]
    )


def downgrade():
    op.execute("DELETE FROM points_rule WHERE key = 'birthday'")
    op.drop_index("ix_user_account_birthday", table_name="user_account")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE campaign DROP COLUMN min_tier_id")
        op.execute("ALTER TABLE tier DROP COLUMN birthday_points")
    else:
        op.drop_column("campaign", "min_tier_id")
        op.drop_constraint(op.f("ck_tier_birthday_points_nonnegative"), "tier", type_="check")
        op.drop_column("tier", "birthday_points")
