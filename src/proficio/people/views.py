"""What the people, team, cohort and timeline APIs return, each scoped by permission: a
manager sees their reporting line, a learner themself (`auth.permissions`). Reads only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson
from sqlalchemy import Connection

from proficio.auth.permissions import ORGANISATION, Action, Actor, Person, ensure_permission
from proficio.auth.permissions import visible_people as visible
from proficio.errors import NotFound
from proficio.lrs.agents import identity_keys
from proficio.lrs.refs import RefKind
from proficio.lrs.timestamps import iso_from_us
from proficio.people import cohorts as cohort_service
from proficio.people import identities
from proficio.people.directory import reporting_line
from proficio.storage import identities as identity_store
from proficio.storage import people as store
from proficio.storage import progress as progress_store
from proficio.storage import sensitive as sensitive_store
from proficio.storage import statements as statement_store


def _person(conn: Connection, person_id: str) -> dict[str, Any]:
    found = store.get_person(conn, person_id)
    if found is None:
        raise NotFound(f"no person with the id {person_id!r}", field="person_id")
    return found


def people_page(
    conn: Connection, *, actor: Actor, filters: dict[str, str], after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the people the actor may see, and the id to continue after (or None)."""
    among = visible(conn, actor, Action.PEOPLE_READ)
    found = store.find_people(
        conn,
        among=among,
        department=filters.get("department"),
        role=filters.get("role"),
        status=filters.get("status"),
        manager_id=filters.get("manager"),
        search=filters.get("q"),
        after=after,
        limit=limit + 1,
    )
    page = found[:limit]
    return page, page[-1]["person_id"] if len(found) > limit else None


def person_view(conn: Connection, *, actor: Actor, person_id: str) -> dict[str, Any]:
    ensure_permission(conn, actor, Action.PEOPLE_READ, Person(person_id))
    person = _person(conn, person_id)
    reports = store.find_people(
        conn, among=None, manager_id=person_id, status="active", limit=10_000
    )
    return {
        "person": person,
        "identifiers": [
            {"identifier": i.identifier, "kind": i.kind, "linked_how": i.linked_how}
            for i in identities.identifiers_of(conn, person_id)
        ],
        "cohorts": [
            _cohort(c) for c in cohort_service.cohorts_of_person(conn, person_id=person_id)
        ],
        "direct_reports": [r["person_id"] for r in reports],
    }


def team_view(conn: Connection, *, actor: Actor, manager_id: str) -> dict[str, Any]:
    ensure_permission(conn, actor, Action.TEAMS_READ, Person(manager_id))
    manager = _person(conn, manager_id)
    line = reporting_line(conn, manager_id=manager_id)
    members = store.find_people(conn, among=set(line), limit=len(line) + 1) if line else []
    return {
        "manager": manager,
        "direct_reports": [m["person_id"] for m in members if m["manager_id"] == manager_id],
        "members": members,
        "size": len(members),
    }


def _cohort(cohort: cohort_service.Cohort, members: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cohort_id": cohort.cohort_id,
        "name": cohort.name,
        "program": cohort.program,
        "start_date": cohort.start_date,
        "end_date": cohort.end_date,
        "due_dates": cohort.due_dates,
        "target_roles": cohort.target_roles,
        "status": cohort.status,
    }
    if members is not None:
        body["members"] = members
    return body


def _visible_members(cohort: cohort_service.Cohort, among: set[str] | None) -> list[str]:
    return [
        m.person_id
        for m in cohort.members
        if m.status == "enrolled" and (among is None or m.person_id in among)
    ]


def cohorts_view(conn: Connection, *, actor: Actor) -> list[dict[str, Any]]:
    """Every cohort for those who see everyone; else the cohorts with someone they may see,
    counting only those people."""
    among = visible(conn, actor, Action.COHORTS_READ)
    out = []
    for cohort in cohort_service.list_cohorts(conn):
        full = cohort_service.get_cohort(conn, cohort_id=cohort.cohort_id)
        members = _visible_members(full, among)
        if among is None or members:
            out.append({**_cohort(full), "members_visible": len(members)})
    return out


def cohort_view(conn: Connection, *, actor: Actor, cohort_id: str) -> dict[str, Any]:
    among = visible(conn, actor, Action.COHORTS_READ)
    cohort = cohort_service.get_cohort(conn, cohort_id=cohort_id)
    members = _visible_members(cohort, among)
    if among is not None and not members:
        ensure_permission(conn, actor, Action.COHORTS_READ, ORGANISATION)  # 403, audited
    return _cohort(cohort, members)


