"""Figures that a page would otherwise recompute from every person's records at each request
(required-training records, the program's per-person facts), kept until the data under them
changes.

A figure names the verbs it is computed from; its version is then a handful of index seeks:
the newest statement with one of those verbs, the number of voidings, the last change to the people
directory, to cohorts and their members, and to identities (a merge moves evidence between
people). Any write that could change the figure moves one of them, so a cached figure is never
stale; and the stream of AI-tool usage, most of what arrives, leaves a training record cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select

from proficio.lrs.refs import RefKind
from proficio.storage.schema import (
    cohort_members,
    cohorts,
    lrs_keys,
    people,
    person_identities,
    statement_refs,
    statements,
)

T = TypeVar("T")
MAX_ENTRIES = 64


def data_version(conn: Connection, verbs: Sequence[str]) -> tuple[Any, ...]:
    i, r, s = person_identities.c, statement_refs.c, statements.c
    keys = [k for (k,) in conn.execute(select(lrs_keys.c.id).where(lrs_keys.c.value.in_(verbs)))]
    newest = [
        conn.execute(
            select(func.max(r.seq)).where(r.kind == RefKind.VERB, r.key_id == key)
        ).scalar()
        for key in sorted(keys)
    ]
    query = select(
        # Voidings (and statement refs): counted on their partial index; a max would walk
        # the whole table when there are none.
        select(func.count())
        .select_from(statements)
        .where(s.target_id.isnot(None))
        .scalar_subquery(),
        select(func.max(people.c.updated_us)).scalar_subquery(),
        select(func.max(cohorts.c.updated_us)).scalar_subquery(),
        select(func.count()).select_from(cohort_members).scalar_subquery(),
        select(func.count()).select_from(person_identities).scalar_subquery(),
        select(func.max(i.linked_at)).scalar_subquery(),
    )
    return (*newest, *conn.execute(query).one())


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] == version:
                self._entries.move_to_end(key)
                return found[1]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: two requests may both compute, neither waits
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value
