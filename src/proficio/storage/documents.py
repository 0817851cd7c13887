"""Document persistence for the State, Activity Profile and Agent Profile resources.

A document is found by its full key; lists and bulk deletes by the key without the document
id. No xAPI rules here (`proficio.lrs.documents` has them); the same calls on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, delete, select

from proficio.storage import rawsql
from proficio.storage.schema import documents

STATE, ACTIVITY_PROFILE, AGENT_PROFILE = 1, 2, 3


@dataclass(frozen=True, slots=True)
class Scope:
    """Where documents live: the key without the document id. `registration=None` (only in a
    query) means any registration."""

    kind: int
    activity_id: str = ""
    agent_key: str = ""
    registration: str | None = ""

    def where(self) -> ColumnElement[bool]:
        c = documents.c
        clauses = [c.kind == self.kind, c.activity_id == self.activity_id]
        clauses.append(c.agent_key == self.agent_key)
        if self.registration is not None:
            clauses.append(c.registration == self.registration)
        return and_(*clauses)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    content_type: str
    contents: bytes
    etag: str
    updated_us: int


# One document by its full key: the State resource's hot path, so at the driver (rawsql).
_KEY = "kind = ? AND activity_id = ? AND agent_key = ? AND registration = ? AND document_id = ?"
_GET = f"SELECT content_type, contents, etag, updated_us FROM documents WHERE {_KEY}"
_SAVE = (
    "INSERT INTO documents (kind, activity_id, agent_key, registration, document_id, "
    "content_type, contents, etag, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (kind, activity_id, agent_key, registration, document_id) DO UPDATE SET "
    "content_type = excluded.content_type, contents = excluded.contents, "
    "etag = excluded.etag, updated_us = excluded.updated_us"
)


def _key(scope: Scope, document_id: str) -> tuple[int, str, str, str, str]:
    assert scope.registration is not None, "one document has one registration (or '')"
    return (scope.kind, scope.activity_id, scope.agent_key, scope.registration, document_id)


def get_document(conn: Connection, scope: Scope, document_id: str) -> StoredDocument | None:
    rows = rawsql.execute(conn, _GET, _key(scope, document_id))
    if not rows:
        return None
    content_type, contents, etag, updated_us = rows[0]
    return StoredDocument(content_type, bytes(contents), etag, updated_us)


def list_document_ids(
    conn: Connection, scope: Scope, *, since_us: int | None = None
) -> tuple[list[str], int | None]:
    """The ids of the documents in `scope` (updated after `since_us`), in id order, and when
    the newest of them was updated."""
    c = documents.c
    query = select(c.document_id, c.updated_us).where(scope.where())
    if since_us is not None:
        query = query.where(c.updated_us > since_us)
    rows = conn.execute(query.order_by(c.document_id)).all()
    ids = list(dict.fromkeys(row[0] for row in rows))  # any registration: an id may repeat
    return ids, max((row[1] for row in rows), default=None)


def save_document(
    conn: Connection, scope: Scope, document_id: str, document: StoredDocument
) -> None:
    """Insert or replace one document (the caller holds the write lock: the writer process)."""
    rawsql.execute(
        conn,
        _SAVE,
        (
            *_key(scope, document_id),
            document.content_type,
            document.contents,
            document.etag,
            document.updated_us,
        ),
    )


def delete_documents(conn: Connection, scope: Scope, document_id: str | None = None) -> int:
    """Delete one document, or every document in `scope` when `document_id` is None."""
    query = delete(documents).where(scope.where())
    if document_id is not None:
        query = query.where(documents.c.document_id == document_id)
    return conn.execute(query).rowcount
