"""Loading a framework, from the command line or the API alike: checked and stored in one
transaction, and the attempt, done or refused, in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from proficio.audit.log import Outcome, record_apart
from proficio.capture.profile import Profile
from proficio.errors import ProficioError
from proficio.progress.frameworks import Framework
from proficio.progress.service import load_framework
from proficio.storage.database import Database


def load_and_audit(
    database: Database,
    *,
    document: Any,
    profile: Profile,
    actor: str,
    source: str,
    authorize: Callable[[Connection], None] = lambda _: None,
) -> tuple[Framework, bool]:
    """`load_framework` in a transaction of its own (after `authorize`, in it); returns the
    framework and whether it replaced one."""
    resource = f"framework:{document.get('id') if isinstance(document, dict) else '?'}"

    def audit(outcome: Outcome, detail: dict[str, Any]) -> None:
        record_apart(
            database.engine,
            actor=actor,
            action="frameworks:load",
            resource=resource,
            outcome=outcome,
            detail=detail,
        )

    try:
        with database.transaction() as tx:
            authorize(tx.conn)
            framework, replaced = load_framework(
                tx.conn, document=document, profile=profile, by=actor
            )
    except ProficioError as exc:
        audit(Outcome.FAILED, {"source": source, "reason": exc.message})
        raise
    audit(Outcome.SUCCEEDED, {"source": source, "version": framework.version})
    return framework, replaced
