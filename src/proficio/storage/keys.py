"""Compact keys: each IRI or agent identifier is interned once and indexed as an int.

Ids never change once committed, so a process-wide cache is safe; entries enter it only after
the transaction that created them has committed. A UUID (a registration) needs no interning:
its top 63 bits, negated, are its key, so the many one-off registrations cost no lookup and no
row (two registrations would have to share 63 random bits to be confused).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, select

from proficio.storage import rawsql
from proficio.storage.schema import lrs_keys
from proficio.storage.writer import Tx

_CACHE_LIMIT = 100_000
_CHUNK = 500
_VALUE = (("value", "text"),)


class KeyCache:
    """What this process remembers of the statement index: key ids, and how many references
    it has put in `statement_refs_recent` since they last moved (None: not counted yet)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.recent_refs: int | None = None

    def get(self, value: str) -> int | None:
        return self._ids.get(value)

    def update(self, found: dict[str, int]) -> None:
        if len(self._ids) + len(found) > _CACHE_LIMIT:
            self._ids.clear()
        self._ids.update(found)


def _select_ids(conn: Connection, values: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(values), _CHUNK):
        condition, params = rawsql.one_of(conn, "value", values[start : start + _CHUNK])
        rows = rawsql.execute(conn, f"SELECT value, id FROM lrs_keys WHERE {condition}", params)
        found.update({value: key_id for value, key_id in rows})
    return found


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _uuid_key(value: str) -> int | None:
    if len(value) == 36 and _UUID.fullmatch(value):
        return -(int(value.replace("-", ""), 16) >> 65) - 1
    return None


def _known(cache: KeyCache, values: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """Ids known without the database, and the values that need it."""
    result: dict[str, int] = {}
    missing: list[str] = []
    for value in set(values):
        key_id = cache.get(value)
        if key_id is None:
            key_id = _uuid_key(value)
        if key_id is None:
            missing.append(value)
        else:
            result[value] = key_id
    return result, missing


def lookup_keys(conn: Connection, cache: KeyCache, values: Iterable[str]) -> dict[str, int]:
    """Ids of the values that exist; unknown values are left out (nothing can match them)."""
    result, missing = _known(cache, values)
    if missing:
        found = _select_ids(conn, missing)
        cache.update(found)
        result.update(found)
    return result


def intern_keys(tx: Tx, cache: KeyCache, values: Iterable[str]) -> dict[str, int]:
    """Ids for every value, creating the missing ones inside the caller's transaction."""
    conn = tx.conn
    result, missing = _known(cache, values)
    if not missing:
        return result
    found: dict[str, int] = {}
    if conn.dialect.name == "postgresql":
        # A value this process has not cached is almost always new: insert first, and the
        # new ids come back in the same round trip; read only the values that existed.
        rows = [(v,) for v in missing]
        inserted = rawsql.insert_rows(
            conn, "lrs_keys", _VALUE, rows, on_conflict_do_nothing=True, returning="value, id"
        )
        found.update({value: key_id for value, key_id in inserted})
        existing = [v for v in missing if v not in found]
        if existing:
            found.update(_select_ids(conn, existing))
    else:
        found.update(_select_ids(conn, missing))
        new = [v for v in missing if v not in found]
        if new:
            rows = [(v,) for v in new]
            rawsql.insert_rows(conn, "lrs_keys", _VALUE, rows, on_conflict_do_nothing=True)
            found.update(_select_ids(conn, new))
    tx.on_commit(lambda: cache.update(found))
    result.update(found)
    return result


def keys_containing(conn: Connection, fragment: str) -> list[str]:
    """Every stored key (an IRI, an agent's IFI) with `fragment` in it, case-sensitively
    (SQLite's LIKE ignores case, so the match is checked again here)."""
    k = lrs_keys.c
    query = select(k.value).where(k.value.contains(fragment, autoescape=True))
    return sorted(v for (v,) in conn.execute(query) if fragment in v)
