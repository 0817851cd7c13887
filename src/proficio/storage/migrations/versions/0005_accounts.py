"""Accounts, roles and grants, sign-in sessions, API tokens, and the audit log.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from proficio.storage.schema import JSONText, Serial

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _account_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["account_id"], ["accounts.id"])


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", Serial, autoincrement=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("person_id", sa.Text, nullable=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("disabled_at", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("email", name="uq_accounts_email"),
        sa.UniqueConstraint("person_id", name="uq_accounts_person_id"),
        sa.ForeignKeyConstraint(["person_id"], ["people.person_id"], name="fk_accounts_person_id"),
    )
    op.create_table(
        "account_roles",
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "role", name="pk_account_roles"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_account_roles_account_id"
        ),
    )
    op.create_table(
        "account_grants",
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "action", name="pk_account_grants"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_account_grants_account_id"
        ),
    )
    for table in ("sessions", "api_tokens"):
        secret_columns = (
            [sa.Column("csrf_token", sa.String(64), nullable=False)]
            if table == "sessions"
            else [sa.Column("name", sa.Text, nullable=False)]
        )
        op.create_table(
            table,
            sa.Column("id", Serial, autoincrement=True),
            sa.Column("token_hash", sa.String(64), nullable=False),
            sa.Column("account_id", sa.BigInteger, nullable=False),
            *secret_columns,
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("expires_at", sa.String(32), nullable=table == "api_tokens"),
            sa.Column("revoked_at", sa.String(32), nullable=True),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("token_hash", name=f"uq_{table}_token_hash"),
            sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=f"fk_{table}_account_id"),
        )
        op.create_index(f"ix_{table}_account_id", table, ["account_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", Serial, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", JSONText, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
    for table in ("api_tokens", "sessions"):
        op.drop_index(f"ix_{table}_account_id", table_name=table)
        op.drop_table(table)
    op.drop_table("account_grants")
    op.drop_table("account_roles")
    op.drop_table("accounts")
