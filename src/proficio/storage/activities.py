"""Canonical activity definitions: read many, write the changed ones. No xAPI rules here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from proficio.storage import rawsql

_CHUNK = 500


def get_definitions(conn: Connection, activity_ids: Sequence[str]) -> dict[str, str]:
    """The stored definitions (JSON text) of those of `activity_ids` that have one."""
    body = "CAST(definition AS TEXT)" if conn.dialect.name == "postgresql" else "definition"
    found: dict[str, str] = {}
    for start in range(0, len(activity_ids), _CHUNK):
        chunk = activity_ids[start : start + _CHUNK]
        sql = (
            f"SELECT activity_id, {body} FROM activities "
            f"WHERE activity_id IN ({rawsql.placeholders(len(chunk))})"
        )
        found.update(rawsql.execute(conn, sql, chunk))
    return found


def save_definitions(conn: Connection, rows: Sequence[tuple[str, str, int]]) -> None:
    """Insert or replace (activity_id, definition JSON, updated_us) rows."""
    cast = "CAST(? AS JSONB)" if conn.dialect.name == "postgresql" else "?"
    rawsql.executemany(
        conn,
        f"INSERT INTO activities (activity_id, definition, updated_us) VALUES (?, {cast}, ?) "
        "ON CONFLICT (activity_id) DO UPDATE "
        "SET definition = excluded.definition, updated_us = excluded.updated_us",
        rows,
    )
