"""The writer's answers (`storage.replies`): in order, and for a commit only once a sync
that began after it has finished; a failed sync turns those answers into 503s. And what makes
the commits durable (`storage.durability`): the WAL file, a PostgreSQL WAL flush."""

from __future__ import annotations

import gc
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from proficio.errors import ServiceUnavailable
from proficio.storage.database import make_engine
from proficio.storage.durability import PgFlush, WalSync
from proficio.storage.replies import Replies
from proficio.storage.writer import group_failure


def _receive(pipe: Any, count: int) -> list[Any]:
    answers: list[Any] = []
    for _ in range(count):
        assert pipe.poll(10), f"only {len(answers)} of {count} answers arrived"
        answers.append(pipe.recv())
    return answers


def test_a_commit_is_answered_only_after_a_sync_that_began_after_it() -> None:
    ours, theirs = multiprocessing.Pipe()
    release = threading.Event()
    began: list[int] = []  # how many answers had been put when each sync began
    put = 0

    def sync() -> None:
        began.append(put)
        release.wait(10)

    replies = Replies(theirs, sync=sync, failure=group_failure)
    put += 1
    replies.put(["first"], committed=True)
    assert not ours.poll(0.3)  # the sync is still running: nothing is acknowledged
    release.set()
    put += 2
    replies.put(["second", "third"], committed=True)
    replies.close()

    assert _receive(ours, 3) == ["first", "second", "third"]
    assert began[0] == 1
    # "second" and "third" were put while the first sync ran: a later sync covered them.
    assert len(began) == 2 and began[1] == 3
    assert replies.syncs == 2


def test_answers_that_need_no_sync_keep_their_place_behind_those_that_do() -> None:
    ours, theirs = multiprocessing.Pipe()
    release = threading.Event()
    replies = Replies(theirs, sync=lambda: release.wait(10) and None, failure=group_failure)
    replies.put(["committed"], committed=True)
    refused = ServiceUnavailable("the database could not store the data (OperationalError)")
    replies.put([refused], committed=False)
    assert not ours.poll(0.3)  # the refusal waits behind the commit before it
    release.set()
    replies.close()

    first, second = _receive(ours, 2)
    assert first == "committed"
    assert isinstance(second, ServiceUnavailable) and second.message == refused.message


def test_a_failed_sync_answers_its_commits_with_503_and_leaves_other_answers(
    tmp_path: Path,
) -> None:
    ours, theirs = multiprocessing.Pipe()
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    # Its WAL would be inside a file: opening it fails, as a failing disk would.
    replies = Replies(theirs, sync=WalSync(str(not_a_directory / "db")), failure=group_failure)
    refused = ServiceUnavailable("refused before the commit")
    replies.put([refused], committed=False)
    replies.put(["a", "b"], committed=True)
    replies.close()

    answers = _receive(ours, 3)
    assert [a.message for a in answers[:1]] == ["refused before the commit"]
    assert all(isinstance(a, ServiceUnavailable) for a in answers[1:])
    assert "NotADirectoryError" in answers[1].message
    assert replies.syncs == 0


def test_a_wal_is_synced_and_a_database_without_one_needs_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    sync = WalSync(str(path))
    sync()  # no database, no WAL yet: nothing to make durable
    engine = make_engine(f"sqlite:///{path}", sqlite_synchronous="NORMAL")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert Path(sync.path).stat().st_size > 0
    sync()
    engine.dispose()


def test_an_answer_the_server_cannot_take_stops_the_thread() -> None:
    ours, theirs = multiprocessing.Pipe()
    ours.close()
    replies = Replies(theirs, sync=None, failure=group_failure)
    replies.put(["lost"], committed=False)
    replies.close()
    assert replies.gone.is_set()


@pytest.mark.parametrize("committed", [True, False])
def test_close_sends_what_was_put_before_it(committed: bool) -> None:
    ours, theirs = multiprocessing.Pipe()
    replies = Replies(theirs, sync=lambda: None, failure=group_failure)
    for n in range(50):
        replies.put([n], committed=committed)
    replies.close()
    assert _receive(ours, 50) == list(range(50))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_postgres_flush_makes_every_earlier_asynchronous_commit_durable(
    database_url: str,
) -> None:
    engine = make_engine(database_url, pool_size=1)
    flush = PgFlush(engine)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET synchronous_commit = off")  # as the writer's session
            conn.commit()
            with conn.begin():
                conn.execute(text("CREATE TABLE t (v integer)"))
                conn.execute(text("INSERT INTO t SELECT generate_series(1, 10000)"))
            written = conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
            conn.commit()
            flush()
            durable = conn.execute(
                text("SELECT pg_current_wal_flush_lsn() >= CAST(:lsn AS pg_lsn)"),
                {"lsn": written},
            ).scalar()
            conn.commit()
            assert durable
            # The flush commits each message on its own (autocommit): its connection must
            # never be handed out by the pool, where the writer would commit each statement
            # apart (the pool has room for a second connection: one more than `pool_size`).
            gc.collect()
            with engine.connect() as other:
                assert other.connection.driver_connection.autocommit is False
            # An outage ends the flush's connection: the next flush opens another.
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.commit()
            flush()
    finally:
        flush.close()
        engine.dispose()
