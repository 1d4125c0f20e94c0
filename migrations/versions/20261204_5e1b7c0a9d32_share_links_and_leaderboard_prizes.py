"""share links (visits, share_visit rule) and leaderboard prizes

Revision ID: 5e1b7c0a9d32
Revises: 57cbe484489a
Create Date: 2026-12-04 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1b7c0a9d32'
down_revision = '57cbe484489a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('share_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sharer_id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.String(length=32), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sharer_id'], ['user_account.id'], name=op.f('fk_share_visit_sharer_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_visit')),
    sa.UniqueConstraint('sharer_id', 'visitor_id', name=op.f('uq_share_visit_sharer_id_visitor_id'))
    )
    with op.batch_alter_table('share_visit', schema=None) as batch_op:
        batch_op.create_index('ix_share_visit_sharer_day', ['sharer_id', 'day'], unique=False)

    op.create_table('leaderboard_prize',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('rank_from', sa.Integer(), nullable=False),
    sa.Column('rank_to', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scope IN ('site', 'circle', 'campaign')", name=op.f('ck_leaderboard_prize_scope')),
    sa.CheckConstraint("metric IN ('points', 'checkins', 'likes', 'invites')", name=op.f('ck_leaderboard_prize_metric')),
    sa.CheckConstraint("period = 'week'", name=op.f('ck_leaderboard_prize_period')),
    sa.CheckConstraint('rank_from >= 1 AND rank_to >= rank_from AND rank_to <= 50', name=op.f('ck_leaderboard_prize_ranks')),
    sa.CheckConstraint("kind IN ('points', 'item')", name=op.f('ck_leaderboard_prize_kind')),
    sa.CheckConstraint("(kind = 'points' AND amount > 0) OR (kind = 'item' AND item_id IS NOT NULL)", name=op.f('ck_leaderboard_prize_reward')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_leaderboard_prize_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['store_item.id'], name=op.f('fk_leaderboard_prize_item_id_store_item'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaderboard_prize'))
    )
    with op.batch_alter_table('leaderboard_prize', schema=None) as batch_op:
        batch_op.create_index('ix_leaderboard_prize_scope', ['scope', 'scope_id', 'is_active', 'rank_from'], unique=False)

    op.create_table('leaderboard_prize_payout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prize_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('paid', 'unavailable')", name=op.f('ck_leaderboard_prize_payout_status')),
    sa.ForeignKeyConstraint(['order_id'], ['store_order.id'], name=op.f('fk_leaderboard_prize_payout_order_id_store_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['prize_id'], ['leaderboard_prize.id'], name=op.f('fk_leaderboard_prize_payout_prize_id_leaderboard_prize'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_leaderboard_prize_payout_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaderboard_prize_payout')),
    sa.UniqueConstraint('prize_id', 'week', 'user_id', name=op.f('uq_leaderboard_prize_payout_prize_id_week_user_id'))
    )
    with op.batch_alter_table('leaderboard_prize_payout', schema=None) as batch_op:
        batch_op.create_index('ix_leaderboard_prize_payout_scope', ['scope', 'scope_id', 'week', 'rank', 'id'], unique=False)

    # The share-visit earning rule (SPEC section 4: an earn, tier multiplier applies):
    # 2 points a new visitor, at most 5 paid visits a day; admins edit it in /admin/rules.
    rule = sa.table(
        'points_rule',
        sa.column('key', sa.String), sa.column('points', sa.Integer), sa.column('daily_cap', sa.Integer),
        sa.column('is_active', sa.Boolean), sa.column('sort', sa.Integer),
    )
    op.bulk_insert(rule, [{'key': 'share_visit', 'points': 2, 'daily_cap': 5, 'is_active': True, 'sort': 85}])


def downgrade():
    op.execute("DELETE FROM points_rule WHERE key = 'share_visit'")
    with op.batch_alter_table('leaderboard_prize_payout', schema=None) as batch_op:
        batch_op.drop_index('ix_leaderboard_prize_payout_scope')

    op.drop_table('leaderboard_prize_payout')
    with op.batch_alter_table('leaderboard_prize', schema=None) as batch_op:
        batch_op.drop_index('ix_leaderboard_prize_scope')

    op.drop_table('leaderboard_prize')
    with op.batch_alter_table('share_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_share_visit_sharer_day')

    op.drop_table('share_visit')
