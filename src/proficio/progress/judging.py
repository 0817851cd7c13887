"""The server's judging: levels judged in a process of their own, on a read snapshot, and
written by the writer.

Judging reads people's evidence and history and runs the engine: work that, done inside the
writer process, held up every statement waiting to be stored behind it, while the writer is
what bounds ingest (docs/performance.md). Here a worker process judges on its own connection
while the writer goes on storing, and works out which rows differ from what is stored; the
writer only writes those (`service.progress_handler`).
Rounds run one after the other: a round's snapshot sees everything the previous one wrote.

The worker starts when something is first due and stops after `IDLE_STOP_SECONDS` with
nothing due, so a server with nothing to judge keeps no extra process.

The CLI's `drain` (after an import, a framework load) judges the same way on every core: this
process and helper processes each judge part of a round on their own snapshot, and this process
writes the round.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Connection

from proficio.capture.profile import Profile
from proficio.children import CallingChild
from proficio.progress.frameworks import Framework
from proficio.progress.service import (
    REFRESH_BATCH,
    Frameworks,
    Judgement,
    judge_due,
    judge_people,
    now_us,
    write_judgement,
)
from proficio.runtime import tune_runtime
from proficio.storage import progress as store
from proficio.storage.database import Database
from proficio.storage.writer import Writer

log = logging.getLogger(__name__)

ROUND_PEOPLE = 200  # people judged per round
IDLE_STOP_SECONDS = 60
WORKER_NICENESS = 10  # added to the worker process's niceness


class Judges:
    """The server's handle on the judging worker process."""

    def __init__(
        self,
        url: str,
        *,
        profile_namespace: str | None,
        start_method: Literal["forkserver", "spawn"] = "forkserver",
    ) -> None:
        self._url = url
        self._namespace = profile_namespace
        # "spawn": a fresh interpreter (`proficio.children`: no resource tracker process);
        # "forkserver": forked in milliseconds, for tests that start many servers.
        self._child = CallingChild(name="proficio-judging") if start_method == "spawn" else None
        self._ctx = multiprocessing.get_context(start_method)
        self._pool: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._pool is not None or (self._child is not None and self._child.running)

    async def round(self, *, exclude: Sequence[str] = ()) -> Judgement | None:
        """The people due but `exclude`, judged in the worker; None when nobody is."""
        args = (self._url, self._namespace, ROUND_PEOPLE, exclude)
        if self._child is not None:
            judgement: Judgement | None = await asyncio.to_thread(
                self._child.call, judge_round, *args
            )
            return judgement  # a ChildGone: the worker died, a new one next round
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=self._ctx)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, judge_round, *args)
        except BrokenProcessPool:  # the worker died: a new one next round
            self.stop()
            raise

    def stop(self) -> None:
        if self._child is not None:
            self._child.stop()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# In the worker process: its database handle and compiled frameworks, kept between rounds.
_worker: tuple[Database, Frameworks] | None = None


def judge_round(
    url: str, profile_namespace: str | None, limit: int, exclude: Sequence[str]
) -> Judgement | None:
    """Runs in the worker: one round of `judge_due` on a read snapshot."""
    global _worker
    if _worker is None:
        # Judging takes what CPU storing statements leaves: levels lag, statements do not.
        os.nice(WORKER_NICENESS)
        _worker = _open(url, profile_namespace)
    database, frameworks = _worker
    with _snapshot(database) as conn:
        current = frameworks.current(conn)
        return judge_due(conn, frameworks=current, at_us=now_us(), limit=limit, exclude=exclude)


def _open(url: str, profile_namespace: str | None) -> tuple[Database, Frameworks]:
    profile = Profile(profile_namespace) if profile_namespace else Profile()
    opened = Database(url), Frameworks(profile)
    tune_runtime()
    return opened


