"""The Activities and Agents resources (xAPI 1.0.3 Part Three 2.4, 2.5) on both databases."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import XAPIClient

ACTIVITY = "http://example.com/activities/meeting-7"
VERB = {"id": "http://adlnet.gov/expapi/verbs/attended"}


def statement(
    definition: dict[str, Any] | None = None, *, actor: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    obj: dict[str, Any] = {"objectType": "Activity", "id": ACTIVITY}
    if definition is not None:
        obj["definition"] = definition
    return {
        "actor": actor or {"mbox": "mailto:ada@example.com", "name": "Ada"},
        "verb": VERB,
        "object": obj,
        **extra,
    }


def activity(lrs: XAPIClient, activity_id: str = ACTIVITY) -> dict[str, Any]:
    response = lrs.request("GET", "/xapi/activities", params={"activityId": activity_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_activity_comes_back_as_it_was_defined(lrs: XAPIClient) -> None:
    definition = {
        "type": "http://adlnet.gov/expapi/activities/meeting",
        "name": {"en-US": "example meeting"},
        "moreInfo": "http://example.com/more",
        "extensions": {"http://example.com/ext/room": "B12"},
    }
    assert lrs.post([statement(definition)]).status_code == 200
    assert activity(lrs) == {"objectType": "Activity", "id": ACTIVITY, "definition": definition}


def test_definitions_from_several_statements_are_merged(lrs: XAPIClient) -> None:
    # XAPI-00254: two statements, each naming the activity in another language.
    english = {"name": {"en-US": "example meeting"}, "description": {"en-US": "weekly"}}
    french = {"name": {"fr-FR": "réunion"}, "extensions": {"http://example.com/ext/a": 1}}
    assert lrs.post([statement(english), statement(french)]).status_code == 200
    assert activity(lrs)["definition"] == {
        "name": {"en-US": "example meeting", "fr-FR": "réunion"},
        "description": {"en-US": "weekly"},
        "extensions": {"http://example.com/ext/a": 1},
    }
    # Later statements, one by one (the writer caches what it merged): newest wins per key.
    lrs.post(statement({"name": {"en-US": "team meeting"}}))
    lrs.post(statement({"name": {"en-US": "team meeting"}}))  # the same again changes nothing
    lrs.post(statement({"type": "http://adlnet.gov/expapi/activities/meeting"}))
    assert activity(lrs)["definition"] == {
        "name": {"en-US": "team meeting", "fr-FR": "réunion"},
        "description": {"en-US": "weekly"},
        "extensions": {"http://example.com/ext/a": 1},
        "type": "http://adlnet.gov/expapi/activities/meeting",
    }


def test_context_and_sub_statement_activities_are_defined_too(lrs: XAPIClient) -> None:
    parent = {"id": "http://example.com/courses/c1", "definition": {"name": {"en": "Course"}}}
    inner = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:bob@example.com"},
        "verb": VERB,
        "object": {"id": "http://example.com/sub", "definition": {"name": {"en": "Sub"}}},
    }
    lrs.post(statement(context={"contextActivities": {"parent": parent}}))
    lrs.post({**statement(), "object": inner})
    assert activity(lrs, parent["id"])["definition"] == {"name": {"en": "Course"}}
    assert activity(lrs, "http://example.com/sub")["definition"] == {"name": {"en": "Sub"}}


def test_only_credentials_with_define_change_definitions(make_client) -> None:  # type: ignore[no-untyped-def]
    writer = make_client(["statements/write", "statements/read"])
    definer = make_client(["statements/write", "define"])
    assert writer.post(statement({"name": {"en": "by a writer"}})).status_code == 200
    assert "definition" not in activity(writer)
    assert definer.post(statement({"name": {"en": "by a definer"}})).status_code == 200
    assert activity(writer)["definition"] == {"name": {"en": "by a definer"}}


def test_an_unknown_activity_is_its_id(lrs: XAPIClient) -> None:
    assert activity(lrs, "http://example.com/never") == {
        "objectType": "Activity",
        "id": "http://example.com/never",
    }


def test_activities_parameters(lrs: XAPIClient) -> None:
    missing = lrs.request("GET", "/xapi/activities")
    assert missing.status_code == 400 and missing.json()["field"] == "activityId"  # XAPI-00250
    bad = lrs.request("GET", "/xapi/activities", params={"activityId": "true"})
    assert bad.status_code == 400 and bad.json()["field"] == "activityId"
    extra = lrs.request("GET", "/xapi/activities", params={"activityId": ACTIVITY, "x": "1"})
    assert extra.status_code == 400 and extra.json()["field"] == "x"
    head = lrs.request("HEAD", "/xapi/activities", params={"activityId": ACTIVITY})
    assert head.status_code == 200 and head.content == b""  # XAPI-00126


def person(lrs: XAPIClient, agent: dict[str, Any]) -> dict[str, Any]:
    response = lrs.request("GET", "/xapi/agents", params={"agent": json.dumps(agent)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_unknown_agent_is_a_person_of_what_was_asked(lrs: XAPIClient) -> None:
    # XAPI-00247: only the information of the requested agent, every property an array.
    asked = {"account": {"homePage": "http://example.com", "name": "zed"}, "name": "Zed"}
    assert person(lrs, asked) == {
        "objectType": "Person",
        "name": ["Zed"],
        "account": [{"homePage": "http://example.com", "name": "zed"}],
    }


def test_a_known_agent_gathers_the_names_it_used(lrs: XAPIClient) -> None:
    lrs.post(statement(actor={"mbox": "mailto:ada@example.com", "name": "Ada"}))
    lrs.post(statement(actor={"mbox": "mailto:ada@example.com", "name": "Ada Lovelace"}))
    lrs.post(statement(actor={"mbox": "mailto:someone@example.com", "name": "Someone"}))
    found = person(lrs, {"mbox": "mailto:ada@example.com"})
    assert found["objectType"] == "Person"  # XAPI-00237
    assert sorted(found["name"]) == ["Ada", "Ada Lovelace"]  # XAPI-00238
    assert found["mbox"] == ["mailto:ada@example.com"]  # XAPI-00239


def test_agents_parameters(lrs: XAPIClient) -> None:
    missing = lrs.request("GET", "/xapi/agents")
    assert missing.status_code == 400 and missing.json()["field"] == "agent"
    for bad in ("{not json", '{"name": "no ifi"}', '{"mbox": "ada@example.com"}'):
        response = lrs.request("GET", "/xapi/agents", params={"agent": bad})
        assert response.status_code == 400, bad  # XAPI-00249
        assert response.json()["field"].startswith("agent")


def test_definitions_need_a_reading_scope(make_client) -> None:  # type: ignore[no-untyped-def]
    state_only = make_client(["state"])
    response = state_only.request("GET", "/xapi/activities", params={"activityId": ACTIVITY})
    assert response.status_code == 403
