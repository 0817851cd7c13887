"""The progress engine: frameworks, plans, evidence, levels, their history, and the queue of
people to judge again. Evidence is extracted from the statements already stored, and every
person who has any is queued, so their levels appear once Proficio runs.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

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
            facts = _facts(statement).decode()
            evidence += [
                {"k": key, "s": statement["id"], "t": at_us, "f": facts}
                for key in _owners(statement["actor"])
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


# The evidence format of this revision, frozen here (`proficio.progress.evidence` may change;
# a later revision that changes it extracts again).


def _ifi(agent: dict[str, Any]) -> str | None:
    if "mbox" in agent:
        return "mbox:" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    account = agent.get("account")
    return f"account:{account['homePage']}|{account['name']}" if account else None


def _owners(actor: dict[str, Any]) -> list[str]:
    people = actor.get("member", ()) if actor.get("objectType") == "Group" else (actor,)
    return [key for key in map(_ifi, people) if key is not None]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _facts(statement: dict[str, Any]) -> bytes:
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    result = statement.get("result") or {}
    score = result.get("score") or {}
    extensions = {
        key: value
        for key, value in (statement.get("context") or {}).get("extensions", {}).items()
        if not key.endswith("/extensions/context/source")
    }
    extensions.update(result.get("extensions") or {})
    activity = kind == "Activity"
    return orjson.dumps(
        [
            statement["verb"]["id"],
            target["id"] if activity else None,
            (target.get("definition") or {}).get("type") if activity else None,
            _ifi(target) if kind in ("Agent", "Group") else None,
            result.get("success"),
            result.get("completion"),
            _number(score.get("scaled")),
            _number(score.get("raw")),
            extensions,
        ]
    )
