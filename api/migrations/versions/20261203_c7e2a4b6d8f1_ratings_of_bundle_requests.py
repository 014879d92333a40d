"""ratings of bundle requests (the whole of a life event's application)

Revision ID: c7e2a4b6d8f1
Revises: 1cc929071020
Create Date: 2026-12-03 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c7e2a4b6d8f1'
down_revision: str | None = '1cc929071020'
branch_labels: str | Sequence[str] | None = None
# bundle_requests is created on the service_requests branch.
depends_on: str | Sequence[str] | None = 'b5d1e7a3c9f2'

OLD_TARGET = '(conversation_id IS NULL) <> (request_id IS NULL)'
ONE_TARGET = (
    "(CASE WHEN conversation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN request_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN bundle_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    # Batch mode copies ratings on SQLite; no table references ratings, so dropping the old copy cascades nowhere.
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundle_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_ratings_bundle_id', 'bundle_requests', ['bundle_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_unique_constraint('uq_ratings_bundle_id', ['bundle_id'])
        batch_op.drop_constraint('ck_ratings_one_target', type_='check')
        batch_op.create_check_constraint('ck_ratings_one_target', ONE_TARGET)


def downgrade() -> None:
    op.execute('DELETE FROM ratings WHERE bundle_id IS NOT NULL')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_constraint('ck_ratings_one_target', type_='check')
        batch_op.create_check_constraint('ck_ratings_one_target', OLD_TARGET)
        batch_op.drop_constraint('uq_ratings_bundle_id', type_='unique')
        batch_op.drop_constraint('fk_ratings_bundle_id', type_='foreignkey')
        batch_op.drop_column('bundle_id')
