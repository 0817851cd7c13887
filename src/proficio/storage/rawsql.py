"""Driver-level SQL for the ingest hot path, written once for both backends.

SQLAlchemy Core builds a statement and a result object per call; for the few statements run
for every stored statement (tens of thousands a second) that bookkeeping costs more than the
database work, so they go to the DBAPI cursor of the caller's connection, inside the caller's
transaction. Write them with `?` placeholders; PostgreSQL's psycopg wants `%s`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection


def _for(conn: Connection, sql: str) -> str:
    return sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql


def execute(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_for(conn, sql), tuple(params))
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        cursor.close()


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(_for(conn, sql), rows)
    finally:
        cursor.close()


def placeholders(count: int) -> str:
    return ",".join("?" * count)
