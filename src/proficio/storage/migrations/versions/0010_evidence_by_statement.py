"""Evidence rows are kept in their statements' order: the primary key becomes (seq, actor_key)
and the table loses its other index. A statement's evidence then lands at the end of the
table, where the old key (actor, statement) put it on a random page of a large table: with
many learners, one more page written to the WAL for nearly every statement (the cost is
measured in docs/performance.md). A person's evidence is found through the actor index that
every statement writes anyway (`statement_refs`).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COLUMNS = "seq, actor_key, statement_id, at_us, facts"


def _move_aside() -> None:
    """Rename the table and free its constraint and index names (global on PostgreSQL)."""
    op.drop_index("ix_progress_evidence_seq", table_name="progress_evidence", if_exists=True)
    op.rename_table("progress_evidence", "progress_evidence_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE progress_evidence_old "
            "RENAME CONSTRAINT pk_progress_evidence TO pk_progress_evidence_old"
        )


def _rewrite(*primary_key: str) -> None:
    """The table again with this primary key, its rows copied over in that order."""
    _move_aside()
    op.create_table(
        "progress_evidence",
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("actor_key", sa.Text, nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint(*primary_key, name="pk_progress_evidence"),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO progress_evidence ({_COLUMNS}) SELECT {_COLUMNS} "
        f"FROM progress_evidence_old ORDER BY {', '.join(primary_key)}"
    )
    op.drop_table("progress_evidence_old")


def upgrade() -> None:
    _rewrite("seq", "actor_key")


def downgrade() -> None:
    _rewrite("actor_key", "statement_id")
    op.create_index("ix_progress_evidence_seq", "progress_evidence", ["seq"])
