"""Accounts: create, list, change roles, disable, and check a sign-in. Callers own the
transaction.

The email is the login, compared lower-case. Learners and managers see people relative to
themselves, so their accounts must name their person in the directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from proficio.audit.log import now_iso
from proficio.auth.disabling import disable
from proficio.auth.passwords import check_strength, hash_password, verify_password
from proficio.auth.permissions import GRANTABLE, Action, Actor, Role
from proficio.errors import BadRequest, Conflict, NotFound, Unauthorized
from proficio.storage import accounts as store

_RELATIVE_ROLES = {Role.LEARNER, Role.MANAGER}


@dataclass(frozen=True)
class AccountPublic:
    id: int
    email: str
    person_id: str | None
    roles: list[str]
    grants: list[str]
    created_at: str
    disabled_at: str | None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _public(row: store.AccountRow) -> AccountPublic:
    return AccountPublic(
        id=row.id,
        email=row.email,
        person_id=row.person_id,
        roles=sorted(row.roles),
        grants=sorted(row.grants),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def actor_of(row: store.AccountRow) -> Actor:
    return Actor(
        account_id=row.id,
        email=row.email,
        person_id=row.person_id,
        roles=frozenset(Role(r) for r in row.roles if r in Role.__members__.values()),
        grants=frozenset(Action(g) for g in row.grants if g in GRANTABLE),
    )


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in email):
        raise BadRequest(f"{email!r} is not an email address", field="email")
    return email


def parse_roles(roles: list[str]) -> set[Role]:
    names = {r.strip().lower() for r in roles if r.strip()}
    known = ", ".join(Role)
    for name in sorted(names):
        if name not in Role.__members__.values():
            raise BadRequest(f"unknown role {name!r}; roles are {known}", field="roles")
    if not names:
        raise BadRequest(f"give at least one role of {known}", field="roles")
    return {Role(n) for n in names}


def parse_grants(grants: list[str]) -> set[Action]:
    known = ", ".join(GRANTABLE)
    for name in grants:
        if name not in GRANTABLE:
            raise BadRequest(f"{name!r} cannot be granted; grantable: {known}", field="grant")
    return {Action(g) for g in grants}


def _check_person(roles: set[Role], person_id: str | None) -> None:
    needs = sorted(roles & _RELATIVE_ROLES)
    if needs and person_id is None:
        raise BadRequest(
            f"a {needs[0]} account must name its person in the directory", field="person_id"
        )


def create_account(
    conn: Connection,
    *,
    email: str,
    password: str,
    roles: list[str],
    person_id: str | None = None,
    grants: list[str] | None = None,
) -> AccountPublic:
    email = normalise_email(email)
    role_set = parse_roles(roles)
    grant_set = parse_grants(grants or [])
    _check_person(role_set, person_id)
    if person_id is not None and not store.person_exists(conn, person_id):
        raise BadRequest(f"no person {person_id!r} in the directory", field="person_id")
    if store.get_account_by_email(conn, email) is not None:
        raise Conflict(f"an account for {email} already exists", field="email")
    password_hash = hash_password(password)
    try:
        with conn.begin_nested():
            account_id = store.insert_account(
                conn,
                email=email,
                person_id=person_id,
                password_hash=password_hash,
                created_at=now_iso(),
            )
    except IntegrityError:
        raise Conflict(f"person {person_id!r} already has an account", field="person_id") from None
    store.replace_roles(conn, account_id, {r.value for r in role_set})
    store.replace_grants(conn, account_id, {g.value for g in grant_set})
    return get_account(conn, email=email)


def get_account(conn: Connection, *, email: str) -> AccountPublic:
    return _public(_existing(conn, email))


def _existing(conn: Connection, email: str) -> store.AccountRow:
    row = store.get_account_by_email(conn, email.strip().lower())
    if row is None:
        raise NotFound(f"no account for {email}", field="email")
    return row


def list_accounts(conn: Connection) -> list[AccountPublic]:
    return [_public(row) for row in store.list_accounts(conn)]


def set_roles(conn: Connection, *, email: str, roles: list[str]) -> AccountPublic:
    row = _existing(conn, email)
    role_set = parse_roles(roles)
    _check_person(role_set, row.person_id)
    store.replace_roles(conn, row.id, {r.value for r in role_set})
    return get_account(conn, email=row.email)


def enable_account(conn: Connection, *, email: str) -> AccountPublic:
    """Let a disabled account sign in again (a leaver who came back); its old sessions stay
    ended."""
    row = _existing(conn, email)
    store.enable_account(conn, row.id)
    return get_account(conn, email=row.email)


def set_password(conn: Connection, *, email: str, password: str) -> AccountPublic:
    """Give an account a new password; its open sessions end."""
    check_strength(password)
    row = _existing(conn, email)
    store.set_password_hash(conn, row.id, hash_password(password))
    store.revoke_sessions_of(conn, row.id, now_iso())
    return get_account(conn, email=row.email)


def disable_account(conn: Connection, *, email: str) -> AccountPublic:
    """Disable an account: it can no longer sign in, and its sessions end."""
    row = _existing(conn, email)
    disable(conn, row)
    return get_account(conn, email=row.email)


def check_sign_in(conn: Connection, *, email: str, password: str) -> store.AccountRow:
    """The account for an email and password, or 401 that does not say which was wrong."""
    row = store.get_account_by_email(conn, email.strip().lower())
    if not verify_password(row.password_hash if row else None, password) or row is None:
        raise Unauthorized("wrong email or password")
    if row.disabled_at is not None:
        raise Unauthorized("this account is disabled; ask an administrator")
    return row
