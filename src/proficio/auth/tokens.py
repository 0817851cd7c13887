"""API tokens for scripts: sent as `Authorization: Bearer <token>`, shown once when created,
stored only as a SHA-256, revocable, optionally expiring. A token acts as its account, with no
CSRF check (a browser never attaches it by itself). Callers own the transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection

from proficio.audit.log import now_iso
from proficio.auth.accounts import get_account
from proficio.auth.sessions import SessionActor, hash_token, in_hours, live_actor
from proficio.errors import BadRequest, NotFound
from proficio.storage import accounts as store

TOKEN_PREFIX = "pft_"  # recognisable in logs and by secret scanners


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str  # shown once, never stored


@dataclass(frozen=True)
class TokenPublic:
    id: int
    email: str
    name: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None


def create_token(
    conn: Connection, *, email: str, name: str, expires_days: float | None = None
) -> NewToken:
    account = get_account(conn, email=email)
    if not name.strip():
        raise BadRequest("give the token a name", field="name")
    if expires_days is not None and expires_days <= 0:
        raise BadRequest("must be a positive number of days", field="expires_days")
    if account.disabled_at is not None:
        raise BadRequest(f"the account {account.email} is disabled", field="email")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = store.insert_token(
        conn,
        token_hash=hash_token(token),
        account_id=account.id,
        name=name.strip(),
        created_at=now_iso(),
        expires_at=in_hours(expires_days * 24) if expires_days is not None else None,
    )
    return NewToken(id=token_id, token=token)


def list_tokens(conn: Connection, *, email: str | None = None) -> list[TokenPublic]:
    account_id = get_account(conn, email=email).id if email is not None else None
    return [
        TokenPublic(
            id=row.id,
            email=owner,
            name=row.name or "",
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )
        for row, owner in store.list_tokens(conn, account_id)
    ]


def revoke_token(conn: Connection, *, token_id: int) -> None:
    if not store.revoke_token(conn, token_id, now_iso()):
        raise NotFound(f"no active API token with id {token_id}", field="id")


def token_actor(conn: Connection, *, token: str) -> SessionActor:
    row = store.get_token(conn, hash_token(token))
    return SessionActor(
        actor=live_actor(conn, row, "API token"),
        session_id=None,
        csrf_token=None,
        expires_at=row.expires_at if row else None,
    )
