"""messages: life_event (the life event whose checklist a turn showed; govchat.turn.TurnFacts)

Revision ID: 5e1a7c3b9d62
Revises: 3b8e0f4c6a21
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e1a7c3b9d62'
down_revision: str | None = '3b8e0f4c6a21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('messages', sa.Column('life_event', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_messages_life_event'), 'messages', ['life_event'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_messages_life_event'), table_name='messages')
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode, as in the other migrations.
    op.drop_column('messages', 'life_event')
