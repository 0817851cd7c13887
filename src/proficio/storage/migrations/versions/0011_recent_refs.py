"""New statements' references land in a small table of their own, `statement_refs_recent`,
and move into `statement_refs` in key order once it holds `statements.FOLD_ROWS` rows.

Inserted one statement at a time, references to actors, activities and registrations each
land on a random page of the large index, and every such page is written whole at commit (the
cost is measured in docs/performance.md). The small table's pages are few and written again
and again; moving many references at once writes each page of the large index about once.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_refs_recent",
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("key_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("kind", "key_id", "seq", name="pk_statement_refs_recent"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.execute(
        "INSERT INTO statement_refs (kind, key_id, seq) "
        "SELECT kind, key_id, seq FROM statement_refs_recent WHERE true "
        "ON CONFLICT DO NOTHING"
    )
    op.drop_table("statement_refs_recent")
