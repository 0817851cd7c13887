"""Persistence of the people directory. No rules here (`proficio.people` has them); the same
calls on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from proficio.storage import rawsql
from proficio.storage.schema import people

# The columns a roster sets, in this order.
ROSTER_COLUMNS = (
    "name",
    "email",
    "department",
    "role",
    "location",
    "manager_id",
    "hire_date",
    "status",
    "left_on",
)


def all_people(conn: Connection) -> dict[str, dict[str, Any]]:
    """person_id -> the person's roster columns."""
    c = people.c
    rows = conn.execute(select(c.person_id, *(c[name] for name in ROSTER_COLUMNS))).all()
    return {row[0]: dict(zip(ROSTER_COLUMNS, row[1:], strict=True)) for row in rows}


def insert_people(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(people), list(rows))


def update_person(conn: Connection, person_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(people).where(people.c.person_id == person_id).values(values))


def reports_of(conn: Connection, manager_ids: Sequence[str]) -> list[str]:
    """The active people whose manager is one of `manager_ids`."""
    c = people.c
    query = select(c.person_id).where(c.manager_id.in_(manager_ids), c.status == "active")
    return [row[0] for row in conn.execute(query)]


def statuses(conn: Connection, person_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """person_id -> (status, the person it was merged into), for the known ones."""
    if not person_ids:
        return {}
    c = people.c
    query = select(c.person_id, c.status, c.merged_into).where(c.person_id.in_(person_ids))
    return {person: (status, target) for person, status, target in conn.execute(query)}


def directory(conn: Connection) -> list[tuple[str, str | None, str | None]]:
    """(person_id, email, the person it was merged into) of everyone."""
    c = people.c
    query = select(c.person_id, c.email, c.merged_into)
    return [(p, e, m) for p, e, m in conn.execute(query)]


def directory_stamp(conn: Connection) -> tuple[int, int]:
    """Changes whenever someone is added or changed: every change sets `updated_us` to now."""
    sql = "SELECT count(*), COALESCE(max(updated_us), 0) FROM people"
    ((count, newest),) = rawsql.execute(conn, sql)
    return int(count), int(newest)


PUBLIC_COLUMNS = ("person_id", *ROSTER_COLUMNS, "merged_into")


def find_people(
    conn: Connection,
    *,
    among: set[str] | None,
    department: str | None = None,
    role: str | None = None,
    status: str | None = None,
    manager_id: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """People by person_id order, restricted to `among` (None: everyone) and the filters;
    `search` matches name or email, case-insensitively."""
    c = people.c
    query = select(*(c[name] for name in PUBLIC_COLUMNS)).order_by(c.person_id).limit(limit)
    if among is not None:
        if not among:
            return []
        query = query.where(c.person_id.in_(sorted(among)))
    for column, value in (
        ("department", department),
        ("role", role),
        ("status", status),
        ("manager_id", manager_id),
    ):
        if value is not None:
            query = query.where(c[column] == value)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(c.name).like(pattern), func.lower(c.email).like(pattern))
        )
    if after is not None:
        query = query.where(c.person_id > after)
    return [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in conn.execute(query)]


def get_person(conn: Connection, person_id: str) -> dict[str, Any] | None:
    c = people.c
    query = select(*(c[name] for name in PUBLIC_COLUMNS)).where(c.person_id == person_id)
    row = conn.execute(query).first()
    return dict(zip(PUBLIC_COLUMNS, row, strict=True)) if row is not None else None


def active_values(conn: Connection, column: str) -> list[str]:
    """The distinct departments or roles (`column`) of active people, in order."""
    if column not in ("department", "role"):
        raise ValueError(f"not a grouping column: {column}")
    c = people.c[column]
    query = select(c).where(people.c.status == "active").distinct().order_by(c)
    return [v for (v,) in conn.execute(query)]
