"""Who may do what: roles, the actions they allow, and the one check every access goes through.

The rules are data (`RULES`): for each role and action, how far the role reaches. A check on
a person allows the action when the actor's widest reach includes that person; a check on the
organisation needs a reach over everyone. `visible_people` answers the same question for a
whole list, so a list endpoint filters its query instead of checking rows one by one.

`people:read_sensitive` is granted explicitly to an account, never implied by a role (not even
admin); a grant reaches the people the account may read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Final

from sqlalchemy import Connection

from proficio.audit.log import Outcome, record_apart
from proficio.errors import Forbidden
from proficio.people.directory import reporting_line

log = logging.getLogger(__name__)


class Role(StrEnum):
    LEARNER = "learner"
    MANAGER = "manager"
    ENABLEMENT = "enablement"
    COMPLIANCE = "compliance"
    ADMIN = "admin"


class Action(StrEnum):
    PEOPLE_READ = "people:read"
    PEOPLE_READ_SENSITIVE = "people:read_sensitive"
    PEOPLE_WRITE = "people:write"
    TEAMS_READ = "teams:read"
    COHORTS_READ = "cohorts:read"
    COHORTS_WRITE = "cohorts:write"
    TIMELINE_READ = "timeline:read"
    PROGRESS_READ = "progress:read"
    FRAMEWORKS_MANAGE = "frameworks:manage"
    IMPORTS_RUN = "imports:run"
    IDENTITIES_MANAGE = "identities:manage"
    ACCOUNTS_MANAGE = "accounts:manage"
    PROGRAM_READ = "program:read"  # the enablement dashboard: the whole program at once
    TRAINING_RECORDS_READ = "training_records:read"  # the compliance dashboard and its exports


class Reach(IntEnum):
    """How many people an allowed action reaches; wider is larger."""

    NONE = 0
    SELF = 1  # the actor's own person
    TEAM = 2  # the actor and everyone in their reporting line
    EVERYONE = 3


@dataclass(frozen=True)
class Organisation:
    """The resource of actions on the whole organisation (imports, accounts, cohorts)."""

    def __str__(self) -> str:
        return "organisation"


@dataclass(frozen=True)
class Person:
    person_id: str

    def __str__(self) -> str:
        return f"person:{self.person_id}"


ORGANISATION: Final = Organisation()
Resource = Person | Organisation

_S, _T, _E = Reach.SELF, Reach.TEAM, Reach.EVERYONE
_READS = {
    Action.PEOPLE_READ,
    Action.TEAMS_READ,
    Action.COHORTS_READ,
    Action.TIMELINE_READ,
    Action.PROGRESS_READ,
}
_WRITES = {
    Action.PEOPLE_WRITE,
    Action.COHORTS_WRITE,
    Action.IMPORTS_RUN,
    Action.IDENTITIES_MANAGE,
    Action.FRAMEWORKS_MANAGE,
}

# What each role allows, and how far. An action a role does not list, it does not allow.
RULES: Final[dict[Role, dict[Action, Reach]]] = {
    Role.LEARNER: dict.fromkeys(_READS, _S),
    Role.MANAGER: dict.fromkeys(_READS, _T),
    Role.ENABLEMENT: dict.fromkeys(_READS | _WRITES | {Action.PROGRAM_READ}, _E),
    Role.COMPLIANCE: dict.fromkeys(_READS | {Action.TRAINING_RECORDS_READ}, _E),
    Role.ADMIN: dict.fromkeys(
        _READS
        | _WRITES
        | {Action.ACCOUNTS_MANAGE, Action.PROGRAM_READ, Action.TRAINING_RECORDS_READ},
        _E,
    ),
}

# Actions only an explicit grant allows, and the action whose reach the grant takes.
GRANTABLE: Final[dict[Action, Action]] = {Action.PEOPLE_READ_SENSITIVE: Action.PEOPLE_READ}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in account (by session or API token)."""

    account_id: int
    email: str
    person_id: str | None
    roles: frozenset[Role]
    grants: frozenset[Action]

    def __str__(self) -> str:
        return f"account:{self.account_id}"


def reach_of(actor: Actor, action: Action) -> Reach:
    """The widest reach any of the actor's roles (or grants) gives `action`."""
    if action in GRANTABLE:
        return reach_of(actor, GRANTABLE[action]) if action in actor.grants else Reach.NONE
    return max((RULES[role].get(action, Reach.NONE) for role in actor.roles), default=Reach.NONE)


def visible_people(conn: Connection, actor: Actor, action: Action) -> set[str] | None:
    """The person ids `action` reaches for `actor`: None for everyone, else a set (maybe empty)."""
    reach = reach_of(actor, action)
    if reach is Reach.EVERYONE:
        return None
    if reach is Reach.NONE or actor.person_id is None:
        return set()
    if reach is Reach.SELF:
        return {actor.person_id}
    return {actor.person_id, *reporting_line(conn, manager_id=actor.person_id)}


def is_allowed(conn: Connection, actor: Actor, action: Action, resource: Resource) -> bool:
    if isinstance(resource, Organisation):
        return reach_of(actor, action) is Reach.EVERYONE
    visible = visible_people(conn, actor, action)
    return visible is None or resource.person_id in visible


def ensure_permission(conn: Connection, actor: Actor, action: Action, resource: Resource) -> None:
    """Return when `actor` may do `action` to `resource`; otherwise record the denial in the
    audit log (in a transaction of its own, so it outlives the failed request), log it, and
    raise 403."""
    if is_allowed(conn, actor, action, resource):
        return
    roles = sorted(actor.roles)
    log.warning("permission denied: %s (%s) %s on %s", actor, ",".join(roles), action, resource)
    record = _denial_recorder(
        conn,
        actor=str(actor),
        action=action.value,
        resource=str(resource),
        detail={"email": actor.email, "roles": roles, "grants": sorted(actor.grants)},
    )
    if _holds_sqlite_write_lock(conn):
        # A transaction of our own would wait for the caller's to end, which it does once
        # this error reaches it: record from a thread that waits its turn.
        threading.Thread(target=record, name="audit-denial").start()
    else:
        record()
    raise Forbidden(f"{action.value} on {resource} is not allowed for this account", field="action")


def _holds_sqlite_write_lock(conn: Connection) -> bool:
    return (
        conn.dialect.name == "sqlite"
        and conn.in_transaction()
        and bool(conn.get_execution_options().get("sqlite_immediate"))
    )


def _denial_recorder(
    conn: Connection, *, actor: str, action: str, resource: str, detail: dict[str, object]
) -> Callable[[], None]:
    engine = conn.engine

    def record() -> None:
        try:
            record_apart(
                engine,
                actor=actor,
                action=action,
                resource=resource,
                outcome=Outcome.DENIED,
                detail=detail,
            )
        except Exception:  # the 403 stands either way; say the audit row is missing
            log.exception("could not record the denial of %s on %s to %s", action, resource, actor)

    return record
