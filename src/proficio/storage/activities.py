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
        condition, params = rawsql.one_of(conn, "activity_id", activity_ids[start : start + _CHUNK])
        sql = f"SELECT activity_id, {body} FROM activities WHERE {condition}"
        found.update(rawsql.execute(conn, sql, params))
    return found


def save_definitions(conn: Connection, rows: Sequence[tuple[str, str, int]]) -> None:
    """Insert or replace (activity_id, definition JSON, updated_us) rows, one per activity."""
    rawsql.insert_rows(
        conn,
        "activities",
        (("activity_id", "text"), ("definition", "jsonb"), ("updated_us", "bigint")),
        rows,
        on_conflict="ON CONFLICT (activity_id) DO UPDATE "
        "SET definition = excluded.definition, updated_us = excluded.updated_us",
    )
