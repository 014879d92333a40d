"""service requests: anonymised_at (retention of the applicant's personal data)

Revision ID: 1f2ab3d65253
Revises: 2decf9fdcb1f
Create Date: 2026-11-27 02:15:17.080225
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1f2ab3d65253'
down_revision: str | None = '2decf9fdcb1f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('service_requests', sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: batch mode copies the table and drops the
    # original, and with foreign keys on, SQLite's DROP TABLE cascades to the status history and the ratings.
    op.drop_column('service_requests', 'anonymised_at')
