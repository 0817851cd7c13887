"""Credential rows: only a hash of each secret is stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from proficio.storage.schema import credentials


@dataclass(frozen=True, slots=True)
class CredentialRow:
    key: str
    secret_hash: str
    name: str
    scopes: str
    authority: str
    created_at: str
    revoked_at: str | None


_COLUMNS = (
    credentials.c.key,
    credentials.c.secret_hash,
    credentials.c.name,
    credentials.c.scopes,
    credentials.c.authority,
    credentials.c.created_at,
    credentials.c.revoked_at,
)


def insert_credential(conn: Connection, row: CredentialRow) -> None:
    conn.execute(
        credentials.insert().values(
            key=row.key,
            secret_hash=row.secret_hash,
            name=row.name,
            scopes=row.scopes,
            authority=row.authority,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )
    )


def get_credential(conn: Connection, key: str) -> CredentialRow | None:
    row = conn.execute(select(*_COLUMNS).where(credentials.c.key == key)).first()
    return CredentialRow(*row) if row is not None else None


def list_credentials(conn: Connection) -> list[CredentialRow]:
    return [CredentialRow(*r) for r in conn.execute(select(*_COLUMNS).order_by(credentials.c.id))]


def revoke_credential(conn: Connection, key: str, revoked_at: str) -> bool:
    result = conn.execute(
        update(credentials)
        .where(credentials.c.key == key, credentials.c.revoked_at.is_(None))
        .values(revoked_at=revoked_at)
    )
    return result.rowcount == 1
