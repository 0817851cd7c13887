"""Persistence of identity resolution: which person each agent identifier is, and the record of
merges, splits and manual links. No rules here (`proficio.people.identities` has them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, exists, insert, or_, select, update

from proficio.lrs.refs import RefKind
from proficio.storage import rawsql
from proficio.storage.schema import (
    REF_TABLES,
    identity_events,
    lrs_keys,
    people,
    person_identities,
)


@dataclass(frozen=True, slots=True)
class IdentityRow:
    identifier: str
    kind: str
    person_id: str
    linked_how: str
    linked_by: str
    linked_at: str


@dataclass(frozen=True, slots=True)
class EventRow:
    kind: str
    from_person: str | None
    to_person: str
    identifiers: list[str]
    by: str
    at: str
    reason: str


_COLUMNS = tuple(person_identities.c[name] for name in IdentityRow.__slots__)


def owners(conn: Connection, identifiers: Sequence[str]) -> dict[str, str]:
    """identifier -> person_id, for those of `identifiers` that are linked (run for every
    group of statements the writer stores: on the driver's cursor, `rawsql`)."""
    found: dict[str, str] = {}
    for start in range(0, len(identifiers), 500):
        condition, params = rawsql.one_of(conn, "identifier", identifiers[start : start + 500])
        sql = f"SELECT identifier, person_id FROM person_identities WHERE {condition}"
        rows = rawsql.execute(conn, sql, params)
        found.update((identifier, person) for identifier, person in rows)
    return found


def identities_of(conn: Connection, person_id: str) -> list[IdentityRow]:
    c = person_identities.c
    query = select(*_COLUMNS).where(c.person_id == person_id).order_by(c.identifier)
    return [IdentityRow(*row) for row in conn.execute(query)]


def insert_identities(conn: Connection, rows: Sequence[IdentityRow]) -> None:
    if rows:
        conn.execute(insert(person_identities), [_values(r) for r in rows])


def _values(row: IdentityRow) -> dict[str, str]:
    return {name: getattr(row, name) for name in IdentityRow.__slots__}


def move_identities(
    conn: Connection, identifiers: Sequence[str], *, to_person: str, how: str, by: str, at: str
) -> None:
    c = person_identities.c
    conn.execute(
        update(person_identities)
        .where(c.identifier.in_(identifiers))
        .values(person_id=to_person, linked_how=how, linked_by=by, linked_at=at)
    )


def record_event(conn: Connection, event: EventRow) -> None:
    values = {name: getattr(event, name) for name in EventRow.__slots__}
    values["identifiers"] = orjson.dumps(event.identifiers).decode()
    conn.execute(insert(identity_events).values(values))


def events_of(conn: Connection, person_id: str) -> list[EventRow]:
    """Merges, splits and links that involved `person_id`, oldest first."""
    c = identity_events.c
    query = (
        select(c.kind, c.from_person, c.to_person, c.identifiers, c.by, c.at, c.reason)
        .where((c.from_person == person_id) | (c.to_person == person_id))
        .order_by(c.id)
    )
    return [
        EventRow(kind, source, target, orjson.loads(ids), by, at, reason)
        for kind, source, target, ids, by, at, reason in conn.execute(query)
    ]


def unlinked_identifiers(conn: Connection) -> list[str]:
    """Agent identifiers that statements name as actor, object or related agent (not only as
    authority) and that no person holds."""
    ids = person_identities.c
    named = [
        exists().where(
            t.c.kind.in_((RefKind.AGENT, RefKind.RELATED_AGENT)), t.c.key_id == lrs_keys.c.id
        )
        for t in REF_TABLES
    ]
    query = (
        select(lrs_keys.c.value)
        .where(or_(*named), ~exists().where(ids.identifier == lrs_keys.c.value))
        .order_by(lrs_keys.c.value)
    )
    return [row[0] for row in conn.execute(query)]


def mark_merged(conn: Connection, *, absorb: str, keep: str, updated_us: int) -> None:
    c = people.c
    conn.execute(
        update(people)
        .where(c.person_id == absorb)
        .values(status="merged", merged_into=keep, updated_us=updated_us)
    )
    # People merged into `absorb` earlier now point at where it went.
    conn.execute(update(people).where(c.merged_into == absorb).values(merged_into=keep))


def merged_into(conn: Connection, person_ids: Sequence[str]) -> dict[str, str | None]:
    """person_id -> the person it was merged into (None when not merged), for known people."""
    c = people.c
    rows = conn.execute(select(c.person_id, c.merged_into).where(c.person_id.in_(person_ids)))
    return {person: target for person, target in rows}
