"""bundle requests (one application for a life event) and the items' department, bundle and own facts

Revision ID: b5d1e7a3c9f2
Revises: 1f2ab3d65253
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b5d1e7a3c9f2'
down_revision: str | None = '1f2ab3d65253'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bundle_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_no', sa.String(length=24), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=128), nullable=True),
    sa.Column('life_event_id', sa.String(length=64), nullable=False),
    sa.Column('event_title', sa.String(length=200), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slots.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('tracking_no')
    )
    for column in ('created_at', 'life_event_id', 'session_id', 'slot_id'):
        op.create_index(op.f(f'ix_bundle_requests_{column}'), 'bundle_requests', [column], unique=False)
    # Plain ALTER TABLE … ADD COLUMN, not batch mode: batch mode copies the table and drops the original, and with
    # foreign keys on, SQLite's DROP TABLE cascades to the status history and the ratings.
    op.add_column('service_requests', sa.Column('department', sa.String(length=50), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in one statement, but alembic would add the constraint apart.
        op.execute(
            'ALTER TABLE service_requests ADD COLUMN bundle_id INTEGER '
            'REFERENCES bundle_requests (id)'
        )
    else:
        op.add_column('service_requests', sa.Column('bundle_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            'fk_service_requests_bundle_id', 'service_requests', 'bundle_requests', ['bundle_id'], ['id']
        )
    op.add_column('service_requests', sa.Column('facts', sa.JSON(none_as_null=True), nullable=True))
    op.create_index(op.f('ix_service_requests_bundle_id'), 'service_requests', ['bundle_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_service_requests_bundle_id'), table_name='service_requests')
    op.drop_column('service_requests', 'facts')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_service_requests_bundle_id', 'service_requests', type_='foreignkey')
    op.drop_column('service_requests', 'bundle_id')
    op.drop_column('service_requests', 'department')
    for column in ('slot_id', 'session_id', 'life_event_id', 'created_at'):
        op.drop_index(op.f(f'ix_bundle_requests_{column}'), table_name='bundle_requests')
    op.drop_table('bundle_requests')
