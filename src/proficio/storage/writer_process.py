"""The writer process's main loop (see `writer.py`): receive a group, run it, commit, answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection

from proficio.storage.database import make_engine, tune_writer
from proficio.storage.writer import Handler, Tx, group_failure, run_group

log = logging.getLogger(__name__)


def writer_main(
    url: str,
    sqlite_synchronous: str,
    handlers_factory: Callable[[], dict[str, Handler]],
    pipe: Pipe,
) -> None:
    try:
        engine = make_engine(url, sqlite_synchronous=sqlite_synchronous, pool_size=1)
        handlers = handlers_factory()
    except Exception as exc:
        pipe.send(group_failure(exc))
        return
    pipe.send("ready")
    conn: Connection | None = None
    while True:
        try:
            jobs = pipe.recv()
        except (EOFError, OSError):
            break
        if jobs is None:
            break
        outcomes: Any
        try:
            if conn is None:
                conn = engine.connect()
                tune_writer(conn)
            tx = Tx(conn)
            with conn.begin():
                outcomes = run_group(tx, handlers, jobs)
            for callback in tx.after_commit:
                callback()
        except Exception as exc:  # the database failed: nothing of the group is acknowledged
            log.exception("write group failed")
            outcomes = group_failure(exc)
            if conn is not None:
                conn.invalidate()
                conn = None
        pipe.send(outcomes)
    if conn is not None:
        conn.close()
    engine.dispose()
