"""Sign-in sessions: random secrets of which only a SHA-256 is stored (API tokens, in
`tokens.py`, work the same way).

A session lasts `session_hours` and carries its own CSRF token, which state-changing requests
made with the session cookie must echo in the X-CSRF-Token header. Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Connection

from proficio.audit.log import now_iso
from proficio.auth.accounts import actor_of
from proficio.auth.permissions import Actor
from proficio.errors import Unauthorized
from proficio.lrs.timestamps import iso_from_us
from proficio.storage import accounts as store


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def in_hours(hours: float) -> str:
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
    new = NewSession(token=token, csrf_token=secrets.token_urlsafe(32), expires_at=in_hours(hours))
    store.insert_session(
        conn,
        token_hash=hash_token(token),
        account_id=account_id,
        csrf_token=new.csrf_token,
        created_at=now_iso(),
        expires_at=new.expires_at,
    )
    return new


def live_actor(conn: Connection, row: store.SecretRow | None, kind: str) -> Actor:
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
    actor = live_actor(conn, row, "session")
    assert row is not None
    return SessionActor(
        actor=actor, session_id=row.id, csrf_token=row.csrf_token, expires_at=row.expires_at
    )


def end_session(conn: Connection, *, session_id: int) -> None:
    store.revoke_session(conn, session_id, now_iso())
