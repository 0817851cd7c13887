"""Rows of accounts, their roles and grants, sessions and API tokens. No rules here
(`proficio.auth` has them); only hashes of session and token secrets are stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Table, delete, insert, select, update

from proficio.storage.schema import (
    account_grants,
    account_roles,
    accounts,
    api_tokens,
    people,
    sessions,
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    email: str
    person_id: str | None
    password_hash: str
    created_at: str
    disabled_at: str | None
    roles: frozenset[str]
    grants: frozenset[str]


@dataclass(frozen=True, slots=True)
class SecretRow:
    """A session or an API token, found by the hash of its secret."""

    id: int
    account_id: int
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    csrf_token: str | None  # sessions only
    name: str | None  # API tokens only


_A = accounts.c
_ACCOUNT_COLUMNS = (_A.id, _A.email, _A.person_id, _A.password_hash, _A.created_at, _A.disabled_at)


def person_exists(conn: Connection, person_id: str) -> bool:
    found = conn.execute(select(people.c.id).where(people.c.person_id == person_id)).first()
    return found is not None


def insert_account(
    conn: Connection,
    *,
    email: str,
    person_id: str | None,
    password_hash: str,
    created_at: str,
) -> int:
    result = conn.execute(
        insert(accounts)
        .values(
            email=email, person_id=person_id, password_hash=password_hash, created_at=created_at
        )
        .returning(_A.id)
    )
    return int(result.scalar_one())


def _replace(
    conn: Connection, table: Table, column: str, account_id: int, values: set[str]
) -> None:
    conn.execute(delete(table).where(table.c.account_id == account_id))
    if values:
        conn.execute(insert(table), [{"account_id": account_id, column: v} for v in sorted(values)])


def replace_roles(conn: Connection, account_id: int, roles: set[str]) -> None:
    _replace(conn, account_roles, "role", account_id, roles)


def replace_grants(conn: Connection, account_id: int, grants: set[str]) -> None:
    _replace(conn, account_grants, "action", account_id, grants)


def _labels(conn: Connection, table: Table, column: str, ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        rows = conn.execute(
            select(table.c.account_id, table.c[column]).where(table.c.account_id.in_(ids))
        )
        for account_id, value in rows:
            out[account_id].add(value)
    return out


def _accounts(conn: Connection, *where: ColumnElement[bool]) -> list[AccountRow]:
    rows = conn.execute(select(*_ACCOUNT_COLUMNS).where(*where).order_by(_A.id)).all()
    ids = [row[0] for row in rows]
    roles = _labels(conn, account_roles, "role", ids)
    grants = _labels(conn, account_grants, "action", ids)
    return [
        AccountRow(*row, roles=frozenset(roles[row[0]]), grants=frozenset(grants[row[0]]))
        for row in rows
    ]


def get_account_by_email(conn: Connection, email: str) -> AccountRow | None:
    found = _accounts(conn, _A.email == email)
    return found[0] if found else None


def get_account(conn: Connection, account_id: int) -> AccountRow | None:
    found = _accounts(conn, _A.id == account_id)
    return found[0] if found else None


def accounts_of_people(conn: Connection, person_ids: list[str]) -> list[AccountRow]:
    return _accounts(conn, _A.person_id.in_(person_ids)) if person_ids else []


def list_accounts(conn: Connection) -> list[AccountRow]:
    return _accounts(conn)


def set_password_hash(conn: Connection, account_id: int, password_hash: str) -> None:
    conn.execute(update(accounts).where(_A.id == account_id).values(password_hash=password_hash))


def enable_account(conn: Connection, account_id: int) -> None:
    conn.execute(update(accounts).where(_A.id == account_id).values(disabled_at=None))


def disable_account(conn: Connection, account_id: int, at: str) -> None:
    conn.execute(update(accounts).where(_A.id == account_id).values(disabled_at=at))


def insert_session(
    conn: Connection,
    *,
    token_hash: str,
    account_id: int,
    csrf_token: str,
    created_at: str,
    expires_at: str,
) -> None:
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash,
            account_id=account_id,
            csrf_token=csrf_token,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def insert_token(
    conn: Connection,
    *,
    token_hash: str,
    account_id: int,
    name: str,
    created_at: str,
    expires_at: str | None,
) -> int:
    result = conn.execute(
        insert(api_tokens)
        .values(
            token_hash=token_hash,
            account_id=account_id,
            name=name,
            created_at=created_at,
            expires_at=expires_at,
        )
        .returning(api_tokens.c.id)
    )
    return int(result.scalar_one())


def get_session(conn: Connection, token_hash: str) -> SecretRow | None:
    c = sessions.c
    row = conn.execute(
        select(c.id, c.account_id, c.created_at, c.expires_at, c.revoked_at, c.csrf_token).where(
            c.token_hash == token_hash
        )
    ).first()
    return SecretRow(*row, name=None) if row is not None else None


def get_token(conn: Connection, token_hash: str) -> SecretRow | None:
    c = api_tokens.c
    row = conn.execute(
        select(c.id, c.account_id, c.created_at, c.expires_at, c.revoked_at, c.name).where(
            c.token_hash == token_hash
        )
    ).first()
    return SecretRow(*row[:5], csrf_token=None, name=row[5]) if row is not None else None


def list_tokens(conn: Connection, account_id: int | None) -> list[tuple[SecretRow, str]]:
    """Tokens with their owner's email, oldest first."""
    c = api_tokens.c
    query = (
        select(c.id, c.account_id, c.created_at, c.expires_at, c.revoked_at, c.name, _A.email)
        .join(accounts, _A.id == c.account_id)
        .order_by(c.id)
    )
    if account_id is not None:
        query = query.where(c.account_id == account_id)
    return [
        (SecretRow(*row[:5], csrf_token=None, name=row[5]), row[6]) for row in conn.execute(query)
    ]


def revoke_session(conn: Connection, session_id: int, at: str) -> None:
    c = sessions.c
    conn.execute(update(sessions).where(c.id == session_id).values(revoked_at=at))


def revoke_sessions_of(conn: Connection, account_id: int, at: str) -> None:
    c = sessions.c
    conn.execute(
        update(sessions)
        .where(c.account_id == account_id, c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


def revoke_token(conn: Connection, token_id: int, at: str) -> bool:
    c = api_tokens.c
    result = conn.execute(
        update(api_tokens).where(c.id == token_id, c.revoked_at.is_(None)).values(revoked_at=at)
    )
    return result.rowcount == 1
