"""The one schema shared by SQLite and PostgreSQL. Alembic migrations create exactly this.

Statements are stored whole (`body`) and indexed through `statement_refs` and
`statement_refs_recent`: one row per (kind of reference, interned key, statement). Every
statement query filter is a lookup in the primary keys of those tables, so no filter scans the
statements themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    cast,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType


class JSONText(UserDefinedType[str]):
    """A JSON document passed around as text: TEXT on SQLite, JSONB on PostgreSQL.

    Statements are serialised once with orjson and read back as text, so neither database
    driver parses or re-serialises them.
    """

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "TEXT"

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return cast(bindvalue, self)

    def column_expression(self, colexpr: Any) -> ColumnElement[Any]:
        return cast(colexpr, Text)


@compiles(JSONText, "postgresql")
def _jsonb(type_: JSONText, compiler: Any, **kw: Any) -> str:
    return "JSONB"


# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid; PostgreSQL wants BIGINT.
Serial = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
    }
)

# Interned strings: IRIs of verbs and activities, agent identifiers, registrations.
lrs_keys = Table(
    "lrs_keys",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("value", Text, nullable=False, unique=True),
)

statements = Table(
    "statements",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("statement_id", String(36), nullable=False, unique=True),
    Column("stored_us", BigInteger, nullable=False, index=True),
    # When it happened (the statement's timestamp, else stored): timelines and time windows.
    Column("timestamp_us", BigInteger, nullable=True),
    Column("voided", Boolean, nullable=False, default=False),
    Column("is_voiding", Boolean, nullable=False, default=False),
    Column("target_id", String(36), nullable=True),
    Column("body", JSONText, nullable=False),
    Index(
        "ix_statements_target_id",
        "target_id",
        sqlite_where=Column("target_id").isnot(None),
        postgresql_where=Column("target_id").isnot(None),
    ),
)


def _refs_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("kind", SmallInteger, primary_key=True),
        Column("key_id", BigInteger, primary_key=True),
        Column("seq", BigInteger, primary_key=True),
        sqlite_with_rowid=False,
    )


statement_refs = _refs_table("statement_refs")
# New statements' references, until enough of them move into `statement_refs` at once
# (`storage.statements.fold_recent_refs`): a reference is in exactly one of the two tables.
statement_refs_recent = _refs_table("statement_refs_recent")
REF_TABLES = (statement_refs, statement_refs_recent)
REF_TABLE_NAMES = tuple(table.name for table in REF_TABLES)

credentials = Table(
    "credentials",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False),
    Column("name", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("authority", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40), nullable=True),
)

# State, Activity Profile and Agent Profile documents (xAPI 1.0.3 Part Three 2.2-2.7). Parts a
# resource does not use are '' (not NULL), so the unique key also holds for them.
documents = Table(
    "documents",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("kind", SmallInteger, nullable=False),
    Column("activity_id", Text, nullable=False),
    Column("agent_key", Text, nullable=False),
    Column("registration", String(36), nullable=False),
    Column("document_id", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("contents", LargeBinary, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    UniqueConstraint(
        "kind", "activity_id", "agent_key", "registration", "document_id", name="uq_documents_key"
    ),
)

# The canonical definition of each activity, merged from the statements that carried one
# (xAPI 1.0.3 Part Three 2.5), for the Activities resource.
activities = Table(
    "activities",
    metadata,
    Column("activity_id", Text, primary_key=True),
    Column("definition", JSONText, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
)

# Attachment bodies, stored once per SHA-2 (xAPI 1.0.3 Part Two 2.4.11).
attachments = Table(
    "attachments",
    metadata,
    Column("sha2", String(128), primary_key=True),
    Column("content_type", Text, nullable=False),
    # NULL when the body lives in a directory or S3-compatible store (`length` bytes there).
    Column("contents", LargeBinary, nullable=True),
    Column("length", BigInteger, nullable=True),
)


# The people Proficio tracks, as the HRIS roster says (`proficio.people`). `person_id` is the
# HRIS's own stable id; a manager is named by theirs, so a roster loads in any row order.
people = Table(
    "people",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("person_id", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=True),
    Column("department", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("location", Text, nullable=True),
    Column("manager_id", Text, nullable=True, index=True),
    Column("hire_date", String(10), nullable=False),
    # "active", "left", "merged" (into `merged_into`) or "unlisted" (known only by identifiers)
    Column("status", String(16), nullable=False),
    Column("left_on", String(10), nullable=True),
    Column("updated_us", BigInteger, nullable=False),
    Column("merged_into", Text, nullable=True),
)

# Which person each xAPI agent identifier is (`proficio.people.identities`). `identifier` is the
# agent's IFI exactly as `lrs.agents.ifi_key` writes it, so it joins to `lrs_keys.value`; being
# the primary key, an identifier belongs to at most one person.
person_identities = Table(
    "person_identities",
    metadata,
    Column("identifier", Text, primary_key=True),
    Column("kind", String(16), nullable=False),  # mbox | mbox_sha1sum | openid | account
    Column("person_id", Text, nullable=False, index=True),
    # roster | rule:email | rule:account | manual | merge | split
    Column("linked_how", String(16), nullable=False),
    Column("linked_by", Text, nullable=False),
    Column("linked_at", String(40), nullable=False),
)

# Every merge, split and manual link of identities: who did it, when, why.
identity_events = Table(
    "identity_events",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # merge | split | link
    Column("from_person", Text, nullable=True),
    Column("to_person", Text, nullable=False),
    Column("identifiers", JSONText, nullable=False),
    Column("by", Text, nullable=False),
    Column("at", String(40), nullable=False),
    Column("reason", Text, nullable=False),
)

# A named run of a program (`proficio.people.cohorts`): dates, due dates, target roles.
cohorts = Table(
    "cohorts",
    metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("program", Text, nullable=False, index=True),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),
    Column("due_dates", JSONText, nullable=False),  # [{"name", "date"}]
    Column("target_roles", JSONText, nullable=False),  # ["Operations Analyst", ...]
    Column("status", String(16), nullable=False),  # "active" or "closed"
    Column("updated_us", BigInteger, nullable=False),
)

# A person removed from a cohort keeps their row, with status "removed".
cohort_members = Table(
    "cohort_members",
    metadata,
    Column("cohort_id", Text, primary_key=True),
    Column("person_id", Text, primary_key=True, index=True),
    Column("enrolled_on", String(10), nullable=False),
    Column("status", String(16), nullable=False),  # "enrolled" or "removed"
)

# Sensitive attributes for equity audits, given with consent. Kept apart: no query of the
# directory joins this table; only `storage.sensitive` reads it.
person_sensitive = Table(
    "person_sensitive",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("attribute", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("consent_recorded_on", String(10), nullable=False),
    Column("source", Text, nullable=False),
    Column("imported_at", String(40), nullable=False),
)


# Who may sign in (`proficio.auth`). `email` is the login, stored lower-case; `person_id` links
# the account to the directory (NULL for administrators who are not tracked people). Only an
# argon2 hash of the password is kept.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("email", Text, nullable=False, unique=True),
    Column("person_id", Text, ForeignKey("people.person_id"), nullable=True, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("disabled_at", String(32), nullable=True),
)

# An account's roles (several allowed) and its explicit grants (`people:read_sensitive`), which
# no role implies.
account_roles = Table(
    "account_roles",
    metadata,
    Column("account_id", BigInteger, ForeignKey("accounts.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

account_grants = Table(
    "account_grants",
    metadata,
    Column("account_id", BigInteger, ForeignKey("accounts.id"), primary_key=True),
    Column("action", String(64), primary_key=True),
)

# Sign-in sessions and API tokens keep only a SHA-256 of their random secret. Times are ISO 8601
# UTC with microseconds, so they compare as text.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("account_id", BigInteger, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=True),
    Column("revoked_at", String(32), nullable=True),
)

# The audit log: who did (or was refused) what to which resource, and when. `actor` and
# `resource` are labels such as "account:12" and "person:E42"; `detail` is a JSON object.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False, index=True),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("resource", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", JSONText, nullable=False),
)


# Competency frameworks (`proficio.progress.frameworks`), stored as their checked documents.
frameworks = Table(
    "frameworks",
    metadata,
    Column("framework_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("document", JSONText, nullable=False),
    Column("loaded_at", String(32), nullable=False),
    Column("loaded_by", Text, nullable=False),
)

# Which competencies and target levels each role or cohort must reach, by when.
progress_plans = Table(
    "progress_plans",
    metadata,
    Column("plan_id", Text, primary_key=True),
    Column("document", JSONText, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

# The facts of each statement that evidence rules match (`proficio.progress.evidence`), one
# row per person the actor stands for, by the actor's IFI (`person_identities.identifier`):
# whoever holds the identifier owns the evidence, so merges and splits rewrite nothing.
progress_evidence = Table(
    "progress_evidence",
    metadata,
    # In statement order (`seq`): evidence lands at the end of the table as statements arrive.
    # A person's evidence is found through the statements' actor refs, not an index here.
    Column("seq", BigInteger, primary_key=True),
    Column("actor_key", Text, primary_key=True),
    Column("statement_id", String(36), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("facts", Text, nullable=False),
    sqlite_with_rowid=False,
)

# Each person's level per competency now (what proved it is worked out when asked).
progress_levels = Table(
    "progress_levels",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("framework_id", Text, primary_key=True),
    Column("competency_id", Text, primary_key=True),
    Column("level", SmallInteger, nullable=False),
    Column("since_us", BigInteger, nullable=True),
    Column("last_evidence_us", BigInteger, nullable=True),
    # The level when the person's latest cohort started (NULL: in no cohort).
    Column("baseline_level", SmallInteger, nullable=True),
    Column("regressed", Boolean, nullable=False),
)

# Every level change, in the time the evidence happened: what changed it ("evidence", with the
# statements, or "aged-out" of a rule's window) and, on a re-engagement, the gap before it.
progress_changes = Table(
    "progress_changes",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("framework_id", Text, primary_key=True),
    Column("competency_id", Text, primary_key=True),
    Column("at_us", BigInteger, primary_key=True),
    Column("from_level", SmallInteger, nullable=False),
    Column("to_level", SmallInteger, nullable=False),
    Column("cause", String(16), nullable=False),
    Column("statement_ids", Text, nullable=False),
    Column("gap_days", Integer, nullable=True),
)


# Each person's progress in a framework packed into one row for group views
# (`proficio.progress.packing`): levels, baselines, regressions, days to each level.
progress_summaries = Table(
    "progress_summaries",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("framework_id", Text, primary_key=True),
    Column("signature", String(16), nullable=False),
    Column("levels", Text, nullable=False),
    Column("baselines", Text, nullable=False),
    Column("regressed", Text, nullable=False),
    Column("reached", Text, nullable=False),
    Column("changed_us", BigInteger, nullable=True),  # the latest level change, any competency
)


# When each person's levels were judged, and when they may next change without new evidence
# (evidence leaving a window); the engine looks again then.
progress_people = Table(
    "progress_people",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("evaluated_us", BigInteger, nullable=False),
    Column("next_check_us", BigInteger, nullable=True, index=True),
    # What the judgement left for the next one (`progress.tallies`); NULL: nothing usable.
    Column("tally", Text, nullable=True),
)

# People whose evidence changed (statements stored or voided, identities linked, merged or
# split) and whose levels the engine must judge again.
progress_queue = Table(
    "progress_queue",
    metadata,
    Column("person_id", Text, primary_key=True),
    Column("queued_us", BigInteger, nullable=False),  # when first queued: the order
    # The earliest moment whose evidence changed; NULL: judge the whole history again.
    Column("since_us", BigInteger, nullable=True),
    # When last queued: a judge removes the row only if it is still the one it read.
    Column("rev", BigInteger, nullable=False),
    # The smallest `seq` of the evidence added since queued; NULL with `since_us`, or when
    # queued for another reason than new evidence.
    Column("since_seq", BigInteger, nullable=True),
)
