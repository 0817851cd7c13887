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
    return execute_native(conn, _for(conn, sql), tuple(params))


def execute_query(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """A SQLAlchemy Core select run on the DBAPI cursor: the same SQL, without building a Row
    per result (for reads of tens of thousands of rows)."""
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args: Any = (
        tuple(params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else params
    )
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return [tuple(row) for row in cursor.fetchall()]
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


def one_of(conn: Connection, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """A condition that `column` is one of `values`, and its parameters: one array parameter
    on PostgreSQL (`= ANY`: the query text stays the same, so psycopg parses it once, and
    hundreds of values cost one parameter), a list of placeholders on SQLite."""
    if conn.dialect.name == "postgresql":
        return f"{column} = ANY(?)", [list(values)]
    return f"{column} IN ({placeholders(len(values))})", list(values)


# Binary arrays of these arrive as text[] and are cast by PostgreSQL.
_BINARY_ARRAY = {"jsonb": "text[]::jsonb[]", "varchar": "text[]::varchar[]"}


def unnest(columns: Sequence[tuple[str, str]]) -> str:
    """PostgreSQL: `unnest(...)` of one array parameter per (name, type) column, the rows
    of an INSERT ... SELECT (`arrays` gives the parameters). The arrays go in binary (%b),
    which spares psycopg escaping every element in Python."""
    return "unnest({})".format(
        ", ".join(f"%b::{_BINARY_ARRAY.get(t, t + '[]')}" for _, t in columns)
    )


def arrays(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """The column arrays of `rows` (each `width` long), for `unnest`."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def execute_native(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` written with the driver's own placeholders (psycopg's `%s`, and `%b` from
    `unnest`); the rows it returns, if any."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    finally:
        cursor.close()


def insert_rows(
    conn: Connection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_do_nothing: bool = False,
    on_conflict: str = "",
    returning: str | None = None,
) -> list[tuple[Any, ...]]:
    """Insert many rows: `columns` are (name, PostgreSQL type) pairs; `on_conflict`, an
    `ON CONFLICT ...` clause for both databases (rows must not conflict among themselves).

    PostgreSQL gets one INSERT ... SELECT FROM unnest(arrays), far cheaper than one INSERT per
    row, and can return columns of the new rows (`returning`); SQLite, in-process, gets
    executemany, which cannot.
    """
    if not rows:
        return []
    names = ", ".join(name for name, _ in columns)
    conflict = " ON CONFLICT DO NOTHING" if on_conflict_do_nothing else ""
    if on_conflict:
        conflict = f" {on_conflict}"
    if conn.dialect.name == "postgresql":
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM {unnest(columns)}{conflict}"
        if returning:
            sql += f" RETURNING {returning}"
        return execute_native(conn, sql, arrays(rows, len(columns)))
    if returning:
        raise ValueError("SQLite's executemany cannot return rows")
    marks = placeholders(len(columns))
    executemany(conn, f"INSERT INTO {table} ({names}) VALUES ({marks}){conflict}", rows)
    return []
