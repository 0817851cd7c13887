"""The audit log: who did, or was refused, what to which resource, and when.

`record_event` writes inside the caller's transaction, like every service. `record_apart`
writes in a transaction of its own, for events that must outlive a request that fails: a
permission denial is recorded even though the request it refuses is rolled back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from proficio.lrs.timestamps import iso_from_us
from proficio.storage import audit as store


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    FAILED = "failed"  # e.g. a sign-in with a wrong password
    SUCCEEDED = "succeeded"  # e.g. an import


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: str
    actor: str
    action: str
    resource: str
    outcome: str
    detail: dict[str, Any]


def now_iso() -> str:
    """Now, in ISO 8601 UTC with microseconds (sortable as text)."""
    return iso_from_us(time.time_ns() // 1000)


def record_event(
    conn: Connection,
    *,
    actor: str,
    action: str,
    resource: str,
    outcome: Outcome,
    detail: dict[str, Any] | None = None,
) -> None:
    store.insert_event(
        conn,
        at=now_iso(),
        actor=actor,
        action=action,
        resource=resource,
        outcome=outcome.value,
        detail=orjson.dumps(detail or {}).decode(),
    )


def record_apart(
    engine: Engine,
    *,
    actor: str,
    action: str,
    resource: str,
    outcome: Outcome,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record an event in its own transaction, committed whatever the caller's becomes.

    On SQLite, call it outside a write transaction of the same process (which would hold the
    lock this one waits for): check permissions before writing.
    """
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            record_event(
                conn, actor=actor, action=action, resource=resource, outcome=outcome, detail=detail
            )


def list_events(
    conn: Connection,
    *,
    action: str | None = None,
    outcome: Outcome | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """The latest events first."""
    rows = store.select_events(
        conn, action=action, outcome=outcome.value if outcome else None, limit=limit
    )
    return [
        AuditEvent(
            id=r.id,
            at=r.at,
            actor=r.actor,
            action=r.action,
            resource=r.resource,
            outcome=r.outcome,
            detail=orjson.loads(r.detail),
        )
        for r in rows
    ]
