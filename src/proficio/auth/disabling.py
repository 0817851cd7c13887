"""Disabling an account: it can no longer sign in and its sessions end (its API tokens are
refused too, since they act as a disabled account). Callers own the transaction.

Apart from `auth.accounts` so the people directory can disable a leaver's account when a
roster is applied: `auth.permissions` imports the directory, so the directory cannot import
`auth.accounts`.
"""

from __future__ import annotations

from sqlalchemy import Connection

from proficio.audit.log import now_iso
from proficio.storage import accounts as store


def disable(conn: Connection, row: store.AccountRow) -> bool:
    """Disable the account; False when it was disabled already."""
    if row.disabled_at is not None:
        return False
    at = now_iso()
    store.disable_account(conn, row.id, at)
    store.revoke_sessions_of(conn, row.id, at)
    return True


def disable_accounts_of(conn: Connection, *, person_ids: list[str]) -> list[str]:
    """Disable the accounts of these people (leavers); the emails of those it disabled."""
    return [row.email for row in store.accounts_of_people(conn, person_ids) if disable(conn, row)]
