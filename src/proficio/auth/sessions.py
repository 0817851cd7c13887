"""Sign-in sessions and API tokens: random secrets of which only a SHA-256 is stored.

A session lasts `session_hours` and carries its own CSRF token, which state-changing requests
made with the session cookie must echo in the X-CSRF-Token header. An API token is for scripts:
sent as `Authorization: Bearer <token>`, shown once when created, revocable, optionally
expiring. Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Connection

from proficio.audit.log import now_iso
from proficio.auth.accounts import AccountPublic, actor_of, get_account
from proficio.auth.permissions import Actor
from proficio.errors import BadRequest, NotFound, Unauthorized
from proficio.lrs.timestamps import iso_from_us
from proficio.storage import accounts as store

TOKEN_PREFIX = "pft_"  # recognisable in logs and by secret scanners


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _in_hours(hours: float) -> str:
    return iso_from_us(time.time_ns() // 1000 + int(hours * 3_600_000_000))


@dataclass(frozen=True)
class NewSession:
    token: str  # goes in the cookie; never stored
    csrf_token: str
    expires_at: str


@dataclass(frozen=True)
class SessionActor:
    actor: Actor
    session_id: int | None  # None when authenticated by an API token
    csrf_token: str | None
    expires_at: str | None


def start_session(conn: Connection, *, account_id: int, hours: float) -> NewSession:
    token = secrets.token_urlsafe(32)
    new = NewSession(token=token, csrf_token=secrets.token_urlsafe(32), expires_at=_in_hours(hours))
    store.insert_session(
        conn,
        token_hash=hash_token(token),
        account_id=account_id,
        csrf_token=new.csrf_token,
        created_at=now_iso(),
        expires_at=new.expires_at,
    )
    return new


def _live_actor(conn: Connection, row: store.SecretRow | None, kind: str) -> Actor:
    if row is None:
        raise Unauthorized(f"unknown {kind}; sign in again")
    if row.revoked_at is not None:
        raise Unauthorized(f"this {kind} has been revoked")
    if row.expires_at is not None and row.expires_at <= now_iso():
        raise Unauthorized(f"this {kind} has expired; sign in again")
    account = store.get_account(conn, row.account_id)
    if account is None or account.disabled_at is not None:
        raise Unauthorized("this account is disabled; ask an administrator")
    return actor_of(account)


def session_actor(conn: Connection, *, token: str) -> SessionActor:
    row = store.get_session(conn, hash_token(token))
    actor = _live_actor(conn, row, "session")
    assert row is not None
    return SessionActor(
        actor=actor, session_id=row.id, csrf_token=row.csrf_token, expires_at=row.expires_at
    )


def end_session(conn: Connection, *, session_id: int) -> None:
    store.revoke_session(conn, session_id, now_iso())


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
    account: AccountPublic = get_account(conn, email=email)
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
        expires_at=_in_hours(expires_days * 24) if expires_days is not None else None,
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
        actor=_live_actor(conn, row, "API token"),
        session_id=None,
        csrf_token=None,
        expires_at=row.expires_at if row else None,
    )
