"""The JSON API for people, teams, cohorts and timelines, through real HTTP with signed-in
accounts: a manager sees their reporting line only, a learner themself; every denial is a 403
in the audit log; timelines page newest first and follow identity merges and splits. Both
databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from proficio.audit.log import Outcome, list_events
from proficio.people.cohort_file import read_cohort_file
from proficio.people.cohorts import apply_cohorts
from proficio.people.identities import account_identifier, email_identifiers, merge_people
from proficio.settings import Settings
from proficio.storage.database import Database
from tests.factories import XAPIClient, client_as, create_test_people, statement

HOME = "http://localhost:8000"  # Settings' default public_url


@pytest.fixture
def org(settings: Settings, tmp_path: Path) -> Settings:
    """ORG_CHART (E1 leads E2 and E5; E2 leads E3, E4; E5 leads E6) and two cohorts."""
    create_test_people(settings)
    cohorts = tmp_path / "cohorts.yaml"
    cohorts.write_text(
        "cohorts:\n"
        "  - {id: ops-autumn, name: Ops autumn, program: ai-at-work, start: 2026-09-07,"
        " end: 2026-11-27, due_dates: [{name: Safe use, date: 2026-09-21}],"
        " target_roles: [Analyst], members: [E3, E4]}\n"
        "  - {id: sales-autumn, name: Sales autumn, program: ai-at-work, start: 2026-09-07,"
        " end: 2026-11-27, members: [E6]}\n"
    )
    db = Database(settings.database_url)
    try:
        with db.transaction() as tx:
            apply_cohorts(tx.conn, cohorts=read_cohort_file(cohorts), today=dt.date(2026, 9, 1))
    finally:
        db.close()
    return settings


def ids(people: list[dict[str, object]]) -> list[object]:
    return [p["person_id"] for p in people]


def test_each_role_lists_the_people_it_may_see(app_client: TestClient, org: Settings) -> None:
    admin = client_as(app_client, org, ["admin"])
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    learner = client_as(app_client, org, ["learner"], person_id="E3", via="token")
    assert ids(admin.get("/api/people").json()["people"]) == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert ids(manager.get("/api/people").json()["people"]) == ["E2", "E3", "E4"]
    assert ids(learner.get("/api/people").json()["people"]) == ["E3"]
    # Filters apply inside what the caller may see.
    assert ids(manager.get("/api/people?manager=E2").json()["people"]) == ["E3", "E4"]
    assert ids(admin.get("/api/people?q=person e6").json()["people"]) == ["E6"]


def test_people_pages_follow_the_more_link(app_client: TestClient, org: Settings) -> None:
    admin = client_as(app_client, org, ["enablement"])
    seen: list[object] = []
    url: str | None = "/api/people?limit=4"
    while url:
        page = admin.get(url).json()
        seen += ids(page["people"])
        url = page["more"]
    assert seen == ["E1", "E2", "E3", "E4", "E5", "E6"]


def test_bad_parameters_name_themselves(app_client: TestClient, org: Settings) -> None:
    admin = client_as(app_client, org, ["admin"])
    response = admin.get("/api/people?limit=0")
    assert response.status_code == 400 and response.json()["field"] == "limit"
    response = admin.get("/api/people?colour=red")
    assert response.status_code == 400 and response.json()["field"] == "colour"
    assert admin.get("/api/people/E404").status_code == 404
    response = admin.get("/api/people/E3/timeline?before=x")
    assert response.status_code == 400 and response.json()["field"] == "before"


def test_without_signing_in_every_api_is_401(app_client: TestClient, org: Settings) -> None:
    for path in ("/api/people", "/api/people/E3", "/api/teams/E2", "/api/cohorts"):
        assert app_client.get(path).status_code == 401


def test_a_person_shows_identifiers_cohorts_and_reports(
    app_client: TestClient, org: Settings
) -> None:
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    body = manager.get("/api/people/E3").json()
    assert body["person"]["email"] == "e3@example.com"
    assert {i["identifier"] for i in body["identifiers"]} == {
        account_identifier(HOME, "E3"),
        *email_identifiers("e3@example.com"),
    }
    assert [c["cohort_id"] for c in body["cohorts"]] == ["ops-autumn"]
    assert manager.get("/api/people/E2").json()["direct_reports"] == ["E3", "E4"]


def test_a_manager_never_sees_outside_their_line_and_each_denial_is_audited(
    app_client: TestClient, org: Settings, db: Database
) -> None:
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    for path in ("/api/people/E6", "/api/people/E6/timeline", "/api/teams/E5", "/api/teams/E1"):
        response = manager.get(path)
        assert response.status_code == 403, path
        assert response.json()["field"] == "action"
    denied = db.read_sync(lambda c: list_events(c, outcome=Outcome.DENIED))
    assert {e.resource for e in denied} >= {"person:E6", "person:E5", "person:E1"}


def test_a_team_is_the_whole_reporting_line(app_client: TestClient, org: Settings) -> None:
    chief = client_as(app_client, org, ["manager"], person_id="E1")
    team = chief.get("/api/teams/E1").json()
    assert team["direct_reports"] == ["E2", "E5"]
    assert ids(team["members"]) == ["E2", "E3", "E4", "E5", "E6"] and team["size"] == 5
    assert (
        client_as(app_client, org, ["learner"], person_id="E3")
        .get("/api/teams/E3")
        .json()["members"]
        == []
    )


def test_cohorts_show_only_the_members_a_caller_may_see(
    app_client: TestClient, org: Settings
) -> None:
    enablement = client_as(app_client, org, ["enablement"])
    listed = enablement.get("/api/cohorts").json()["cohorts"]
    assert [(c["cohort_id"], c["members_visible"]) for c in listed] == [
        ("ops-autumn", 2),
        ("sales-autumn", 1),
    ]
    ops = enablement.get("/api/cohorts/ops-autumn").json()
    assert ops["members"] == ["E3", "E4"] and ops["due_dates"][0]["name"] == "Safe use"
    learner = client_as(app_client, org, ["learner"], person_id="E3")
    assert [c["cohort_id"] for c in learner.get("/api/cohorts").json()["cohorts"]] == ["ops-autumn"]
    assert learner.get("/api/cohorts/ops-autumn").json()["members"] == ["E3"]
    assert learner.get("/api/cohorts/sales-autumn").status_code == 403
    assert enablement.get("/api/cohorts/nope").status_code == 404


def test_a_timeline_pages_newest_first_and_follows_merges(
    app_client: TestClient, org: Settings, lrs: XAPIClient, db: Database
) -> None:
    def account(name: str) -> dict[str, object]:
        return {"account": {"homePage": HOME, "name": name}}

    sent = []
    for n in range(5):
        stmt = {**statement(slug=f"course-{n}"), "actor": account("E3")}
        sent.append(lrs.post(stmt).json()[0])
    observed = {**statement(), "actor": account("E4"), "context": {"instructor": account("E3")}}
    sent.append(lrs.post(observed).json()[0])
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    first = manager.get("/api/people/E3/timeline?limit=4").json()
    assert [i["statement_id"] for i in first["items"]] == sent[::-1][:4]
    assert first["items"][0]["as"] == "named" and first["items"][1]["as"] == "actor"
    rest = manager.get(first["more"]).json()
    assert [i["statement_id"] for i in rest["items"]] == sent[::-1][4:]
    assert rest["more"] is None
    # E4's statements were E4's; merged into E3, they are on E3's timeline too.
    with db.transaction() as tx:
        merge_people(tx.conn, keep="E3", absorb="E4", by="test", reason="same person")
    merged = manager.get("/api/people/E3/timeline?limit=50").json()["items"]
    assert merged[0]["statement_id"] == sent[-1] and merged[0]["as"] == "actor"


def test_sensitive_attributes_need_the_explicit_grant(
    app_client: TestClient, org: Settings
) -> None:
    admin = client_as(app_client, org, ["admin"])
    assert admin.get("/api/people/E3/sensitive").status_code == 403
    auditor = client_as(app_client, org, ["enablement"], grants=["people:read_sensitive"])
    response = auditor.get("/api/people/E3/sensitive")
    assert response.status_code == 200 and response.json()["attributes"] == []


def test_a_timeline_orders_by_when_things_happened_not_when_they_were_stored(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    def at(day: str, slug: str) -> dict[str, object]:
        return {
            **statement(slug=slug),
            "actor": {"account": {"homePage": HOME, "name": "E3"}},
            "timestamp": f"2026-10-{day}T09:00:00+02:00",
        }

    # Imported history arrives out of order: the October 20 statement is stored first.
    late, early, middle = (
        lrs.post(at(d, s)).json()[0] for d, s in (("20", "a"), ("01", "b"), ("10", "c"))
    )
    admin = client_as(app_client, org, ["admin"])
    first = admin.get("/api/people/E3/timeline?limit=2").json()
    assert [i["statement_id"] for i in first["items"]] == [late, middle]
    rest = admin.get(first["more"]).json()
    assert [i["statement_id"] for i in rest["items"]] == [early] and rest["more"] is None


def test_a_timeline_hides_people_the_viewer_may_not_see(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    def person(name: str) -> dict[str, object]:
        return {"objectType": "Agent", "account": {"homePage": HOME, "name": name}}

    helped = {
        "actor": person("E3"),
        "verb": {"id": "https://w3id.org/xapi/proficio/verbs/helped"},
        "object": person("E6"),  # outside E2's reporting line
        "result": {"response": "Can I paste a customer's email into the tool?"},
        "context": {"instructor": person("E5")},
    }
    lrs.post(helped)
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    (item,) = manager.get("/api/people/E3/timeline").json()["items"]
    assert item["statement"]["actor"] == person("E3")
    assert item["statement"]["object"] == {"objectType": "Agent", "hidden": True}
    assert item["statement"]["context"]["instructor"] == {"objectType": "Agent", "hidden": True}
    assert "response" not in item["statement"]["result"]
    admin = client_as(app_client, org, ["admin"])
    (full,) = admin.get("/api/people/E3/timeline").json()["items"]
    assert full["statement"]["object"] == person("E6")
    assert full["statement"]["result"]["response"].startswith("Can I paste")
