"""Identity rules applied as statements arrive (the StatementsStored subscriber): an LMS
account naming a person by HRIS id or email is linked in the same transaction, on both the
xAPI and the import paths; a Group's own identifier never is; an account on a system not
listed stays unlinked until someone links it. Both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from proficio.app import create_app
from proficio.people.identities import person_of, unlinked_identifiers
from proficio.settings import Settings
from proficio.storage.database import Database
from tests.factories import (
    ORG_CHART,
    XAPIClient,
    client_as,
    create_test_credential,
    create_test_people,
    statement,
)

LMS = "https://lms.example.com"


@pytest.fixture
def lms_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, identity_account_home_pages=f" {LMS} ,")


@pytest.fixture
def http(lms_settings: Settings) -> Iterator[TestClient]:
    create_test_people(lms_settings)
    with TestClient(create_app(lms_settings)) as client:
        yield client


def account(home_page: str, name: str) -> dict[str, object]:
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


def test_an_lms_account_is_linked_as_its_statement_is_stored(
    http: TestClient, lms_settings: Settings, db: Database
) -> None:
    lrs = XAPIClient(http, *create_test_credential(lms_settings, ["all"]))
    sent = lrs.post(
        [
            {**statement(), "actor": account(LMS, "E3")},  # by HRIS id
            {**statement(slug="c2"), "actor": account(LMS, "E4@Example.com")},  # by email
            {**statement(slug="c3"), "actor": account("https://other.example", "E5")},
            {
                **statement(slug="c4"),
                "actor": {
                    "objectType": "Group",
                    "mbox": "mailto:e6@example.com",  # the group's own: never a person
                    "member": [{"mbox": "mailto:someone@elsewhere.example"}],
                },
            },
        ]
    )
    assert sent.status_code == 200, sent.text
    assert db.read_sync(lambda c: person_of(c, f"account:{LMS}|E3")) == "E3"
    assert db.read_sync(lambda c: person_of(c, f"account:{LMS}|E4@Example.com")) == "E4"
    assert db.read_sync(lambda c: person_of(c, "account:https://other.example|E5")) is None
    unlinked = db.read_sync(unlinked_identifiers)
    assert "account:https://other.example|E5" in unlinked
    assert "mbox:mailto:someone@elsewhere.example" in unlinked
    # The linked statement is on the person's timeline at once.
    manager = client_as(http, lms_settings, ["manager"], person_id="E2")
    items = manager.get("/api/people/E3/timeline").json()["items"]
    assert [i["statement_id"] for i in items] == [sent.json()[0]]
    identifiers = manager.get("/api/people/E3").json()["identifiers"]
    assert {"identifier": f"account:{LMS}|E3", "kind": "account", "linked_how": "rule:account"} in (
        identifiers
    )


def test_someone_added_to_the_directory_is_linked_by_their_next_statement(
    http: TestClient, lms_settings: Settings, db: Database
) -> None:
    """The writer keeps the people directory between statements; a roster applied since
    (here by another process) must be seen by the next statement's rules."""
    lrs = XAPIClient(http, *create_test_credential(lms_settings, ["all"]))
    # Statements from people the directory does not know: the writer reads it, and keeps it.
    for n, name in enumerate(["E9", "nobody@example.com"]):
        sent = lrs.post({**statement(slug=f"d{n}"), "actor": account(LMS, name)})
        assert sent.status_code == 200, sent.text
    assert db.read_sync(lambda c: person_of(c, f"account:{LMS}|E9")) is None
    create_test_people(lms_settings, {**ORG_CHART, "E10": "E1"})
    sent = lrs.post({**statement(slug="d2"), "actor": account(LMS, "E10")})
    assert sent.status_code == 200, sent.text
    assert db.read_sync(lambda c: person_of(c, f"account:{LMS}|E10")) == "E10"


def test_without_the_setting_an_lms_account_stays_unlinked(
    settings: Settings, lrs: XAPIClient, db: Database
) -> None:
    create_test_people(settings)
    assert lrs.post({**statement(), "actor": account(LMS, "E3")}).status_code == 200
    assert db.read_sync(lambda c: person_of(c, f"account:{LMS}|E3")) is None
    assert f"account:{LMS}|E3" in db.read_sync(unlinked_identifiers)
