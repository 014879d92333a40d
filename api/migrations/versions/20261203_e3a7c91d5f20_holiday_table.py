"""holidays: the holiday table (covered years, holidays and 调休 working weekends), seeded from the holidays file

Revision ID: e3a7c91d5f20
Revises:
Create Date: 2026-12-03 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from govchat.calendar import holidays_path, load_holiday_table
from govchat.settings import get_settings

revision: str = 'e3a7c91d5f20'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ('holidays',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    years = op.create_table(
        'holiday_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )
    days = op.create_table(
        'calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )
    # The table the deployment used before it lived here (GOVCHAT_HOLIDAYS_FILE, else the shipped sample), so an
    # upgrade keeps its working days; from now on admins keep it in the console.
    table = load_holiday_table(holidays_path(get_settings()))
    op.bulk_insert(years, [{'year': year} for year in sorted(table.years)])
    op.bulk_insert(
        days,
        [{'day': day, 'kind': 'holiday', 'name': ''} for day in sorted(table.holidays)]
        + [{'day': day, 'kind': 'workday', 'name': ''} for day in sorted(table.workdays)],
    )


def downgrade() -> None:
    op.drop_table('calendar_days')
    op.drop_table('holiday_years')
