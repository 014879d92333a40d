"""subscribe grants and messages

Revision ID: 4b8e2f61c0d7
Revises:
Create Date: 2026-12-03 09:02:42.718439
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '4b8e2f61c0d7'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('notifications',)
depends_on: str | Sequence[str] | None = '1f2ab3d65253'


def upgrade() -> None:
    op.create_table('subscribe_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('template_id', sa.String(length=128), nullable=False),
    sa.Column('openid', sa.String(length=128), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscribe_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscribe_grants_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_subscribe_grants_unused', ['kind', 'used_at'], unique=False)

    op.create_table('subscribe_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('subscribe_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscribe_messages_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('subscribe_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribe_messages_request_id'))

    op.drop_table('subscribe_messages')
    with op.batch_alter_table('subscribe_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_subscribe_grants_unused')
        batch_op.drop_index(batch_op.f('ix_subscribe_grants_request_id'))

    op.drop_table('subscribe_grants')
