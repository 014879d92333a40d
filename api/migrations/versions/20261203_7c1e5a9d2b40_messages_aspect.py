"""messages: aspect (what a turn's question asked about; govchat.turn.TurnFacts)

Revision ID: 7c1e5a9d2b40
Revises: ccb7ba382440
Create Date: 2026-12-03 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c1e5a9d2b40'
down_revision: str | None = 'ccb7ba382440'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('messages', sa.Column('aspect', sa.String(length=32), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode, as in the other migrations.
    op.drop_column('messages', 'aspect')
