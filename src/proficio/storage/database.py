"""The database handle: engine with per-backend settings, and read and transaction helpers.

SQLite runs in WAL mode so readers never wait for the writer; PostgreSQL goes through
psycopg 3. Both get exactly the same schema (`schema.py`) through the same migrations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from proficio.errors import ServiceUnavailable
from proficio.storage.writer import Tx

T = TypeVar("T")


SQLITE_PAGE_SIZE = 8192
# Execution options of a connection that writes (ignored by PostgreSQL).
WRITE_OPTIONS = {"sqlite_immediate": True}


def make_engine(
    url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 4, prepare: bool = False
) -> Engine:
    """`prepare`: on PostgreSQL, let psycopg prepare a statement run often (after 5 runs),
    for a writer whose statements are the same few inserts and key lookups. Otherwise every
    query is planned for its own values: a prepared query is soon run with PostgreSQL's
    generic plan, which for a statement filter is a bet on how common a verb or an agent
    is; with the wrong bet (an agent with a few statements and the commonest verb) one GET
    read every reference to the verb, 145 ms instead of 1 ms (docs/performance.md)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's BEGIN / SAVEPOINT drive transactions (pysqlite's own are broken).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # Only takes effect when the file is new (measured in docs/performance.md).
            cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA busy_timeout=10000")
            # Readers find their pages through indexes in the OS page cache; a small cache
            # per pooled connection keeps the server's memory bounded (the writer sets its own).
            cur.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Write transactions take the write lock up front (WRITE_OPTIONS): a deferred
            # one that read first fails at once with SQLITE_BUSY_SNAPSHOT when another
            # process committed meanwhile, instead of waiting its turn.
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={} if prepare else {"prepare_threshold": None},
    )


def tune_writer(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        # The writer walks the reference index on every insert: keep its pages cached.
        conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
    else:
        # Commits do not wait for the disk: the writer's replies thread makes them durable
        # before answering (`durability.PgFlush`).
        conn.exec_driver_sql("SET synchronous_commit = off")
    conn.commit()


WRITER_CACHE_KIB = 8 * 1024
READER_CACHE_KIB = 1024
CLOSE_WAIT_S = 10  # how long `close` waits for reads still running in threads


def refresh_statistics(conn: Connection) -> None:
    """Let the query planner see the tables as they are now (outside any transaction)."""
    if conn.dialect.name == "postgresql":
        with conn.begin():
            conn.exec_driver_sql(
                "ANALYZE statements, statement_refs, statement_refs_recent, lrs_keys"
            )
    else:
        conn.exec_driver_sql("PRAGMA optimize")
        conn.commit()


class Database:
    """Owns the engine for reads and for the CLI's transactions; the server's writes go
    through the writer process (`writer.py`). Services receive a connection, never commit."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.engine = make_engine(url, sqlite_synchronous=sqlite_synchronous)
        # Hot-path SQL talks to the driver directly (rawsql), so its errors arrive unwrapped.
        self._driver_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        # SQLite key reads run on the event loop, one at a time, so they get a connection of
        # their own and never wait for one that worker threads hold.
        self._inline_engine = (
            make_engine(url, sqlite_synchronous=sqlite_synchronous, pool_size=1)
            if self.engine.dialect.name == "sqlite"
            else None
        )
        # Reads running in worker threads: a task awaiting one can be cancelled (the server
        # stopping) while the thread goes on holding a connection; `close` waits for them.
        self._threads_done = threading.Condition()
        self._thread_reads = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on a pooled connection in a worker thread, inside one read transaction."""
        return await anyio.to_thread.run_sync(self._read_in_thread, fn)

    def _read_in_thread(self, fn: Callable[[Connection], T]) -> T:
        with self._threads_done:
            self._thread_reads += 1
        try:
            return self.read_sync(fn)
        finally:
            with self._threads_done:
                self._thread_reads -= 1
                self._threads_done.notify_all()

    async def read_by_key(self, fn: Callable[[Connection], T]) -> T:
        """A read that finds its rows by a unique key (one document, one statement by id),
        with one SQL statement. On SQLite it runs inline: such a lookup costs microseconds
        from the page cache, less than the hand-off to a worker thread and back (State GETs:
        +34 %, docs/performance.md). On PostgreSQL, a network round trip away, it goes to a
        worker thread like `read`."""
        if self._inline_engine is None:
            return await self.read(fn)
        # No BEGIN and COMMIT around it: one SELECT is its own snapshot in SQLite, and
        # SQLAlchemy begins a transaction by itself should `fn` execute through it.
        return self._run(self._inline_engine, fn, transaction=False)

    def read_sync(self, fn: Callable[[Connection], T]) -> T:
        return self._run(self.engine, fn, transaction=True)

    def _run(self, engine: Engine, fn: Callable[[Connection], T], *, transaction: bool) -> T:
        try:
            with engine.connect() as conn:
                if not transaction:
                    return fn(conn)
                with conn.begin():
                    return fn(conn)
        except (DBAPIError, self._driver_error) as exc:
            raise ServiceUnavailable(f"the database is unavailable ({exc})") from exc

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A transaction for the CLI and jobs outside the server: commits on success."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**WRITE_OPTIONS)
                with conn.begin():
                    tx = Tx(conn)
                    yield tx
        except DBAPIError as exc:
            raise ServiceUnavailable(f"the database is unavailable ({exc.orig})") from exc
        for callback in tx.after_commit:
            callback()

    def close(self) -> None:
        """Let go of every connection, once reads still running in threads have given theirs
        back (disposed of before that, a connection would outlive its pool, left open)."""
        with self._threads_done:
            self._threads_done.wait_for(lambda: self._thread_reads == 0, timeout=CLOSE_WAIT_S)
        self.engine.dispose()
        if self._inline_engine is not None:
            self._inline_engine.dispose()
