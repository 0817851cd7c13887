"""Statements, their reference index, interned keys and credentials.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from proficio.storage.schema import JSONText, Serial

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_keys",
        sa.Column("id", Serial, primary_key=True, autoincrement=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lrs_keys"),
        sa.UniqueConstraint("value", name="uq_lrs_keys_value"),
    )
    op.create_table(
        "statements",
        sa.Column("seq", Serial, autoincrement=True),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("stored_us", sa.BigInteger, nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False),
        sa.Column("is_voiding", sa.Boolean, nullable=False),
        sa.Column("target_id", sa.String(36), nullable=True),
        sa.Column("body", JSONText, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_statements"),
        sa.UniqueConstraint("statement_id", name="uq_statements_statement_id"),
    )
    op.create_index("ix_statements_stored_us", "statements", ["stored_us"])
    op.create_index(
        "ix_statements_target_id",
        "statements",
        ["target_id"],
        sqlite_where=sa.text("target_id IS NOT NULL"),
        postgresql_where=sa.text("target_id IS NOT NULL"),
    )
    op.create_table(
        "statement_refs",
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("key_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("kind", "key_id", "seq", name="pk_statement_refs"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "credentials",
        sa.Column("id", Serial, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("authority", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_credentials"),
        sa.UniqueConstraint("key", name="uq_credentials_key"),
    )


def downgrade() -> None:
    op.drop_table("credentials")
    op.drop_table("statement_refs")
    op.drop_table("statements")
    op.drop_table("lrs_keys")
