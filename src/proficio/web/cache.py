"""Figures that a page would otherwise recompute from every person's records at each request
(required-training records, the program's per-person facts), kept until the data under them
changes.

The version of the data is a handful of indexed maxima and counts: the newest statement, the
last change to the people directory, to cohorts and their members, and to identities (a merge
moves evidence between people). Any write that could change a figure moves one of them, so a
cached figure is never stale, only recomputed less often.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select

from proficio.storage.schema import cohort_members, cohorts, people, person_identities, statements

T = TypeVar("T")
MAX_ENTRIES = 64


def data_version(conn: Connection) -> tuple[Any, ...]:
    i = person_identities.c
    query = select(
        select(func.max(statements.c.seq)).scalar_subquery(),
        select(func.max(people.c.updated_us)).scalar_subquery(),
        select(func.max(cohorts.c.updated_us)).scalar_subquery(),
        select(func.count()).select_from(cohort_members).scalar_subquery(),
        select(func.count()).select_from(person_identities).scalar_subquery(),
        select(func.max(i.linked_at)).scalar_subquery(),
    )
    return tuple(conn.execute(query).one())


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
