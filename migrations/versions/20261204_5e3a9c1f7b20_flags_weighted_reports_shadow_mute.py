"""flags: weighted reports, report threshold, shadow-mute

Revision ID: 5e3a9c1f7b20
Revises: 5e1b7c0a9d32
Create Date: 2026-12-04 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e3a9c1f7b20'
down_revision = '5e1b7c0a9d32'
branch_labels = None
depends_on = None

# Tables whose rows are flagged when a shadow-muted member writes them.
SHADOWED = ['circle_membership', 'post', 'comment', 'checkin', 'checkin_comment']


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Native ADD COLUMNs (with their CHECKs): a batch rebuild would DROP TABLE post, and
        # with foreign keys on that cascades into its files, tags, comments and reports.
        op.execute('ALTER TABLE tier ADD COLUMN report_weight_pct INTEGER DEFAULT 100 NOT NULL')
        op.execute('ALTER TABLE circle ADD COLUMN report_threshold_pct INTEGER DEFAULT 300 NOT NULL')
        for table in SHADOWED:
            op.execute(f'ALTER TABLE {table} ADD COLUMN shadowed BOOLEAN DEFAULT 0 NOT NULL')
        op.execute(
            'ALTER TABLE post_report ADD COLUMN weight_pct INTEGER DEFAULT 100 NOT NULL '
            'CONSTRAINT ck_post_report_weight_pct CHECK (weight_pct >= 0)'
        )
        op.execute(
            'ALTER TABLE post_report ADD COLUMN outcome VARCHAR(10) '
            "CONSTRAINT ck_post_report_outcome CHECK (outcome IS NULL OR outcome IN ('upheld', 'dismissed'))"
        )
        op.execute('ALTER TABLE post_report ADD COLUMN resolved_at DATETIME')
    else:
        op.add_column('tier', sa.Column('report_weight_pct', sa.Integer(), server_default='100', nullable=False))
        op.add_column('circle', sa.Column('report_threshold_pct', sa.Integer(), server_default='300', nullable=False))
        for table in SHADOWED:
            op.add_column(table, sa.Column('shadowed', sa.Boolean(), server_default=sa.false(), nullable=False))
        op.add_column('post_report', sa.Column('weight_pct', sa.Integer(), server_default='100', nullable=False))
        op.add_column('post_report', sa.Column('outcome', sa.String(length=10), nullable=True))
        op.add_column('post_report', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        op.create_check_constraint(op.f('ck_post_report_weight_pct'), 'post_report', 'weight_pct >= 0')
        op.create_check_constraint(
            op.f('ck_post_report_outcome'), 'post_report', "outcome IS NULL OR outcome IN ('upheld', 'dismissed')"
        )
    op.create_index('ix_post_report_target', 'post_report', ['target_kind', 'target_id', 'status'], unique=False)

    # Reference data: a flag by a higher tier weighs more (普通 1.0, 高级 1.5, 尊享 2.0).
    tier = sa.table('tier', sa.column('slug', sa.String), sa.column('report_weight_pct', sa.Integer))
    for slug, weight in (('advanced', 150), ('premium', 200)):
        op.execute(tier.update().where(tier.c.slug == slug).values(report_weight_pct=weight))


def downgrade():
    op.drop_index('ix_post_report_target', table_name='post_report')
    if op.get_bind().dialect.name == 'sqlite':
        for column in ('resolved_at', 'outcome', 'weight_pct'):
            op.execute(f'ALTER TABLE post_report DROP COLUMN {column}')
        for table in SHADOWED:
            op.execute(f'ALTER TABLE {table} DROP COLUMN shadowed')
        op.execute('ALTER TABLE circle DROP COLUMN report_threshold_pct')
        op.execute('ALTER TABLE tier DROP COLUMN report_weight_pct')
    else:
        op.drop_constraint(op.f('ck_post_report_outcome'), 'post_report', type_='check')
        op.drop_constraint(op.f('ck_post_report_weight_pct'), 'post_report', type_='check')
        for column in ('resolved_at', 'outcome', 'weight_pct'):
            op.drop_column('post_report', column)
        for table in SHADOWED:
            op.drop_column(table, 'shadowed')
        op.drop_column('circle', 'report_threshold_pct')
        op.drop_column('tier', 'report_weight_pct')