@contextmanager
def _snapshot(database: Database) -> Iterator[Connection]:
    """A read transaction that sees one snapshot for all its reads."""
    with database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def drain(database: Database, *, profile: Profile, helpers: int | None = None) -> int:
    """Judge everyone queued or due (for the CLI, after an import or a framework load);
    returns how many were judged. Rounds of REFRESH_BATCH people per process: this one and
    `helpers` others (by default one per further core), started only when more than one
    round's worth is due. Each round is written in one transaction, as the server's are.
    Should a helper die, its part and the rest are judged here."""
    if helpers is None:
        helpers = max(0, (os.cpu_count() or 1) - 1)
    frameworks = Frameworks(profile)
    total = 0
    pool: ProcessPoolExecutor | None = None
    try:
        while True:
            limit = REFRESH_BATCH * (1 + helpers)
            with _snapshot(database) as conn:
                at_us = now_us()
                due = store.due_people(conn, now_us=at_us, limit=limit)
                people = sorted(due.starts)
                if not people:
                    return total
                if len(people) > REFRESH_BATCH and pool is None:
                    pool = _helper_pool(database, profile, helpers)
                ways = 1 + helpers if pool is not None else 1
                mine, *theirs = [people[i::ways] for i in range(ways)]
                asked = [
                    (part, pool.submit(judge_listed, part, due, at_us))
                    for part in theirs
                    if pool is not None and part
                ]
                judgements = [_judgement(conn, mine, due, frameworks.current(conn), at_us)]
            for part, future in asked:
                try:
                    judgements.append(future.result())
                except BrokenProcessPool:  # judged here, and from now on without helpers
                    log.warning("a judging helper process died; judging in one process")
                    with _snapshot(database) as conn:
                        current = frameworks.current(conn)
                        judgements.append(_judgement(conn, part, due, current, at_us))
                    helpers = 0
            with database.transaction() as tx:
                store.lock_judging(tx.conn)
                for judgement in judgements:
                    write_judgement(tx.conn, judgement, now_us=now_us())
            total += len(people)
            if len(people) < limit:
                return total
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _judgement(
    conn: Connection,
    people: list[str],
    due: store.Due,
    frameworks: list[Framework],
    at_us: int,
) -> Judgement:
    starts = {person: due.starts[person] for person in people}
    from_seq = {person: due.from_seq[person] for person in people if person in due.from_seq}
    diff = judge_people(
        conn,
        person_ids=people,
        frameworks=frameworks,
        at_us=at_us,
        starts=starts,
        from_seq=from_seq,
    )
    return Judgement(diff, {p: due.queued[p] for p in people if p in due.queued})


# In a drain's helper process: its database handle and compiled frameworks.
_helper: tuple[Database, Frameworks] | None = None


def _helper_pool(database: Database, profile: Profile, count: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_helper,
        initargs=(database.url, profile.namespace),
    )


def _start_helper(url: str, profile_namespace: str | None) -> None:
    global _helper
    _helper = _open(url, profile_namespace)


def judge_listed(people: list[str], due: store.Due, at_us: int) -> Judgement:
    """Runs in a drain's helper: these of the people `due` judged on a snapshot of its own."""
    assert _helper is not None, "started by _start_helper"
    database, frameworks = _helper
    with _snapshot(database) as conn:
        return _judgement(conn, people, due, frameworks.current(conn), at_us)


async def judge_continuously(
    db: Database, writer: Writer, judges: Judges, *, interval: float
) -> None:
    """The server's loop: while anyone is due, rounds judged in the worker and written by the
    writer, the next at once when a round was full; otherwise a look every `interval`. A round
    is judged while the previous one is being written, leaving out that round's people (their
    rows and queue entries are not written yet)."""
    idle_since = time.monotonic()
    writing: asyncio.Future[Any] | None = None
    written: list[str] = []  # the people of the round being written
    while True:
        more = False
        try:
            if await db.read(lambda conn: store.anything_due(conn, now_us=now_us())):
                idle_since = time.monotonic()
                judgement = await judges.round(exclude=written)
                await _finish(writing)
                writing, written = None, []
                if judgement is not None:
                    written = judgement.diff.person_ids
                    writing = asyncio.ensure_future(writer.run("progress", judgement))
                    more = len(written) == ROUND_PEOPLE
            elif judges.running and time.monotonic() - idle_since > IDLE_STOP_SECONDS:
                await asyncio.to_thread(judges.stop)
        except Exception:  # the database or the worker is away: try again later, never stop
            log.exception("judging levels failed")
        if not more:  # nothing else to do meanwhile: the round being written finishes first
            await _finish(writing)
            writing, written = None, []
            await asyncio.sleep(interval)


async def _finish(writing: asyncio.Future[Any] | None) -> None:
    """Wait for a round's write; one that failed leaves its people queued for a later round."""
    if writing is None:
        return
    try:
        await writing
    except Exception:
        log.exception("writing judged levels failed")
