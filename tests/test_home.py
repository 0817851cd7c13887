"""The home page and its JSON twin: a browser without a session is sent to sign in; each
account sees who it is and only the links its permissions open. Through real HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from proficio.settings import Settings
from tests.factories import client_as, create_test_people


def test_without_a_session_home_sends_the_browser_to_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/sign-in")
    assert app_client.get("/home.json").status_code == 401


def test_home_sends_each_account_to_its_role_view_and_remembers_the_last_one(
    app_client: TestClient, settings: Settings
) -> None:
    create_test_people(settings)
    manager = client_as(app_client, settings, ["manager"], person_id="E2")
    first = manager.get("/", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/team")
    twin = manager.get("/home.json").json()
    assert twin["roles"] == ["manager"] and twin["home"] == "/team"
    # The role switcher: a manager is also a learner; their team first, widest view first.
    assert [v["name"] for v in twin["views"]] == ["team", "learner"]
    visit = manager.get("/people/E2")  # switching to their own progress is remembered
    assert visit.status_code == 200 and visit.cookies["proficio_view"] == "learner"
    app_client.cookies.clear()
    remembered = manager.headers["Cookie"] + "; proficio_view=learner"
    again = manager.get("/", headers={"Cookie": remembered}, follow_redirects=False)
    assert again.headers["location"] == "/me"

    learner = client_as(app_client, settings, ["learner"], person_id="E3")
    assert learner.get("/", follow_redirects=False).headers["location"] == "/me"
    assert [v["name"] for v in learner.get("/home.json").json()["views"]] == ["learner"]
    admin = client_as(app_client, settings, ["admin"])
    assert [v["name"] for v in admin.get("/home.json").json()["views"]] == [
        "program",
        "compliance",
    ]
    compliance = client_as(app_client, settings, ["compliance"], person_id="E4")
    assert compliance.get("/", follow_redirects=False).headers["location"] == "/compliance"


def test_a_manager_with_nobody_reporting_has_only_their_own_view_and_links_stay(
    app_client: TestClient, settings: Settings
) -> None:
    create_test_people(settings)
    alone = client_as(app_client, settings, ["manager"], person_id="E3")  # E3 leads nobody
    twin = alone.get("/home.json").json()
    assert [v["name"] for v in twin["views"]] == ["learner"] and twin["home"] == "/me"
    manager = client_as(app_client, settings, ["manager"], person_id="E2").get("/home.json")
    assert [link["label"] for link in manager.json()["links"]] == [
        "My record",
        "My timeline",
        "My team",
        "People I may see",
        "Cohorts",
    ]
