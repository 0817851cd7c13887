"""The writer: one process per database that owns every write, with group commit.

Requests are parsed and validated in the server process; the rows to store go to a writer
process over a pipe. Running SQLite or psycopg in its own process keeps its Python work off the
server's GIL, which is what caps a single Python process (measured in docs/performance.md).

The server side queues jobs; a sender thread ships whatever is waiting as one group and
resolves each job's future when the writer answers, which it does only once the commit is on
disk (`replies.py`), so an acknowledged write is durable. In the writer, each job names a
*handler* that takes the payloads of all the group's jobs of its kind at once (e.g. every
statement batch POSTed concurrently) and returns one outcome per payload: a result, or the
ProficioError that refuses that payload and leaves nothing of it behind. Any other error fails
the whole group, and every job in it gets 503: nothing is acknowledged that was not committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any, Literal

from sqlalchemy import Connection

from proficio.children import Child
from proficio.errors import ProficioError, ServiceUnavailable

log = logging.getLogger(__name__)
MAX_JOBS_PER_COMMIT = 64
_STARTUP_TIMEOUT_S = 60

# A handler takes the payloads of a group's jobs of one kind and returns one outcome each.
Handler = Callable[["Tx", list[Any]], Sequence[Any]]


@dataclass
class Tx:
    """What a write gets: the connection, and a way to act once the commit succeeded."""

    conn: Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        self.after_commit.append(callback)


def run_group(tx: Tx, handlers: dict[str, Handler], jobs: list[tuple[str, Any]]) -> list[Any]:
    """Outcomes of a group's jobs, in order, all inside the caller's transaction."""
    by_kind: dict[str, list[int]] = {}
    for index, (kind, _) in enumerate(jobs):
        by_kind.setdefault(kind, []).append(index)
    outcomes: list[Any] = [None] * len(jobs)
    for kind, indexes in by_kind.items():
        results = handlers[kind](tx, [jobs[i][1] for i in indexes])
        for index, result in zip(indexes, results, strict=True):
            outcomes[index] = result
    return outcomes


@dataclass
class _Job:
    kind: str
    payload: Any
    future: Future[Any]


_STOP = object()


class Writer:
    """The server's handle on the writer process.

    Groups are sent as soon as jobs are waiting, without waiting for the previous group's
    answer: the writer merges whatever has arrived into one transaction, so it is never idle
    while there is work. Answers come back in order and a receiver thread resolves them.
    """

    def __init__(
        self,
        url: str,
        *,
        handlers: Callable[[], dict[str, Handler]],
        sqlite_synchronous: str = "FULL",
        start_method: Literal["forkserver", "spawn"] = "forkserver",
    ) -> None:
        # "forkserver" starts a writer in milliseconds from a process that has the modules
        # loaded (for tests and tools that start many); "spawn" starts a fresh interpreter
        # (`proficio.children`) and keeps no such process around (37 MB less resident memory
        # for a server that starts its writer once).
        self._ctx: ForkServerContext | None = None
        if start_method == "forkserver":
            self._ctx = multiprocessing.get_context("forkserver")
            # Loaded once in the fork server, not in each writer: the main module (which
            # every child of a fork server imports again otherwise: for pytest, pytest) and
            # the handlers' module (unpickling them imports it: the whole LRS).
            module = getattr(handlers, "func", handlers).__module__
            self._ctx.set_forkserver_preload(
                ["__main__", "proficio.storage.writer_process", module]
            )
        self._args = (url, sqlite_synchronous, handlers)
        self._lock = threading.Lock()
        # Sent and unanswered groups, oldest first, with when each was sent: the writer
        # assigns `stored` after that moment.
        self._pending: deque[tuple[float, list[_Job]]] = deque()
        self._closing = False
        self._start_process()
        self._queue: queue.SimpleQueue[_Job | object] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send, name="proficio-send", daemon=True)
        self._receiver = threading.Thread(target=self._receive, name="proficio-recv", daemon=True)
        self._sender.start()
        self._receiver.start()

    def _start_process(self) -> None:
        from proficio.storage.writer_process import writer_main

        self._pipe, child_end = multiprocessing.Pipe()
        self._process: Child | BaseProcess
        if self._ctx is None:
            self._process = Child(writer_main, self._args, pipe=child_end, name="proficio-writer")
        else:
            self._process = self._ctx.Process(
                target=writer_main,
                args=(*self._args, child_end),
                name="proficio-writer",
                daemon=True,
            )
        self._process.start()
        child_end.close()
        try:
            if not self._pipe.poll(_STARTUP_TIMEOUT_S):
                raise EOFError
            ready = self._pipe.recv()
        except (EOFError, OSError):
            self._process.kill()
            raise ServiceUnavailable(
                "the writer process did not start (is the program's main module importable?)"
            ) from None
        if isinstance(ready, BaseException):
            raise ready

    @property
    def in_flight_since(self) -> float | None:
        """When the oldest unanswered group was sent, or None when the writer is idle."""
        with self._lock:
            return self._pending[0][0] if self._pending else None

    def idle(self) -> bool:
        """Nothing waits to be sent, and nothing sent waits for an answer."""
        with self._lock:
            return not self._pending and self._queue.empty()

    def consistent_through(self) -> float:
        """A time before which every acknowledged write is visible to readers."""
        in_flight = self.in_flight_since
        return in_flight - 0.000001 if in_flight is not None else time.time()

    def submit(self, kind: str, payload: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put(_Job(kind, payload, future))
        return future

    async def run(self, kind: str, payload: Any) -> Any:
        return await asyncio.wrap_future(self.submit(kind, payload))

    def close(self) -> None:
        self._closing = True  # from now on the pipe closing is expected: no restart
        self._queue.put(_STOP)
        self._sender.join(timeout=30)
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
        self._receiver.join(timeout=30)
        self._pipe.close()

    def _send(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                break
            group = [first]
            while len(group) < MAX_JOBS_PER_COMMIT:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._queue.put(_STOP)
                    break
                group.append(nxt)
            jobs = [job for job in group if isinstance(job, _Job)]
            with self._lock:
                pipe = self._pipe
                self._pending.append((time.time(), jobs))
            try:
                pipe.send([(job.kind, job.payload) for job in jobs])
            except OSError as exc:
                self._fail(pipe, exc)
        with self._lock:
            pipe = self._pipe
        with contextlib.suppress(OSError):
            pipe.send(None)  # the writer finishes what it has, then stops

    def _receive(self) -> None:
        while True:
            with self._lock:
                pipe = self._pipe
            try:
                outcomes = pipe.recv()
            except (OSError, EOFError) as exc:
                self._fail(pipe, exc)
                if self._closing:
                    break
                continue
            with self._lock:
                if pipe is not self._pipe:
                    continue  # a reply from a replaced writer: its jobs already got 503
                _, jobs = self._pending.popleft()
            _resolve(jobs, outcomes)

    def _fail(self, pipe: Any, exc: BaseException) -> None:
        """The writer process is gone: fail what it had not answered, start another."""
        with self._lock:
            if pipe is not self._pipe:
                return  # another thread already handled it
            lost = [job for _, jobs in self._pending for job in jobs]
            self._pending.clear()
            if not self._closing:
                log.error("the writer process is gone (%s); starting another", exc)
                self._process.kill()
                self._process.join(timeout=10)
                try:
                    self._start_process()
                except ProficioError:
                    log.exception("the writer process could not be restarted")
        _resolve(lost, ServiceUnavailable(f"the writer process is gone ({exc})"))


def _resolve(jobs: list[_Job], outcomes: Any) -> None:
    if isinstance(outcomes, BaseException):
        outcomes = [outcomes] * len(jobs)
    for job, outcome in zip(jobs, outcomes, strict=True):
        # A job whose waiter gave up (a cancelled task) was still run; nobody wants the answer.
        with contextlib.suppress(InvalidStateError):
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)


def group_failure(exc: BaseException) -> ProficioError:
    return ServiceUnavailable(f"the database could not store the data ({type(exc).__name__})")
