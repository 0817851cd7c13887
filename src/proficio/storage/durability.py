"""Making commits durable after the fact: for a writer that commits without waiting for the
disk and lets its replies thread (`replies.py`) wait instead, and for imports that sync once
at the end (`capture.sinks`)."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from sqlalchemy import Engine


def sync_file(path: str) -> bool:
    """fsync `path`; False when it does not exist."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
    return True


class WalSync:
    """Makes every frame written to a SQLite WAL so far durable."""

    def __init__(self, database_path: str) -> None:
        self.path = database_path + "-wal"
        self._directory = os.path.dirname(os.path.abspath(database_path))
        self._inode: int | None = None

    def __call__(self) -> None:
        # No WAL file: the last checkpoint moved everything into the database and synced it.
        if not sync_file(self.path):
            return
        inode = os.stat(self.path).st_ino
        if inode != self._inode:  # a new WAL file: its directory entry must be durable too
            sync_file(self._directory)
            self._inode = inode


class PgFlush:
    """Makes every commit made so far on a PostgreSQL server durable, for a writer whose
    session commits with `synchronous_commit=off`: a transaction that writes to the WAL
    commits with the server's own setting, which flushes the WAL up to its commit record (and
    waits for synchronous replicas, if the server has them), past every earlier commit's. It
    writes a logical decoding message, not a row: no table, and any role may (a transaction
    that only takes an id writes nothing before its commit record, and PostgreSQL commits
    that one asynchronously)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Any = None

    def __call__(self) -> None:
        # A connection kept since before an outage fails once; a new one tells the truth.
        for attempt in (1, 2):
            try:
                if self._conn is None:
                    pooled = self._engine.raw_connection()
                    conn: Any = pooled.driver_connection
                    pooled.detach()  # its own connection: never handed to the writer's pool
                    # The message's transaction is its one statement: one round trip, not
                    # three (BEGIN, the message, COMMIT).
                    conn.autocommit = True
                    self._conn = conn
                cursor = self._conn.cursor()
                cursor.execute("SELECT pg_logical_emit_message(true, 'proficio', 'flush')")
                cursor.close()
                return
            except Exception:
                self.close()
                if attempt == 2:
                    raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
