"""Documents (State, Activity and Agent Profile), activity definitions, attachment bodies.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from proficio.storage.schema import JSONText, Serial

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", Serial, autoincrement=True),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("agent_key", sa.Text, nullable=False),
        sa.Column("registration", sa.String(36), nullable=False),
        sa.Column("document_id", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("contents", sa.LargeBinary, nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint(
            "kind",
            "activity_id",
            "agent_key",
            "registration",
            "document_id",
            name="uq_documents_key",
        ),
    )
    op.create_table(
        "activities",
        sa.Column("activity_id", sa.Text, nullable=False),
        sa.Column("definition", JSONText, nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name="pk_activities"),
    )
    op.create_table(
        "attachments",
        sa.Column("sha2", sa.String(128), nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("contents", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("sha2", name="pk_attachments"),
    )


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("activities")
    op.drop_table("documents")
