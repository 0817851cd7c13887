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


def test_each_role_sees_the_links_its_permissions_open(
    app_client: TestClient, settings: Settings
) -> None:
    create_test_people(settings)
    manager = client_as(app_client, settings, ["manager"], person_id="E2")
    page = manager.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert manager.account.email in page.text and 'href="/api/teams/E2"' in page.text
    twin = manager.get("/home.json").json()
    assert twin["roles"] == ["manager"]
    assert [link["label"] for link in twin["links"]] == [
        "My record",
        "My timeline",
        "My team",
        "People I may see",
        "Cohorts",
    ]
    learner = client_as(app_client, settings, ["learner"], person_id="E3").get("/home.json")
    assert "My team" not in [link["label"] for link in learner.json()["links"]]
    admin = client_as(app_client, settings, ["admin"]).get("/home.json").json()
    assert [link["label"] for link in admin["links"]] == ["People I may see", "Cohorts"]
