"""drill messages remember what they show; round turns remember how they ended

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('shown', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('round_turns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('answer_parts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('score_message_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('round_turns', schema=None) as batch_op:
        batch_op.drop_column('score_message_id')
        batch_op.drop_column('answer_parts')
        batch_op.drop_column('outcome')
    with op.batch_alter_table('reminder_deliveries', schema=None) as batch_op:
        batch_op.drop_column('until')
        batch_op.drop_column('shown')
        batch_op.drop_column('text')
        batch_op.drop_column('message_id')
