"""The writer's answers, sent in order by a thread of their own, each once it is durable.

With SQLite's `synchronous=FULL` (or PostgreSQL's `synchronous_commit=on`), every COMMIT
waits for the disk, and the single writer does nothing else meanwhile. Instead the writer
commits without waiting (SQLite: `synchronous=NORMAL`, the frames written to the WAL but not
synced; PostgreSQL: `synchronous_commit=off` for its session) and hands its answers here; this
thread makes the commits durable (`durability.py`), then sends every answer committed
before that began, while the writer already runs the next group. One sync covers every commit
waiting for it. docs/performance.md measures the gain.

Nothing is acknowledged before its commit is on disk: the guarantee a synchronous commit
gives. A SQLite checkpoint in NORMAL mode still syncs the WAL before copying it and the
database after, so the database file never holds what the WAL has not made durable. Readers
may see a commit a moment before it is acknowledged (as they may see it before the answer
reaches the client); should the machine lose power in that moment, the commit is lost and
was never acknowledged.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any

log = logging.getLogger(__name__)

# A group's answers (one per message), and whether they are for a commit that must be durable.
_Item = tuple[list[Any], bool]


class Replies:
    """Sends answers down `pipe` in the order they were put; an answer for a commit waits for
    `sync` (None: the commit was durable already). `failure` turns the error of a failed sync
    into the answer each of those messages gets instead: their data may be stored, but it was
    never acknowledged, and a client sending it again is answered as for any re-sent statement."""

    def __init__(
        self,
        pipe: Pipe,
        *,
        sync: Callable[[], None] | None,
        failure: Callable[[BaseException], Any],
    ) -> None:
        self._pipe = pipe
        self._sync = sync
        self._failure = failure
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self.syncs = 0  # how many syncs ran (each covering every commit waiting then)
        self.gone = threading.Event()  # the server went away: nobody reads the answers
        self._thread = threading.Thread(target=self._run, name="writer-replies", daemon=True)
        self._thread.start()

    def put(self, answers: list[Any], *, committed: bool) -> None:
        self._queue.put((answers, committed))

    def close(self) -> None:
        """Send everything put so far, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            while not self._queue.empty():
                items.append(self._queue.get_nowait())
            stopping = None in items
            waiting = [item for item in items if item is not None]
            if self._sync is not None and any(committed for _, committed in waiting):
                waiting = self._synced(waiting)
            try:
                for answers, _ in waiting:
                    for answer in answers:
                        self._pipe.send(answer)
            except OSError:  # the server is gone; what was committed stays committed
                log.warning("the server went away; the writer's answers stop")
                self.gone.set()
                return
            if stopping:
                return

    def _synced(self, waiting: list[_Item]) -> list[_Item]:
        assert self._sync is not None
        try:
            self._sync()
        except Exception as exc:  # a disk or a database connection failing
            log.exception("the commits could not be made durable: they are not acknowledged")
            failed = self._failure(exc)
            return [([failed] * len(a), c) if c else (a, c) for a, c in waiting]
        self.syncs += 1
        return waiting
