"""Document persistence for the State, Activity Profile and Agent Profile resources.

A document is found by its full key; lists and bulk deletes by the key without the document
id. No xAPI rules here (`proficio.lrs.documents` has them); the same calls on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select, update

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


def get_document(conn: Connection, scope: Scope, document_id: str) -> StoredDocument | None:
    c = documents.c
    row = conn.execute(
        select(c.content_type, c.contents, c.etag, c.updated_us).where(
            scope.where(), c.document_id == document_id
        )
    ).first()
    return None if row is None else StoredDocument(row[0], bytes(row[1]), row[2], row[3])


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
    c = documents.c
    values = {
        "content_type": document.content_type,
        "contents": document.contents,
        "etag": document.etag,
        "updated_us": document.updated_us,
    }
    changed = conn.execute(
        update(documents).where(scope.where(), c.document_id == document_id).values(values)
    ).rowcount
    if not changed:
        conn.execute(
            insert(documents).values(
                kind=scope.kind,
                activity_id=scope.activity_id,
                agent_key=scope.agent_key,
                registration=scope.registration or "",
                document_id=document_id,
                **values,
            )
        )


def delete_documents(conn: Connection, scope: Scope, document_id: str | None = None) -> int:
    """Delete one document, or every document in `scope` when `document_id` is None."""
    query = delete(documents).where(scope.where())
    if document_id is not None:
        query = query.where(documents.c.document_id == document_id)
    return conn.execute(query).rowcount
