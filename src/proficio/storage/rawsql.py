"""Driver-level SQL for the ingest hot path, written once for both backends.

SQLAlchemy Core builds and caches a statement per call; for the few statements run for every
stored statement (tens of thousands a second) that bookkeeping costs more than the database
work, so they go to the driver directly. Write them with `?` placeholders; PostgreSQL's
psycopg wants `%s`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection


def _for(conn: Connection, sql: str) -> str:
    return sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql


def execute(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    result = conn.exec_driver_sql(_for(conn, sql), tuple(params))
    return [tuple(row) for row in result] if result.returns_rows else []


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        conn.exec_driver_sql(_for(conn, sql), [tuple(r) for r in rows])


def placeholders(count: int) -> str:
    return ",".join("?" * count)
