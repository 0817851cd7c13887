"""What a judgement leaves for the next (`progress.tallies`): each judged person's tally of
their counting facts, and, for people queued by new evidence, the smallest `seq` of it, so the
next judgement can read only the new evidence through the actor index.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("progress_people", sa.Column("tally", sa.Text, nullable=True))
    op.add_column("progress_queue", sa.Column("since_seq", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("progress_queue") as batch:
        batch.drop_column("since_seq")
    with op.batch_alter_table("progress_people") as batch:
        batch.drop_column("tally")
