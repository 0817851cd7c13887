"""Attachment bodies by SHA-2: written once, read many. No xAPI rules here.

A body lives in the row (`contents`) or, when a directory or S3-compatible store is configured,
in that store (`contents` NULL, `length` its size); see `proficio.storage.blobs`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from proficio.storage import rawsql

_CHUNK = 200

# (sha2, content type, the bytes, or None when they are in the blob store, length)
AttachmentRow = tuple[str, str, bytes | None, int]


def save_attachments(conn: Connection, rows: Sequence[AttachmentRow]) -> None:
    """Store attachment rows; a body already stored is left as it is, except that bytes
    sent again fill in a row that had none in the database (its store was switched back)."""
    rawsql.executemany(
        conn,
        "INSERT INTO attachments (sha2, content_type, contents, length) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (sha2) DO UPDATE SET contents = excluded.contents "
        "WHERE attachments.contents IS NULL AND excluded.contents IS NOT NULL",
        rows,
    )


def get_attachments(conn: Connection, sha2s: Sequence[str]) -> dict[str, tuple[str, bytes | None]]:
    """sha2 -> (content type, bytes, or None when the body is in the blob store)."""
    found: dict[str, tuple[str, bytes | None]] = {}
    for start in range(0, len(sha2s), _CHUNK):
        chunk = sha2s[start : start + _CHUNK]
        sql = (
            "SELECT sha2, content_type, contents FROM attachments "
            f"WHERE sha2 IN ({rawsql.placeholders(len(chunk))})"
        )
        found.update(
            {
                sha2: (kind, None if body is None else bytes(body))
                for sha2, kind, body in rawsql.execute(conn, sql, chunk)
            }
        )
    return found
