"""Attachment bodies by SHA-2: written once, read many. No xAPI rules here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from proficio.storage import rawsql

_CHUNK = 200


def save_attachments(conn: Connection, rows: Sequence[tuple[str, str, bytes]]) -> None:
    """Store (sha2, content type, bytes) rows; a body already stored is left as it is."""
    rawsql.executemany(
        conn,
        "INSERT INTO attachments (sha2, content_type, contents) VALUES (?, ?, ?) "
        "ON CONFLICT (sha2) DO NOTHING",
        rows,
    )


def get_attachments(conn: Connection, sha2s: Sequence[str]) -> dict[str, tuple[str, bytes]]:
    found: dict[str, tuple[str, bytes]] = {}
    for start in range(0, len(sha2s), _CHUNK):
        chunk = sha2s[start : start + _CHUNK]
        sql = (
            "SELECT sha2, content_type, contents FROM attachments "
            f"WHERE sha2 IN ({rawsql.placeholders(len(chunk))})"
        )
        found.update(
            {sha2: (kind, bytes(body)) for sha2, kind, body in rawsql.execute(conn, sql, chunk)}
        )
    return found
