"""Who may do what: the permission table (role x action x resource), reporting lines,
the explicit sensitive grant, and denials written to the audit log even when the request or
transaction that caused them fails. Both databases."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from proficio.audit.log import AuditEvent, list_events
from proficio.auth.permissions import (
    GRANTABLE,
    ORGANISATION,
    RULES,
    Action,
    Actor,
    Person,
    Resource,
    Role,
    ensure_permission,
    visible_people,
)
from proficio.errors import Forbidden
from proficio.settings import Settings
from proficio.storage.database import Database
from proficio.storage.schema import people
from tests.factories import ORG_CHART, APIClient, create_test_people

A = Action
ORG = ORGANISATION


def actor(*roles: str, person: str | None = None, grants: tuple[Action, ...] = ()) -> Actor:
    return Actor(
        account_id=7,
        email="someone@example.com",
        person_id=person,
        roles=frozenset(Role(r) for r in roles),
        grants=frozenset(grants),
    )


@pytest.fixture
def directory(db: Database) -> Database:
    """`db` holding ORG_CHART: E1 leads E2 (who leads E3, E4) and E5 (who leads E6)."""
    create_test_people(Settings(database_url=db.url))
    return db


def denials(db: Database) -> list[AuditEvent]:
    return db.read_sync(lambda c: list_events(c, action=None))


SENSITIVE = (A.PEOPLE_READ_SENSITIVE,)

# (who, action, resource, allowed)
TABLE: list[tuple[Actor, Action, Resource, bool]] = [
    # learners: themselves only
    (actor("learner", person="E3"), A.PEOPLE_READ, Person("E3"), True),
    (actor("learner", person="E3"), A.TIMELINE_READ, Person("E3"), True),
    (actor("learner", person="E3"), A.PEOPLE_READ, Person("E4"), False),
    (actor("learner", person="E3"), A.TIMELINE_READ, Person("E2"), False),
    (actor("learner", person="E3"), A.PEOPLE_WRITE, Person("E3"), False),
    (actor("learner", person="E3"), A.COHORTS_READ, ORG, False),
    (actor("learner"), A.PEOPLE_READ, Person("E3"), False),  # no person, nobody
    # managers: themselves and their reporting line, direct or not; not their own manager
    (actor("manager", person="E2"), A.PEOPLE_READ, Person("E2"), True),
    (actor("manager", person="E2"), A.PEOPLE_READ, Person("E3"), True),
    (actor("manager", person="E2"), A.TIMELINE_READ, Person("E4"), True),
    (actor("manager", person="E2"), A.TEAMS_READ, Person("E4"), True),
    (actor("manager", person="E2"), A.PEOPLE_READ, Person("E1"), False),
    (actor("manager", person="E2"), A.PEOPLE_READ, Person("E6"), False),
    (actor("manager", person="E2"), A.PEOPLE_WRITE, Person("E3"), False),
    (actor("manager", person="E2"), A.TEAMS_READ, ORG, False),
    (actor("manager", person="E1"), A.TIMELINE_READ, Person("E6"), True),
    (actor("learner", "manager", person="E2"), A.COHORTS_READ, Person("E4"), True),
    # enablement: read everyone, write, import, manage identities; not accounts
    (actor("enablement"), A.PEOPLE_READ, Person("E6"), True),
    (actor("enablement"), A.PEOPLE_WRITE, Person("E6"), True),
    (actor("enablement"), A.COHORTS_WRITE, ORG, True),
    (actor("enablement"), A.IMPORTS_RUN, ORG, True),
    (actor("enablement"), A.IDENTITIES_MANAGE, ORG, True),
    (actor("enablement"), A.ACCOUNTS_MANAGE, ORG, False),
    # compliance: read everyone, change nothing
    (actor("compliance"), A.TIMELINE_READ, Person("E6"), True),
    (actor("compliance"), A.COHORTS_READ, ORG, True),
    (actor("compliance"), A.PEOPLE_WRITE, Person("E6"), False),
    (actor("compliance"), A.IMPORTS_RUN, ORG, False),
    (actor("compliance"), A.ACCOUNTS_MANAGE, ORG, False),
    # admin: everything but the sensitive attributes
    (actor("admin"), A.PEOPLE_READ, Person("E6"), True),
    (actor("admin"), A.ACCOUNTS_MANAGE, ORG, True),
    (actor("admin"), A.IMPORTS_RUN, ORG, True),
    (actor("admin"), A.PEOPLE_READ_SENSITIVE, Person("E6"), False),
    (actor("admin", person="E1"), A.PEOPLE_READ_SENSITIVE, Person("E1"), False),
    # the sensitive grant reaches whom the account may read, no further
    (actor("admin", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, Person("E6"), True),
    (actor("learner", person="E3", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, Person("E3"), True),
    (actor("learner", person="E3", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, Person("E4"), False),
    (actor("manager", person="E2", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, Person("E4"), True),
    (actor("manager", person="E2", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, Person("E5"), False),
    (actor("compliance", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, ORG, True),
    (actor(grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, Person("E1"), False),  # no role
]


def _case_id(case: tuple[Actor, Action, Resource, bool]) -> str:
    who, action, resource, allowed = case
    roles = "+".join(sorted(who.roles)) or "no-role"
    grants = "+sensitive" if who.grants else ""
    return f"{roles}{grants}@{who.person_id}-{action}-{resource}-{'allow' if allowed else 'deny'}"


@pytest.mark.parametrize("case", TABLE, ids=[_case_id(c) for c in TABLE])
def test_permission_table(directory: Database, case: tuple[Actor, Action, Resource, bool]) -> None:
    who, action, resource, allowed = case

    def check(conn: object) -> None:
        ensure_permission(conn, who, action, resource)  # type: ignore[arg-type]

    if allowed:
        directory.read_sync(check)
        assert denials(directory) == []
        return
    with pytest.raises(Forbidden) as refused:
        directory.read_sync(check)
    assert refused.value.status == 403
    assert action.value in refused.value.message
    [event] = denials(directory)
    assert (event.actor, event.action, event.resource, event.outcome) == (
        "account:7",
        action.value,
        str(resource),
        "denied",
    )
    assert event.detail["roles"] == sorted(who.roles)


@pytest.mark.parametrize(
    ("who", "action", "expected"),
    [
        (actor("learner", person="E3"), A.PEOPLE_READ, {"E3"}),
        (actor("manager", person="E2"), A.PEOPLE_READ, {"E2", "E3", "E4"}),
        (actor("manager", person="E1"), A.TIMELINE_READ, set(ORG_CHART)),
        (actor("manager", person="E5"), A.PEOPLE_WRITE, set()),
        (actor("learner"), A.PEOPLE_READ, set()),
        (actor("enablement"), A.PEOPLE_READ, None),
        (actor("admin"), A.PEOPLE_READ_SENSITIVE, set()),
        (actor("manager", person="E5", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, {"E5", "E6"}),
        (actor("compliance", grants=SENSITIVE), A.PEOPLE_READ_SENSITIVE, None),
    ],
)
def test_visible_people_lists_whom_an_action_reaches(
    directory: Database, who: Actor, action: Action, expected: set[str] | None
) -> None:
    assert directory.read_sync(lambda c: visible_people(c, who, action)) == expected


def test_a_leaver_drops_out_of_the_reporting_line(directory: Database) -> None:
    chart = {p: m for p, m in ORG_CHART.items() if p != "E4"}
    create_test_people(Settings(database_url=directory.url), chart)
    who = actor("manager", person="E2")
    assert directory.read_sync(lambda c: visible_people(c, who, A.PEOPLE_READ)) == {"E2", "E3"}


def test_no_role_implies_the_sensitive_grant() -> None:
    for role, rules in RULES.items():
        assert A.PEOPLE_READ_SENSITIVE not in rules, role
    assert set(GRANTABLE) == {A.PEOPLE_READ_SENSITIVE}
    allowed_somewhere = {a for rules in RULES.values() for a in rules} | set(GRANTABLE)
    assert allowed_somewhere == set(Action)  # no action nobody can be given


def test_a_denial_is_logged(directory: Database, caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="proficio.auth.permissions"),
        pytest.raises(Forbidden),
    ):
        directory.read_sync(
            lambda c: ensure_permission(c, actor("learner", person="E3"), A.IMPORTS_RUN, ORG)
        )
    [record] = caplog.records
    assert (
        record.getMessage() == "permission denied: account:7 (learner) imports:run on organisation"
    )


def _eventually(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_denial_outlives_the_write_transaction_it_fails(directory: Database) -> None:
    """On SQLite the caller holds the write lock: the denial is recorded once it lets go."""
    newcomer = {
        "person_id": "E7",
        "name": "Gus New",
        "department": "Sales",
        "role": "Rep",
        "hire_date": "2026-11-01",
        "status": "active",
        "updated_us": 1,
    }
    with pytest.raises(Forbidden), directory.transaction() as tx:
        tx.conn.execute(insert(people).values(newcomer))
        ensure_permission(tx.conn, actor("compliance"), A.PEOPLE_WRITE, Person("E7"))

    assert _eventually(lambda: len(denials(directory)) == 1)
    [event] = denials(directory)
    assert (event.action, event.resource) == ("people:write", "person:E7")
    ids = directory.read_sync(lambda c: list(c.execute(select(people.c.person_id)).scalars()))
    assert "E7" not in ids  # the transaction itself was rolled back


@pytest.mark.parametrize("via", ["session", "token"])
def test_a_denied_request_fails_and_its_denial_stays_recorded(
    as_account: Callable[..., APIClient], settings: Settings, via: str
) -> None:
    create_test_people(settings)
    learner = as_account(["learner"], person_id="E3", via=via)
    response = learner.get("/api/accounts")
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "action: accounts:manage on organisation is not allowed for this account",
        "field": "action",
        "reason": "accounts:manage on organisation is not allowed for this account",
    }
    db = Database(settings.database_url)
    try:
        [event] = denials(db)
    finally:
        db.close()
    assert event.actor == f"account:{learner.account.id}"
    assert (event.action, event.resource, event.outcome) == (
        "accounts:manage",
        "organisation",
        "denied",
    )
    assert event.detail["email"] == learner.account.email

    admin = as_account(["admin"], via=via)
    listed = admin.get("/api/accounts")
    assert listed.status_code == 200
    emails = {a["email"] for a in listed.json()["accounts"]}
    assert emails == {learner.account.email, admin.account.email}


def test_without_credentials_nothing_is_checked_or_recorded(
    app_client: TestClient, settings: Settings
) -> None:
    assert app_client.get("/api/accounts").status_code == 401
    db = Database(settings.database_url)
    try:
        assert denials(db) == []
    finally:
        db.close()
