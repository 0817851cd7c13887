"""The dashboards' shared figures (`web.cache`), on both databases: kept while the data under
them is unchanged, recomputed when it changes, and shown a little stale to a page, never to
an export, while a background thread counts the new data."""

from __future__ import annotations

import itertools
import time
from typing import Any

from sqlalchemy import Connection, func, insert, select

from proficio.storage.database import Database
from proficio.storage.schema import people
from proficio.web.cache import PageCache, data_version

VERBS = ["http://adlnet.gov/expapi/verbs/completed"]
_ids = itertools.count(1)


def _add_person(db: Database) -> None:
    n = next(_ids)
    with db.transaction() as tx:
        tx.conn.execute(
            insert(people).values(
                person_id=f"P{n}",
                name=f"Person {n}",
                email=None,
                department="Ops",
                role="Analyst",
                location=None,
                manager_id=None,
                hire_date="2024-01-01",
                status="active",
                left_on=None,
                updated_us=n * 1_000_000,
                merged_into=None,
            )
        )


class Counter:
    """A figure: how many people there are, and how often it was counted."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, conn: Connection) -> int:
        self.runs += 1
        return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


def _get(db: Database, cache: PageCache, figure: Counter, *, exact: bool = False) -> Any:
    return db.read_sync(
        lambda c: cache.get(c, "people", lambda v: data_version(v, VERBS), figure, exact=exact)
    )


def test_a_figure_is_kept_until_its_data_changes(db: Database) -> None:
    cache, figure = PageCache(db), Counter()
    _add_person(db)
    assert _get(db, cache, figure) == (1, None)
    assert _get(db, cache, figure) == (1, None) and figure.runs == 1
    _add_person(db)
    assert _get(db, cache, figure) == (2, None) and figure.runs == 2  # nothing stale allowed


def test_a_page_sees_the_last_figure_while_the_new_one_is_counted(db: Database) -> None:
    cache, figure = PageCache(db, max_stale_seconds=4), Counter()
    _add_person(db)
    assert _get(db, cache, figure) == (1, None)
    _add_person(db)
    value, made = _get(db, cache, figure)
    assert value == 1 and made is not None  # the older figure, and when it was made
    assert cache.wait_idle() and figure.runs == 1  # too young to recount yet
    time.sleep(2)  # half the allowed age: a recount starts in the background
    assert _get(db, cache, figure)[0] == 1
    assert cache.wait_idle()
    assert _get(db, cache, figure) == (2, None) and figure.runs == 2
    # An export never gets a stale figure: it waits for the count.
    _add_person(db)
    assert _get(db, cache, figure, exact=True) == (3, None)


def test_a_figure_older_than_allowed_is_counted_in_line(db: Database) -> None:
    cache, figure = PageCache(db, max_stale_seconds=0), Counter()
    _add_person(db)
    _get(db, cache, figure)
    _add_person(db)
    assert _get(db, cache, figure) == (2, None)
