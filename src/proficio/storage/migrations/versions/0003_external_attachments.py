"""Attachment bodies may live outside the database (a directory or an S3-compatible bucket):
`contents` is then NULL and `length` says how many bytes the store holds.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.alter_column("contents", existing_type=sa.LargeBinary, nullable=True)
        batch.add_column(sa.Column("length", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("length")
        batch.alter_column("contents", existing_type=sa.LargeBinary, nullable=False)
