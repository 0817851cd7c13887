"""WAL checkpoints off the writer's critical path (SQLite only).

By default SQLite checkpoints inside the COMMIT that makes the WAL pass 1,000 pages: the
writer then copies every page back into the database file and fsyncs it while every waiting
request waits too. Here the writer's connection does not checkpoint automatically; a thread
of the writer process, on its own connection, copies committed pages back while the writer
goes on (SQLite releases the GIL meanwhile). SQLite only rewinds the WAL when a write begins
with every frame copied back, which a busy writer rarely meets by chance; so once the WAL is
longer than `RESTART_FRAMES`, the writer itself finishes the checkpoint between two
transactions (little is left by then), and its next transaction starts the WAL from the
beginning. `journal_size_limit` then truncates the file, so the WAL stays bounded.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)

RESTART_FRAMES = 4_000  # about 32 MB of 8 kB pages
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
_IDLE_WAIT_S = 0.5
# At most one background checkpoint per this long: small commits (a State PUT each) would
# otherwise each be followed by a checkpoint and its fsync (17 % of the writer's time).
MIN_INTERVAL_S = 0.02


class Checkpointer:
    def __init__(
        self,
        engine: Engine,
        *,
        restart_frames: int = RESTART_FRAMES,
        min_interval_s: float = MIN_INTERVAL_S,
    ) -> None:
        self._engine = engine
        self._restart_frames = restart_frames
        self._min_interval_s = min_interval_s
        self._lock = threading.Lock()  # one checkpoint at a time in this process
        self._wake = threading.Event()
        self._stopping = False
        self._wal_frames = 0
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    @staticmethod
    def tune(conn: Connection) -> None:
        """Settings for the writer's own connection."""
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        conn.exec_driver_sql(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        conn.commit()

    def committed(self, conn: Connection) -> None:
        """Called by the writer after each commit, outside any transaction."""
        if self._wal_frames < self._restart_frames:
            self._wake.set()
            return
        with self._lock:
            self._wal_frames = _checkpoint(conn.connection.dbapi_connection)
        # The thread stays asleep until the next commit: a checkpoint running while the
        # writer begins its next transaction could keep SQLite from rewinding the WAL.

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(_IDLE_WAIT_S)
            self._wake.clear()
            try:
                with self._lock, self._engine.connect() as conn:
                    self._wal_frames = _checkpoint(conn.connection.dbapi_connection)
            except Exception:  # a failed checkpoint only delays the next one
                log.exception("background WAL checkpoint failed")
            time.sleep(self._min_interval_s)  # commits meanwhile set the event: no wake is lost


def _checkpoint(dbapi_conn: Any) -> int:
    """Copy what is committed in the WAL back into the database file; the WAL's length."""
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, wal_frames, _copied = cursor.fetchone()
    finally:
        cursor.close()
    return int(wal_frames)
