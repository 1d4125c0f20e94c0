"""site settings (name, tagline, logo) and the coupon pool's list index

Revision ID: a6809fbf2ee1
Revises: a7e3c91f5d20
Create Date: 2026-12-04 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6809fbf2ee1'
down_revision = 'a7e3c91f5d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_setting',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_site_setting_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_setting'))
    )
    with op.batch_alter_table('coupon_code', schema=None) as batch_op:
        batch_op.create_index('ix_coupon_code_item', ['item_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('coupon_code', schema=None) as batch_op:
        batch_op.drop_index('ix_coupon_code_item')

    op.drop_table('site_setting')
