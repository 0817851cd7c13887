"""Audit log rows. No rules here (`proficio.audit` decides what is recorded)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from proficio.storage.schema import audit_events


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    resource: str
    outcome: str
    detail: str  # a JSON object, as text


def insert_event(
    conn: Connection, *, at: str, actor: str, action: str, resource: str, outcome: str, detail: str
) -> None:
    conn.execute(
        insert(audit_events).values(
            at=at, actor=actor, action=action, resource=resource, outcome=outcome, detail=detail
        )
    )


def select_events(
    conn: Connection, *, action: str | None, outcome: str | None, limit: int
) -> list[AuditRow]:
    c = audit_events.c
    query = select(c.id, c.at, c.actor, c.action, c.resource, c.outcome, c.detail)
    if action is not None:
        query = query.where(c.action == action)
    if outcome is not None:
        query = query.where(c.outcome == outcome)
    rows = conn.execute(query.order_by(c.id.desc()).limit(limit))
    return [AuditRow(*row) for row in rows]
