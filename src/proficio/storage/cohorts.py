"""Persistence of cohorts and their members. No rules here (`proficio.people.cohorts`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, update

from proficio.storage.schema import cohort_members, cohorts


@dataclass(frozen=True, slots=True)
class CohortRow:
    cohort_id: str
    name: str
    program: str
    start_date: str
    end_date: str
    due_dates: list[dict[str, str]]
    target_roles: list[str]
    status: str


@dataclass(frozen=True, slots=True)
class MemberRow:
    cohort_id: str
    person_id: str
    enrolled_on: str
    status: str  # "enrolled" or "removed"


_JSON = ("due_dates", "target_roles")
_COLUMNS = tuple(cohorts.c[name] for name in CohortRow.__slots__)
_MEMBER_COLUMNS = tuple(cohort_members.c[name] for name in MemberRow.__slots__)


def _cohort(row: Sequence[Any]) -> CohortRow:
    values = dict(zip(CohortRow.__slots__, row, strict=True))
    for name in _JSON:
        values[name] = orjson.loads(values[name])
    return CohortRow(**values)


def find_cohorts(
    conn: Connection,
    *,
    cohort_ids: Sequence[str] | None = None,
    program: str | None = None,
    status: str | None = None,
) -> list[CohortRow]:
    """Cohorts, by start date then id; all of them unless filtered."""
    c = cohorts.c
    query = select(*_COLUMNS).order_by(c.start_date, c.cohort_id)
    if cohort_ids is not None:
        query = query.where(c.cohort_id.in_(cohort_ids))
    if program is not None:
        query = query.where(c.program == program)
    if status is not None:
        query = query.where(c.status == status)
    return [_cohort(row) for row in conn.execute(query)]


def save_cohort(conn: Connection, row: CohortRow, *, exists: bool, updated_us: int) -> None:
    values: dict[str, Any] = {name: getattr(row, name) for name in CohortRow.__slots__}
    for name in _JSON:
        values[name] = orjson.dumps(values[name]).decode()
    values["updated_us"] = updated_us
    if exists:
        conn.execute(update(cohorts).where(cohorts.c.cohort_id == row.cohort_id).values(values))
    else:
        conn.execute(insert(cohorts).values(values))


def members_of(conn: Connection, cohort_ids: Sequence[str]) -> list[MemberRow]:
    """Every member row (enrolled or removed) of the cohorts, by cohort then person."""
    c = cohort_members.c
    query = (
        select(*_MEMBER_COLUMNS)
        .where(c.cohort_id.in_(cohort_ids))
        .order_by(c.cohort_id, c.person_id)
    )
    return [MemberRow(*row) for row in conn.execute(query)]


def insert_members(conn: Connection, rows: Sequence[MemberRow]) -> None:
    if rows:
        conn.execute(
            insert(cohort_members),
            [{name: getattr(r, name) for name in MemberRow.__slots__} for r in rows],
        )


def set_member(
    conn: Connection, *, cohort_id: str, person_id: str, status: str, enrolled_on: str | None
) -> None:
    c = cohort_members.c
    values = {"status": status} | ({"enrolled_on": enrolled_on} if enrolled_on else {})
    conn.execute(
        update(cohort_members)
        .where(c.cohort_id == cohort_id, c.person_id == person_id)
        .values(values)
    )


def cohort_ids_of_person(conn: Connection, person_id: str) -> list[str]:
    """The cohorts the person is enrolled in (not those they were removed from)."""
    c = cohort_members.c
    query = select(c.cohort_id).where(c.person_id == person_id, c.status == "enrolled")
    return [row[0] for row in conn.execute(query)]


def latest_starts(
    conn: Connection, person_ids: Sequence[str] | None, *, on_or_before: str
) -> dict[str, str]:
    """person_id -> start date of the latest cohort each is enrolled in that has started by
    `on_or_before` (ISO date); all people when `person_ids` is None."""
    c = cohorts.c
    return _starts(conn, person_ids, func.max(c.start_date), c.start_date <= on_or_before)


def next_starts(
    conn: Connection, person_ids: Sequence[str] | None, *, after: str
) -> dict[str, str]:
    """person_id -> start date of the first cohort each is enrolled in that starts after
    `after` (ISO date)."""
    c = cohorts.c
    return _starts(conn, person_ids, func.min(c.start_date), c.start_date > after)


def _starts(
    conn: Connection, person_ids: Sequence[str] | None, pick: Any, when: Any
) -> dict[str, str]:
    m = cohort_members.c
    query = (
        select(m.person_id, pick)
        .join(cohorts, cohorts.c.cohort_id == m.cohort_id)
        .where(m.status == "enrolled", when)
        .group_by(m.person_id)
    )
    if person_ids is None:
        return {person: start for person, start in conn.execute(query)}
    found: dict[str, str] = {}
    ids = list(person_ids)
    for start in range(0, len(ids), 500):
        chunk = query.where(m.person_id.in_(ids[start : start + 500]))
        found.update({person: first for person, first in conn.execute(chunk)})
    return found
