"""API credentials for HTTP Basic auth: create, list, revoke, and check a key/secret pair.

Secrets are 256-bit random tokens, not passwords, so a SHA-256 hash is enough to make a leaked
database useless, and cheap enough to check on every request (a slow password hash would cap
the LRS at a few hundred requests per second).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection

from proficio.auth.scopes import Caller, validate_scopes
from proficio.errors import BadRequest, NotFound, Unauthorized
from proficio.storage import credentials as store


@dataclass(frozen=True)
class NewCredential:
    key: str
    secret: str


@dataclass(frozen=True)
class CredentialPublic:
    key: str
    name: str
    scopes: list[str]
    created_at: str
    revoked_at: str | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def create_credential(
    conn: Connection, *, name: str, scopes: list[str], home_page: str
) -> NewCredential:
    """Create a credential; the secret is returned here once and never stored in clear."""
    if not name.strip():
        raise BadRequest("give the credential a name", field="name")
    scope_set = validate_scopes(scopes)
    key = secrets.token_hex(10)
    secret = secrets.token_urlsafe(32)
    authority = {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": home_page, "name": key},
    }
    store.insert_credential(
        conn,
        store.CredentialRow(
            key=key,
            secret_hash=hash_secret(secret),
            name=name,
            scopes=" ".join(sorted(scope_set)),
            authority=orjson.dumps(authority).decode(),
            created_at=_now(),
            revoked_at=None,
        ),
    )
    return NewCredential(key=key, secret=secret)


def list_credentials(conn: Connection) -> list[CredentialPublic]:
    return [
        CredentialPublic(
            key=row.key,
            name=row.name,
            scopes=row.scopes.split(),
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )
        for row in store.list_credentials(conn)
    ]


def revoke_credential(conn: Connection, *, key: str) -> None:
    if not store.revoke_credential(conn, key, _now()):
        raise NotFound(f"no active credential with key {key!r}", field="key")


def authenticate(conn: Connection, *, key: str, secret: str) -> Caller:
    """The caller for a key/secret pair, or 401 when it is unknown, wrong or revoked."""
    row = store.get_credential(conn, key)
    # Compare against a dummy hash when the key is unknown, so timing does not reveal keys.
    expected = row.secret_hash if row is not None else hash_secret("")
    if not hmac.compare_digest(expected, hash_secret(secret)) or row is None:
        raise Unauthorized("unknown key or wrong secret")
    if row.revoked_at is not None:
        raise Unauthorized("this credential has been revoked")
    return Caller(
        key=row.key,
        name=row.name,
        scopes=frozenset(row.scopes.split()),
        authority=orjson.loads(row.authority),
    )
