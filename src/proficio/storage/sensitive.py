"""Persistence of sensitive attributes (equity audits), apart from the people directory.

Nothing else joins `person_sensitive`: reading it is this module's `sensitive_attributes_of`,
which routes will guard with the `people:read_sensitive` permission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from proficio.storage.schema import person_sensitive


@dataclass(frozen=True, slots=True)
class SensitiveRow:
    person_id: str
    attribute: str
    value: str
    consent_recorded_on: str
    source: str
    imported_at: str


def people_with_attributes(conn: Connection, person_ids: Sequence[str]) -> set[str]:
    c = person_sensitive.c
    return {row[0] for row in conn.execute(select(c.person_id).where(c.person_id.in_(person_ids)))}


def replace_attributes(
    conn: Connection, person_ids: Sequence[str], rows: Sequence[SensitiveRow]
) -> None:
    """Every attribute of `person_ids` becomes `rows`."""
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        conn.execute(delete(person_sensitive).where(person_sensitive.c.person_id.in_(chunk)))
    if rows:
        conn.execute(
            insert(person_sensitive),
            [{name: getattr(r, name) for name in SensitiveRow.__slots__} for r in rows],
        )


def sensitive_attributes_of(
    conn: Connection, person_ids: Sequence[str]
) -> dict[str, list[SensitiveRow]]:
    """person_id -> their attributes with consent date and source, by attribute name; people
    with none are left out."""
    c = person_sensitive.c
    found: dict[str, list[SensitiveRow]] = {}
    for start in range(0, len(person_ids), 500):
        query = (
            select(*(c[name] for name in SensitiveRow.__slots__))
            .where(c.person_id.in_(person_ids[start : start + 500]))
            .order_by(c.person_id, c.attribute)
        )
        for row in conn.execute(query):
            found.setdefault(row[0], []).append(SensitiveRow(*row))
    return found
