"""Identity resolution (which person each xAPI agent identifier is, merges and splits),
cohorts and their members, and sensitive attributes kept apart from the directory.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from proficio.storage.schema import JSONText, Serial

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch rebuild: other tables (accounts) reference people.
    op.add_column("people", sa.Column("merged_into", sa.Text, nullable=True))
    op.create_table(
        "person_identities",
        sa.Column("identifier", sa.Text),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("linked_how", sa.String(16), nullable=False),
        sa.Column("linked_by", sa.Text, nullable=False),
        sa.Column("linked_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("identifier", name="pk_person_identities"),
    )
    op.create_index("ix_person_identities_person_id", "person_identities", ["person_id"])
    op.create_table(
        "identity_events",
        sa.Column("id", Serial, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_person", sa.Text, nullable=True),
        sa.Column("to_person", sa.Text, nullable=False),
        sa.Column("identifiers", JSONText, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identity_events"),
    )
    op.create_table(
        "cohorts",
        sa.Column("cohort_id", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("program", sa.Text, nullable=False),
        sa.Column("start_date", sa.String(10), nullable=False),
        sa.Column("end_date", sa.String(10), nullable=False),
        sa.Column("due_dates", JSONText, nullable=False),
        sa.Column("target_roles", JSONText, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", name="pk_cohorts"),
    )
    op.create_index("ix_cohorts_program", "cohorts", ["program"])
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.Text),
        sa.Column("person_id", sa.Text),
        sa.Column("enrolled_on", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "person_id", name="pk_cohort_members"),
    )
    op.create_index("ix_cohort_members_person_id", "cohort_members", ["person_id"])
    op.create_table(
        "person_sensitive",
        sa.Column("person_id", sa.Text),
        sa.Column("attribute", sa.Text),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("consent_recorded_on", sa.String(10), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "attribute", name="pk_person_sensitive"),
    )


def downgrade() -> None:
    op.drop_table("person_sensitive")
    op.drop_index("ix_cohort_members_person_id", table_name="cohort_members")
    op.drop_table("cohort_members")
    op.drop_index("ix_cohorts_program", table_name="cohorts")
    op.drop_table("cohorts")
    op.drop_table("identity_events")
    op.drop_index("ix_person_identities_person_id", table_name="person_identities")
    op.drop_table("person_identities")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("merged_into")
