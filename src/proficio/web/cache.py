"""Figures that a page would otherwise recompute from every person's records at each request
(required-training records, the program's per-person facts), kept until the data under them
changes.

A figure names the verbs it is computed from; its version is then a handful of index seeks:
the newest statement with one of those verbs, the number of voidings, the last change to the
people directory, to cohorts and their members, and to identities (a merge moves evidence
between people). Any write that could change the figure moves one of them.

When the version has moved, a page may still be shown the figure it had, if that is at most
`max_stale_seconds` old, while a background thread computes the new one (stale while
revalidating), started once the figure is half that old: LMS completions trickling in all day
then cost no page its 1-5 s recompute, and the server recounts at most twice a minute. The
page says how old its figures are. Exports ask for exact figures and wait for them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select

from proficio.lrs.refs import RefKind
from proficio.storage import progress as progress_store
from proficio.storage.database import Database
from proficio.storage.schema import (
    REF_TABLES,
    cohort_members,
    cohorts,
    lrs_keys,
    people,
    person_identities,
    progress_changes,
    statements,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_ENTRIES = 64


def levels_version(conn: Connection) -> tuple[Any, ...]:
    """Moves when any judged level does: every level change writes a history row, and a
    framework loaded again may change them all."""
    changes = conn.execute(select(func.count()).select_from(progress_changes)).scalar_one()
    return (changes, progress_store.framework_stamp(conn))


def data_version(conn: Connection, verbs: Sequence[str]) -> tuple[Any, ...]:
    i, s = person_identities.c, statements.c
    keys = [k for (k,) in conn.execute(select(lrs_keys.c.id).where(lrs_keys.c.value.in_(verbs)))]
    newest = [
        max(
            (
                conn.execute(
                    select(func.max(t.c.seq)).where(t.c.kind == RefKind.VERB, t.c.key_id == key)
                ).scalar()
                or 0
                for t in REF_TABLES
            ),
        )
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


@dataclass(frozen=True, slots=True)
class Figure:
    version: Hashable
    value: Any
    computed_at: float  # time.time()


class PageCache:
    def __init__(
        self,
        db: Database | None = None,
        *,
        max_stale_seconds: float = 0.0,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._db = db  # None: no background refresh, every stale figure is recomputed in line
        self._max_stale = max_stale_seconds
        self._entries: OrderedDict[Hashable, Figure] = OrderedDict()
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()
        self._local = threading.local()  # .exact: inside a refresh, nested figures are exact
        self._max = max_entries

    def get(
        self,
        conn: Connection,
        key: Hashable,
        version_of: Callable[[Connection], Hashable],
        compute: Callable[[Connection], T],
        *,
        exact: bool,
    ) -> tuple[T, float | None]:
        """The figure and, when it is an older one shown while a new one is computed, when it
        was computed (else None). `version_of` reads what the figure depends on (cheaply:
        `data_version`, `levels_version`)."""
        version = version_of(conn)
        exact = exact or getattr(self._local, "exact", False)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found.version == version:
                self._entries.move_to_end(key)
                return found.value, None
            fresh_enough = (
                found is not None
                and not exact
                and self._db is not None
                and time.time() - found.computed_at <= self._max_stale
            )
            if fresh_enough and found is not None:
                # Under a steady trickle of new data, recount at most every half of the
                # allowed age: the recount runs in this process, and competes with requests.
                due = time.time() - found.computed_at >= self._max_stale / 2
                if due and key not in self._refreshing:
                    self._refreshing.add(key)
                    threading.Thread(
                        target=self._refresh,
                        args=(key, version_of, compute),
                        name="proficio-page-cache",
                        daemon=True,
                    ).start()
                return found.value, found.computed_at
        value = compute(conn)  # outside the lock: two requests may both compute, neither waits
        self._store(key, Figure(version, value, time.time()))
        return value, None

    def _refresh(
        self,
        key: Hashable,
        version_of: Callable[[Connection], Hashable],
        compute: Callable[[Connection], T],
    ) -> None:
        assert self._db is not None
        self._local.exact = True  # a figure computed from another is made from its latest
        try:
            version, value = self._db.read_sync(lambda c: (version_of(c), compute(c)))
            self._store(key, Figure(version, value, time.time()))
        except Exception:  # the next request computes it in line instead
            log.exception("could not refresh the page figure %r", key)
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _store(self, key: Hashable, figure: Figure) -> None:
        with self._lock:
            self._entries[key] = figure
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait for background refreshes to finish (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._refreshing:
                    return True
            time.sleep(0.01)
        return False
