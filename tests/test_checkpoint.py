"""WAL checkpoints outside the writer's commits (SQLite): the WAL is copied back into the
database file by a background thread, and restarted before it grows past a bound."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

from proficio.storage.checkpoint import Checkpointer
from proficio.storage.database import SQLITE_PAGE_SIZE, make_engine

RESTART_FRAMES = 40
PAGE_BYTES = SQLITE_PAGE_SIZE + 24  # a WAL frame: a page and its header
ROWS_PER_COMMIT = 40  # about 10 pages of 2 kB rows


def _write(conn: Connection, commit: int) -> None:
    with conn.begin():
        conn.execute(
            text("INSERT INTO t (k, v) VALUES (:k, :v)"),
            [{"k": commit * 1000 + i, "v": "x" * 2000} for i in range(ROWS_PER_COMMIT)],
        )


def test_the_wal_stays_bounded_and_everything_reaches_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}", pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"))
    # No pause between background checkpoints: at this scale (40 frames, not 4,000) the 20 ms
    # pause would let a burst of commits outrun the bound before the next frame count.
    checkpointer = Checkpointer(engine, restart_frames=RESTART_FRAMES, min_interval_s=0)
    wal = Path(f"{path}-wal")
    largest = 0
    with engine.connect() as conn:
        Checkpointer.tune(conn)
        autocheckpoint = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        conn.commit()
        for commit in range(300):
            _write(conn, commit)
            checkpointer.committed(conn)
            largest = max(largest, wal.stat().st_size)
    checkpointer.stop()
    engine.dispose()

    assert autocheckpoint == 0  # the writer's commits never checkpoint themselves
    # 300 commits wrote about 3,000 frames; the WAL was restarted long before that (a
    # restart can miss a commit or two when the background checkpoint is mid-way).
    assert largest < 8 * RESTART_FRAMES * PAGE_BYTES, f"the WAL reached {largest} bytes"
    reopened = make_engine(f"sqlite:///{path}")
    with reopened.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 300 * ROWS_PER_COMMIT
    reopened.dispose()
