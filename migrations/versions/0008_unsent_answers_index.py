"""a partial index on unsent answers for the grace-period sweeper

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_answers_unsent',
        'answers',
        ['asked_question_id'],
        unique=False,
        sqlite_where=sa.text('submitted_at IS NULL'),
        postgresql_where=sa.text('submitted_at IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_answers_unsent', table_name='answers')
