"""The progress engine: frameworks, plans, evidence, levels, their history, and the queue of
people to judge again. Evidence is extracted from the statements already stored, and every
person who has any is queued, so their levels appear once Proficio runs.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import time

import orjson
import sqlalchemy as sa
from alembic import op

from proficio.progress.evidence import evidence_of, owners_of
from proficio.storage.schema import JSONText

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    op.create_table(
        "frameworks",
        sa.Column("framework_id", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("document", JSONText, nullable=False),
        sa.Column("loaded_at", sa.String(32), nullable=False),
        sa.Column("loaded_by", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("framework_id", name="pk_frameworks"),
    )
    op.create_table(
        "progress_plans",
        sa.Column("plan_id", sa.Text),
        sa.Column("document", JSONText, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_progress_plans"),
    )
    op.create_table(
        "progress_evidence",
        sa.Column("actor_key", sa.Text),
        sa.Column("statement_id", sa.String(36)),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("actor_key", "statement_id", name="pk_progress_evidence"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_progress_evidence_statement_id", "progress_evidence", ["statement_id"])
    op.create_table(
        "progress_levels",
        sa.Column("person_id", sa.Text),
        sa.Column("framework_id", sa.Text),
        sa.Column("competency_id", sa.Text),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("since_us", sa.BigInteger, nullable=True),
        sa.Column("last_evidence_us", sa.BigInteger, nullable=True),
        sa.Column("baseline_level", sa.SmallInteger, nullable=True),
        sa.Column("regressed", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint(
            "person_id", "framework_id", "competency_id", name="pk_progress_levels"
        ),
    )
    op.create_table(
        "progress_summaries",
        sa.Column("person_id", sa.Text),
        sa.Column("framework_id", sa.Text),
        sa.Column("signature", sa.String(16), nullable=False),
        sa.Column("levels", sa.Text, nullable=False),
        sa.Column("baselines", sa.Text, nullable=False),
        sa.Column("regressed", sa.Text, nullable=False),
        sa.Column("reached", sa.Text, nullable=False),
        sa.Column("changed_us", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("person_id", "framework_id", name="pk_progress_summaries"),
    )
    op.create_table(
        "progress_changes",
        sa.Column("person_id", sa.Text),
        sa.Column("framework_id", sa.Text),
        sa.Column("competency_id", sa.Text),
        sa.Column("at_us", sa.BigInteger),
        sa.Column("from_level", sa.SmallInteger, nullable=False),
        sa.Column("to_level", sa.SmallInteger, nullable=False),
        sa.Column("cause", sa.String(16), nullable=False),
        sa.Column("statement_ids", sa.Text, nullable=False),
        sa.Column("gap_days", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint(
            "person_id", "framework_id", "competency_id", "at_us", name="pk_progress_changes"
        ),
    )
    op.create_table(
        "progress_people",
        sa.Column("person_id", sa.Text),
        sa.Column("evaluated_us", sa.BigInteger, nullable=False),
        sa.Column("next_check_us", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("person_id", name="pk_progress_people"),
    )
    op.create_index("ix_progress_people_next_check_us", "progress_people", ["next_check_us"])
    op.create_table(
        "progress_queue",
        sa.Column("person_id", sa.Text),
        sa.Column("queued_us", sa.BigInteger, nullable=False),
        sa.Column("since_us", sa.BigInteger, nullable=True),
        sa.Column("rev", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_progress_queue"),
    )
    _extract_evidence(op.get_bind())


def _extract_evidence(conn: sa.Connection) -> None:
    body = "CAST(body AS TEXT)" if conn.dialect.name == "postgresql" else "body"
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                f"SELECT seq, {body}, timestamp_us FROM statements "
                "WHERE seq > :last AND NOT voided AND NOT is_voiding ORDER BY seq LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            break
        evidence = []
        for _, text, at_us in rows:
            statement = orjson.loads(text)
            e = evidence_of(statement, at_us=at_us)
            facts = e.facts_json().decode()
            evidence += [
                {"k": key, "s": e.statement_id, "t": at_us, "f": facts}
                for key in owners_of(statement)
            ]
        if evidence:
            conn.execute(
                sa.text(
                    "INSERT INTO progress_evidence (actor_key, statement_id, at_us, facts) "
                    "VALUES (:k, :s, :t, :f)"
                ),
                evidence,
            )
        last = rows[-1][0]
    conn.execute(
        sa.text(
            "INSERT INTO progress_queue (person_id, queued_us, rev) "
            "SELECT DISTINCT i.person_id, :now, :now FROM person_identities i "
            "JOIN progress_evidence e ON e.actor_key = i.identifier"
        ),
        {"now": int(time.time() * 1_000_000)},
    )