def timeline_page(
    conn: Connection,
    *,
    actor: Actor,
    person_id: str,
    before: tuple[int, int] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The statements about a person, newest first by when they happened, and the cursor to
    continue with (`<timestamp_us>.<seq>` of the last one)."""
    ensure_permission(conn, actor, Action.TIMELINE_READ, Person(person_id))
    _person(conn, person_id)
    found = statement_store.statements_of_person(
        conn, person_id=person_id, before=before, limit=limit + 1
    )
    bodies = [
        orjson.loads(e.statement.body)
        if isinstance(e.statement.body, str | bytes)
        else e.statement.body
        for e in found[:limit]
    ]
    hide = _hidden(conn, bodies, visible(conn, actor, Action.TIMELINE_READ))
    items = []
    for entry, body in zip(found[:limit], bodies, strict=True):
        row = entry.statement
        body = _redacted(body, hide) if hide else body
        obj = body["object"]
        items.append(
            {
                "seq": row.seq,
                "statement_id": row.statement_id,
                "stored": iso_from_us(row.stored_us),
                "timestamp": body.get("timestamp"),
                "as": "actor" if entry.kind == RefKind.AGENT else "named",
                "verb": body["verb"]["id"],
                "object": obj.get("id") or obj.get("account") or obj.get("mbox"),
                "statement": body,
            }
        )
    last = found[limit - 1] if len(found) > limit else None
    return items, f"{last.timestamp_us}.{last.statement.seq}" if last else None


HIDDEN: dict[str, Any] = {"objectType": "Agent", "hidden": True}


def _body(stored: Any) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(stored) if isinstance(stored, str | bytes) else stored
    return body


def _agent_slots(body: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(container, key) of every agent in a statement a timeline shows: actor, an agent
    object, the context's instructor and team."""
    slots = [(body, "actor")]
    if body["object"].get("objectType") in ("Agent", "Group"):
        slots.append((body, "object"))
    context = body.get("context") or {}
    slots += [(context, k) for k in ("instructor", "team") if k in context]
    return slots


def _hidden(conn: Connection, bodies: list[dict[str, Any]], among: set[str] | None) -> set[str]:
    """The identifiers in `bodies` that belong to people the viewer may not see."""
    if among is None:
        return set()
    keys = {k for b in bodies for c, slot in _agent_slots(b) for k in identity_keys(c[slot])}
    owners = identity_store.owners(conn, sorted(keys))
    return {key for key, person in owners.items() if person not in among}


def _redacted(body: dict[str, Any], hide: set[str]) -> dict[str, Any]:
    """The statement with the agents of people outside the viewer's reach replaced, and, when
    its object is such a person, their words (`result.response`) left out."""
    body = {**body, "context": dict(body.get("context") or {})}
    for container, slot in _agent_slots(body):
        if identity_keys(container[slot]) & hide:
            if slot == "object" and "result" in body:
                body["result"] = {k: v for k, v in body["result"].items() if k != "response"}
            container[slot] = HIDDEN
    if not body["context"]:
        del body["context"]
    return body


def sensitive_view(conn: Connection, *, actor: Actor, person_id: str) -> list[dict[str, Any]]:
    ensure_permission(conn, actor, Action.PEOPLE_READ_SENSITIVE, Person(person_id))
    _person(conn, person_id)
    rows = sensitive_store.sensitive_attributes_of(conn, [person_id]).get(person_id, [])
    return [asdict(r) for r in rows]


def statement_about(
    conn: Connection, *, actor: Actor, person_id: str, statement_id: str
) -> dict[str, Any]:
    """One statement that is evidence of a person, as their timeline would show it (agents
    the viewer may not see hidden); 404 when it is not theirs, so an id cannot be probed."""
    ensure_permission(conn, actor, Action.TIMELINE_READ, Person(person_id))
    _person(conn, person_id)
    owned = {row[1] for row in progress_store.evidence_of_people(conn, [person_id])[person_id]}
    found = statement_store.get_statements(conn, [statement_id]) if statement_id in owned else {}
    row = found.get(statement_id)
    if row is None or row.voided:
        raise NotFound(
            f"no statement {statement_id!r} among this person's evidence", field="statement_id"
        )
    body = _body(row.body)
    hide = _hidden(conn, [body], visible(conn, actor, Action.TIMELINE_READ))
    return _redacted(body, hide) if hide else body
