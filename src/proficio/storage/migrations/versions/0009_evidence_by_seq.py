"""Evidence rows name their statement by its `seq` too, indexed, in place of the index on
their statement id: statements arrive in `seq` order, so the new index only ever grows at its
end, where the old one took every new row at a random place (the cost is measured in
docs/performance.md). Joins from statements to their evidence go through `seq`.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        # SQLite cannot add a NOT NULL column without a default: the table is made again.
        op.create_table(
            "progress_evidence_new",
            sa.Column("actor_key", sa.Text),
            sa.Column("statement_id", sa.String(36)),
            sa.Column("at_us", sa.BigInteger, nullable=False),
            sa.Column("facts", sa.Text, nullable=False),
            sa.Column("seq", sa.BigInteger, nullable=False),
            sa.PrimaryKeyConstraint("actor_key", "statement_id", name="pk_progress_evidence"),
            sqlite_with_rowid=False,
        )
        conn.execute(
            sa.text(
                "INSERT INTO progress_evidence_new (actor_key, statement_id, at_us, facts, seq) "
                "SELECT e.actor_key, e.statement_id, e.at_us, e.facts, s.seq "
                "FROM progress_evidence e JOIN statements s ON s.statement_id = e.statement_id"
            )
        )
        op.drop_table("progress_evidence")
        op.rename_table("progress_evidence_new", "progress_evidence")
    else:
        op.add_column("progress_evidence", sa.Column("seq", sa.BigInteger, nullable=True))
        conn.execute(
            sa.text(
                "UPDATE progress_evidence e SET seq = s.seq FROM statements s "
                "WHERE s.statement_id = e.statement_id"
            )
        )
        conn.execute(sa.text("DELETE FROM progress_evidence WHERE seq IS NULL"))
        op.alter_column("progress_evidence", "seq", nullable=False)
        op.drop_index("ix_progress_evidence_statement_id", table_name="progress_evidence")
    op.create_index("ix_progress_evidence_seq", "progress_evidence", ["seq"])


def downgrade() -> None:
    op.drop_index("ix_progress_evidence_seq", table_name="progress_evidence")
    op.create_index("ix_progress_evidence_statement_id", "progress_evidence", ["statement_id"])
    op.drop_column("progress_evidence", "seq")
