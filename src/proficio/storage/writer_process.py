"""The writer process's main loop (see `writer.py`): receive a group, run it, commit, answer
(the answers once durable, from a thread of their own: `replies.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, make_url

from proficio.runtime import tune_runtime
from proficio.storage.checkpoint import Checkpointer
from proficio.storage.database import (
    WRITE_OPTIONS,
    make_engine,
    refresh_statistics,
    tune_writer,
)
from proficio.storage.durability import PgFlush, WalSync
from proficio.storage.replies import Replies
from proficio.storage.writer import Handler, Tx, group_failure, run_group

log = logging.getLogger(__name__)


MAX_MESSAGES_PER_COMMIT = 16


def _split(outcomes: Any, sizes: list[int]) -> list[Any]:
    """One reply per message: its slice of the outcomes, or the error that failed them all."""
    if isinstance(outcomes, BaseException):
        return [outcomes] * len(sizes)
    replies, start = [], 0
    for size in sizes:
        replies.append(outcomes[start : start + size])
        start += size
    return replies


class StatisticsSchedule:
    """When to refresh the planner's statistics: as the tables grow by orders of magnitude,
    then every STEP rows. Without them PostgreSQL (when autovacuum is off) plans the
    ingest's `target_id IN (...)` lookup as a full scan."""

    FIRST = (1_000, 10_000, 100_000)
    STEP = 250_000

    def __init__(self) -> None:
        self.written = 0
        self.next_at = self.FIRST[0]

    def due(self, rows: int) -> bool:
        self.written += rows
        if self.written < self.next_at:
            return False
        later = [n for n in self.FIRST if n > self.written]
        self.next_at = later[0] if later else self.written + self.STEP
        return True


def writer_main(
    url: str,
    sqlite_synchronous: str,
    handlers_factory: Callable[[], dict[str, Handler]],
    pipe: Pipe,
) -> None:
    try:
        path = (make_url(url).database or "") if url.startswith("sqlite") else ""
        # A commit's sync happens in the replies thread (`replies.py`), off this one.
        on_disk = path not in ("", ":memory:")
        wal_sync = WalSync(path) if sqlite_synchronous == "FULL" and on_disk else None
        synchronous = "NORMAL" if wal_sync is not None else sqlite_synchronous
        engine = make_engine(url, sqlite_synchronous=synchronous, pool_size=1, prepare=True)
        sync: Callable[[], None] | None = wal_sync
        if engine.dialect.name == "postgresql":
            sync = PgFlush(engine)
        handlers = handlers_factory()
    except Exception as exc:
        pipe.send(group_failure(exc))
        return
    tune_runtime()
    pipe.send("ready")
    replies = Replies(pipe, sync=sync, failure=group_failure)
    checkpointer = Checkpointer(engine) if engine.dialect.name == "sqlite" else None
    conn: Connection | None = None
    statistics = StatisticsSchedule()
    stopping = False
    while not stopping and not replies.gone.is_set():
        try:
            messages = [pipe.recv()]
            # Merge every group already waiting into this transaction (group commit).
            while pipe.poll(0) and len(messages) < MAX_MESSAGES_PER_COMMIT:
                messages.append(pipe.recv())
        except (EOFError, OSError):
            break
        if None in messages:
            stopping = True
            messages = [m for m in messages if m is not None]
            if not messages:
                break
        jobs = [job for message in messages for job in message]
        outcomes: Any
        committed = False
        try:
            if conn is None:
                conn = engine.connect().execution_options(**WRITE_OPTIONS)
                tune_writer(conn)
                if checkpointer is not None:
                    Checkpointer.tune(conn)
            tx = Tx(conn)
            with conn.begin():
                outcomes = run_group(tx, handlers, jobs)
            committed = True
            for callback in tx.after_commit:
                callback()
            if checkpointer is not None:
                checkpointer.committed(conn)
            if statistics.due(sum(len(p) if isinstance(p, list) else 1 for _, p in jobs)):
                refresh_statistics(conn)
        except Exception as exc:  # the database failed: nothing of the group is acknowledged
            log.exception("write group failed")
            outcomes = group_failure(exc)
            if conn is not None:
                conn.invalidate()
                conn = None
        replies.put(_split(outcomes, [len(m) for m in messages]), committed=committed)
    replies.close()
    if isinstance(sync, PgFlush):
        sync.close()
    if checkpointer is not None:
        checkpointer.stop()
    if conn is not None:
        conn.close()
    engine.dispose()
