"""One writer thread per database, fed by a queue: group commit across concurrent requests.

The thread drains whatever jobs are waiting and runs them in one transaction:
- a *batchable* job names a function that takes the payloads of every waiting job of its kind
  at once (e.g. all statements POSTed concurrently) and returns one outcome per payload, so
  eight concurrent single-statement POSTs cost one round of SQL, not eight;
- a plain job runs inside its own SAVEPOINT.
Either way a job's own ProficioError (a 400, a 409) fails only that job; any other error fails
the whole group. A job's future resolves only after the COMMIT returned, so an acknowledged
write is durable.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from proficio.errors import ProficioError, ServiceUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
P = TypeVar("P")
MAX_JOBS_PER_COMMIT = 64

# Takes the payloads of a group's jobs of one kind; returns, per payload, a result or the
# ProficioError that refuses it (refused payloads must leave nothing behind).
BatchFn = Callable[["Tx", list[Any]], Sequence[Any]]


@dataclass
class Tx:
    """What a write job gets: the connection, and a way to act once the commit succeeded."""

    conn: Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        self.after_commit.append(callback)


@dataclass
class _Job:
    future: Future[Any]
    fn: Callable[[Tx], Any] | None = None
    batch_fn: BatchFn | None = None
    payload: Any = None


_STOP = object()


class Writer:
    """Runs write jobs on a single connection, committing every drained group at once."""

    def __init__(
        self, engine: Engine, *, on_connect: Callable[[Connection], None] | None = None
    ) -> None:
        self._engine = engine
        self._on_connect = on_connect
        self._queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="proficio-writer", daemon=True)
        self.in_flight_since: float | None = None
        self._thread.start()

    def submit(self, fn: Callable[[Tx], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put(_Job(future, fn=fn))
        return future

    def submit_batchable(self, batch_fn: BatchFn, payload: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put(_Job(future, batch_fn=batch_fn, payload=payload))
        return future

    async def run(self, fn: Callable[[Tx], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    async def run_batchable(self, batch_fn: BatchFn, payload: Any) -> Any:
        return await asyncio.wrap_future(self.submit_batchable(batch_fn, payload))

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn: Connection | None = None
        while True:
            first = self._queue.get()
            if first is _STOP:
                break
            jobs = [first]
            while len(jobs) < MAX_JOBS_PER_COMMIT:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._queue.put(_STOP)
                    break
                jobs.append(nxt)
            group = [j for j in jobs if isinstance(j, _Job)]
            try:
                if conn is None or conn.closed or conn.invalidated:
                    conn = self._engine.connect()
                    if self._on_connect is not None:
                        self._on_connect(conn)
                self._commit_group(conn, group)
            except Exception as exc:  # the database itself failed: nothing was acknowledged
                log.exception("write group failed")
                if conn is not None:
                    conn.close()
                    conn = None
                reason = f"the database could not store the data ({type(exc).__name__})"
                for job in group:
                    if not job.future.done():
                        job.future.set_exception(ServiceUnavailable(reason))
        if conn is not None:
            conn.close()

    def _commit_group(self, conn: Connection, jobs: list[_Job]) -> None:
        tx = Tx(conn)
        self.in_flight_since = time.time()
        try:
            with conn.begin():
                outcomes = self._run_jobs(tx, jobs)
        finally:
            self.in_flight_since = None
        for callback in tx.after_commit:
            callback()
        for job, outcome in outcomes:
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)

    def _run_jobs(self, tx: Tx, jobs: list[_Job]) -> list[tuple[_Job, Any]]:
        outcomes: list[tuple[_Job, Any]] = []
        kinds: dict[BatchFn, list[_Job]] = {}
        for job in jobs:
            if job.batch_fn is not None:
                kinds.setdefault(job.batch_fn, []).append(job)
        for batch_fn, batch in kinds.items():
            results = batch_fn(tx, [job.payload for job in batch])
            outcomes += zip(batch, results, strict=True)
        for job in jobs:
            if job.fn is None:
                continue
            job_tx = Tx(tx.conn)
            try:
                with tx.conn.begin_nested():
                    value = job.fn(job_tx)
            except ProficioError as exc:
                outcomes.append((job, exc))
                continue
            tx.after_commit.extend(job_tx.after_commit)
            outcomes.append((job, value))
        return outcomes
