"""The people directory, loaded from HRIS rosters.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from proficio.storage.schema import Serial

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", Serial, autoincrement=True),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=True),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=True),
        sa.Column("manager_id", sa.Text, nullable=True),
        sa.Column("hire_date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("left_on", sa.String(10), nullable=True),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("person_id", name="uq_people_person_id"),
    )
    op.create_index("ix_people_manager_id", "people", ["manager_id"])


def downgrade() -> None:
    op.drop_index("ix_people_manager_id", table_name="people")
    op.drop_table("people")
