"""safety: member blocks, the sensitive-word list, comments held for review

Revision ID: 57cbe484489a
Revises: a6809fbf2ee1
Create Date: 2026-12-04 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '57cbe484489a'
down_revision = 'a6809fbf2ee1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_block',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('blocker_id <> blocked_id', name=op.f('ck_user_block_not_self')),
    sa.ForeignKeyConstraint(['blocked_id'], ['user_account.id'], name=op.f('fk_user_block_blocked_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['user_account.id'], name=op.f('fk_user_block_blocker_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_user_block'))
    )
    with op.batch_alter_table('user_block', schema=None) as batch_op:
        batch_op.create_index('ix_user_block_blocked', ['blocked_id'], unique=False)

    op.create_table('sensitive_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_sensitive_word_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensitive_word')),
    sa.UniqueConstraint('word', name=op.f('uq_sensitive_word_word'))
    )
    state = op.create_table('sensitive_word_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensitive_word_state'))
    )
    op.bulk_insert(state, [{'id': 1, 'version': 1}])

    # Plain ADD COLUMNs (no batch rebuild): rebuilding post, comment or checkin_comment on
    # SQLite would DROP the old table, and with foreign keys on that cascades into children.
    op.add_column('post', sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('post', sa.Column('flagged_word', sa.String(length=64), nullable=True))
    # Posts that went public before this column existed were published when created.
    op.execute("UPDATE post SET published_at = created_at WHERE status IN ('published', 'hidden')")

    op.add_column('comment', sa.Column('is_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('comment', sa.Column('flagged_word', sa.String(length=64), nullable=True))
    op.create_index('ix_comment_pending', 'comment', ['circle_id', 'is_pending', 'id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            "ALTER TABLE checkin_comment ADD COLUMN status VARCHAR(8) DEFAULT 'visible' NOT NULL "
            "CONSTRAINT ck_checkin_comment_status CHECK (status IN ('visible', 'pending', 'rejected'))"
        )
    else:
        op.add_column('checkin_comment', sa.Column('status', sa.String(length=8), server_default='visible', nullable=False))
        op.create_check_constraint(
            op.f('ck_checkin_comment_status'), 'checkin_comment', "status IN ('visible', 'pending', 'rejected')"
        )
    op.add_column('checkin_comment', sa.Column('flagged_word', sa.String(length=64), nullable=True))
    op.create_index('ix_checkin_comment_queue', 'checkin_comment', ['circle_id', 'status', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_checkin_comment_queue', table_name='checkin_comment')
    op.execute('ALTER TABLE checkin_comment DROP COLUMN flagged_word')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE checkin_comment DROP COLUMN status')
    else:
        op.drop_constraint(op.f('ck_checkin_comment_status'), 'checkin_comment', type_='check')
        op.drop_column('checkin_comment', 'status')

    op.drop_index('ix_comment_pending', table_name='comment')
    op.execute('ALTER TABLE comment DROP COLUMN flagged_word')
    op.execute('ALTER TABLE comment DROP COLUMN is_pending')
    op.execute('ALTER TABLE post DROP COLUMN flagged_word')
    op.execute('ALTER TABLE post DROP COLUMN published_at')

    op.drop_table('sensitive_word_state')
    op.drop_table('sensitive_word')
    with op.batch_alter_table('user_block', schema=None) as batch_op:
        batch_op.drop_index('ix_user_block_blocked')
    op.drop_table('user_block')
