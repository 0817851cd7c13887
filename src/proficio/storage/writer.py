"""One writer thread per database, fed by a queue: group commit across concurrent requests.

Each submitted job runs inside its own SAVEPOINT, so a job that fails (a 409, a bad reference)
rolls back alone while the others in the same group commit together. A job's future resolves
only after the COMMIT returned, so an acknowledged write is durable.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from proficio.errors import ProficioError, ServiceUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_JOBS_PER_COMMIT = 64


@dataclass
class Tx:
    """What a write job gets: the connection, and a way to act once the commit succeeded."""

    conn: Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        self.after_commit.append(callback)


@dataclass
class _Job:
    fn: Callable[[Tx], Any]
    future: Future[Any]


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
        self._queue.put(_Job(fn, future))
        return future

    async def run(self, fn: Callable[[Tx], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

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
            try:
                if conn is None or conn.closed or conn.invalidated:
                    conn = self._engine.connect()
                    if self._on_connect is not None:
                        self._on_connect(conn)
                self._commit_group(conn, [j for j in jobs if isinstance(j, _Job)])
            except Exception as exc:  # the database itself failed: nothing was acknowledged
                log.exception("write group failed")
                if conn is not None:
                    conn.close()
                    conn = None
                reason = f"the database could not store the data ({type(exc).__name__})"
                for job in jobs:
                    if isinstance(job, _Job) and not job.future.done():
                        job.future.set_exception(ServiceUnavailable(reason))
        if conn is not None:
            conn.close()

    def _commit_group(self, conn: Connection, jobs: list[_Job]) -> None:
        results: list[tuple[_Job, bool, Any]] = []
        tx = Tx(conn)
        self.in_flight_since = time.time()
        try:
            self._run_jobs(conn, jobs, tx, results)
        finally:
            self.in_flight_since = None
        for callback in tx.after_commit:
            callback()
        for job, ok, value in results:
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

    def _run_jobs(
        self, conn: Connection, jobs: list[_Job], tx: Tx, results: list[tuple[_Job, bool, Any]]
    ) -> None:
        """Run the group in one transaction. A job's own ProficioError (a 400, a 409) undoes only
        that job; any other error fails the whole group, so nothing is acknowledged and lost."""
        if len(jobs) == 1:  # nothing to isolate it from: skip the savepoint
            job = jobs[0]
            try:
                with conn.begin():
                    results.append((job, True, job.fn(tx)))
            except ProficioError as exc:
                results[:] = [(job, False, exc)]
                tx.after_commit.clear()
            return
        with conn.begin():
            for job in jobs:
                job_tx = Tx(conn)
                try:
                    with conn.begin_nested():
                        value = job.fn(job_tx)
                except ProficioError as exc:
                    results.append((job, False, exc))
                    continue
                tx.after_commit.extend(job_tx.after_commit)
                results.append((job, True, value))
