"""xAPI 2.0 (IEEE 9274.1.1) served beside 1.0.3, chosen by the X-Experience-API-Version header:
/about, the response version, contextAgents and contextGroups, the default statement version,
no alternate request syntax, blind State overwrites, duration comparison, and the setting that
narrows the versions served. Section numbers are those of the 2.0 conformance suite (4.x) and
of the 1.0.3 requirement ids where 2.0 kept them."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from fastapi.testclient import TestClient

from proficio.app import create_app
from proficio.errors import InvalidStatement
from proficio.lrs.validation import validate_statement
from proficio.settings import Settings
from tests.factories import XAPIClient, agent, create_test_credential, statement

V2 = {"X-Experience-API-Version": "2.0.0"}
STATE = "/xapi/activities/state"


def v2(lrs: XAPIClient, method: str, path: str, **kw: Any) -> Any:
    return lrs.request(method, path, headers={**V2, **kw.pop("headers", {})}, **kw)


def team(name: str, *members: str) -> dict[str, Any]:
    return {
        "objectType": "Group",
        "mbox": f"mailto:{name}@example.com",
        "member": [agent(m) for m in members],
    }


def with_context_agents() -> dict[str, Any]:
    return statement(
        context={
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": agent("coach"),
                    "relevantTypes": ["https://example.com/types/coach"],
                }
            ],
            "contextGroups": [
                {"objectType": "contextGroup", "group": team("squad", "bo", "cy")},
            ],
        }
    )


# --- Versions: /about, the response header, the setting ----------------------------------


def test_about_lists_both_versions(app_client: TestClient) -> None:
    """4.1.6.7 (XAPI-00317): /about lists 2.0.0 beside the 1.0.x versions."""
    response = app_client.get("/xapi/about")
    assert response.json()["version"] == ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]


@pytest.mark.parametrize(
    ("sent", "answered"),
    [("1.0.3", "1.0.3"), ("1.0", "1.0.3"), ("2.0.0", "2.0.0"), ("2.0", "2.0.0"), (None, "2.0.0")],
)
def test_each_response_speaks_the_version_of_its_request(
    lrs: XAPIClient, sent: str | None, answered: str
) -> None:
    """XAPI-00333: the response carries the version served; without one, the newest served."""
    headers = {"Authorization": lrs.headers["Authorization"]}
    if sent is not None:
        headers["X-Experience-API-Version"] = sent
    response = lrs.http.get("/xapi/statements", headers=headers)
    assert response.status_code == (200 if sent else 400)
    assert response.headers["X-Experience-API-Version"] == answered


def test_unsupported_versions_are_still_400(lrs: XAPIClient) -> None:
    for bad in ("2.1.0", "3.0.0", "0.95", "2"):
        response = v2(lrs, "GET", "/xapi/statements", headers={"X-Experience-API-Version": bad})
        assert response.status_code == 400, bad
        assert response.json()["field"] == "X-Experience-API-Version"


@pytest.fixture
def only_1_0_3(database_url: str) -> Iterator[XAPIClient]:
    settings = Settings(database_url=database_url, xapi_versions="1.0.3")
    with TestClient(create_app(settings)) as client:
        key, secret = create_test_credential(settings, ["all"])
        yield XAPIClient(client, key, secret)


def test_the_versions_served_can_be_narrowed(only_1_0_3: XAPIClient) -> None:
    """PROFICIO_XAPI_VERSIONS=1.0.3: 2.0 requests are refused, and a request without a version
    is answered as 1.0.3 (what the 1.0.3 suite expects, XAPI-00331)."""
    lrs = only_1_0_3
    assert lrs.http.get("/xapi/about").json()["version"] == ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
    refused = v2(lrs, "GET", "/xapi/statements")
    assert refused.status_code == 400
    assert "1.0.3" in refused.json()["reason"]
    bare = lrs.http.get("/xapi/statements", headers={"Authorization": lrs.headers["Authorization"]})
    assert bare.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("value", ["", "1.0.3,1.1", "2.0.1", " , "])
def test_a_bad_versions_setting_names_the_setting(value: str) -> None:
    with pytest.raises(ValueError, match="xapi_versions"):
        Settings(xapi_versions=value)


def test_versions_setting_is_normalised() -> None:
    assert Settings(xapi_versions=" 2.0.0 , 1.0.3").xapi_versions == "1.0.3,2.0.0"


# --- contextAgents and contextGroups (9274.1.1 Data 2.4.6; suite 4.2.2.5) ------------------


def test_context_agents_and_groups_are_stored_under_2_0(lrs: XAPIClient) -> None:
    sent = with_context_agents()
    response = v2(lrs, "POST", "/xapi/statements", json=sent)
    assert response.status_code == 200, response.text
    [statement_id] = response.json()
    got = v2(lrs, "GET", "/xapi/statements", params={"statementId": statement_id}).json()
    assert got["context"]["contextAgents"] == sent["context"]["contextAgents"]
    assert got["context"]["contextGroups"] == sent["context"]["contextGroups"]
    assert got["version"] == "2.0.0"  # a 2.0 statement without a version is a 2.0.0 one


def test_context_agents_are_not_1_0_3(lrs: XAPIClient) -> None:
    response = lrs.post(with_context_agents())
    assert response.status_code == 400
    assert response.json()["field"] == "statement.context.contextAgents"


def test_a_1_0_3_statement_without_version_is_1_0_0(lrs: XAPIClient) -> None:
    [statement_id] = lrs.post(statement()).json()
    assert lrs.get(statementId=statement_id).json()["version"] == "1.0.0"


def test_a_2_0_statement_keeps_the_version_it_came_with(lrs: XAPIClient) -> None:
    """XAPI-00332 under 2.0: the version property is kept as sent."""
    [statement_id] = v2(lrs, "POST", "/xapi/statements", json=statement(version="1.0.3")).json()
    got = v2(lrs, "GET", "/xapi/statements", params={"statementId": statement_id}).json()
    assert got["version"] == "1.0.3"


def _context(**context: Any) -> dict[str, Any]:
    return statement(context=context)


CONTEXT_AGENT = {"objectType": "contextAgent", "agent": agent("coach")}
CONTEXT_GROUP = {"objectType": "contextGroup", "group": team("squad", "bo")}


@pytest.mark.parametrize(
    ("context", "field", "reason"),
    [
        ({"contextAgents": CONTEXT_AGENT}, "contextAgents", "must be an array"),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "objectType": "Agent"}]},
            "contextAgents[0].objectType",
            "must be contextAgent",
        ),
        (
            {"contextAgents": [{"objectType": "contextAgent"}]},
            "contextAgents[0].agent",
            "is required",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "agent": team("squad", "bo")}]},
            "contextAgents[0].agent.objectType",
            None,
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "agent": {"key": "x"}}]},
            "contextAgents[0].agent",
            None,
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": []}]},
            "contextAgents[0].relevantTypes",
            "must not be empty",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "relevantTypes": ["abc"]}]},
            "contextAgents[0].relevantTypes[0]",
            "must be an IRI",
        ),
        (
            {"contextAgents": [{**CONTEXT_AGENT, "role": "coach"}]},
            "contextAgents[0].role",
            None,
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "objectType": "contextAgent"}]},
            "contextGroups[0].objectType",
            "must be contextGroup",
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "group": agent("bo")}]},
            "contextGroups[0].group",
            "must be a Group",
        ),
        (
            {"contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group"}}]},
            "contextGroups[0].group",
            None,
        ),
        (
            {"contextGroups": [{**CONTEXT_GROUP, "relevantTypes": "https://example.com/t"}]},
            "contextGroups[0].relevantTypes",
            "must be an array",
        ),
    ],
)
def test_bad_context_agents_and_groups_are_named(
    context: dict[str, Any], field: str, reason: str | None
) -> None:
    """4.2.2.5: each rule of contextAgent and contextGroup, also inside a SubStatement."""
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(_context(**context), version="2.0.0")
    assert caught.value.field.startswith(f"context.{field}")
    if reason is not None:
        assert caught.value.reason == reason
    sub = statement(object={"objectType": "SubStatement", **_context(**context)})
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(sub, version="2.0.0")
    assert caught.value.field.startswith(f"object.context.{field}")


def test_related_agents_finds_context_agents_and_group_members(lrs: XAPIClient) -> None:
    """A contextAgent or a contextGroup (and its members) is a related agent, as instructor and
    team are; `agent` alone does not match them."""
    [found] = v2(lrs, "POST", "/xapi/statements", json=with_context_agents()).json()
    v2(lrs, "POST", "/xapi/statements", json=statement("zed"))
    for who in (agent("coach"), team("squad"), agent("cy")):
        ident = {k: v for k, v in who.items() if k in ("objectType", "mbox")}
        params = {"agent": orjson.dumps(ident).decode()}
        assert lrs.stored_ids(**params, related_agents="true") == [found]
        assert lrs.stored_ids(**params) == []


# --- Duration comparison (suite 4.2.7) ---------------------------------------------------


@pytest.mark.parametrize(
    ("first", "again", "same"),
    [
        ("PT0.12S", "PT0.1237S", True),
        ("P1DT12H36M0.12S", "P1DT12H36M0.129S", True),
        ("PT1.5S", "PT1.50S", True),
        ("PT4S", "PT4.009S", True),
        ("PT0.12S", "PT0.13S", False),
        ("PT1M", "PT2M", False),
    ],
)
def test_durations_compare_to_the_hundredth_of_a_second(
    lrs: XAPIClient, first: str, again: str, same: bool
) -> None:
    """Beyond 0.01 second a duration's precision is not compared: re-sending the statement is
    accepted; a real difference is a 409 (XAPI-00122)."""
    sent = statement(id=str(uuid.uuid4()), result={"duration": first})
    assert v2(lrs, "POST", "/xapi/statements", json=sent).status_code == 200
    resent = copy.deepcopy(sent)
    resent["result"]["duration"] = again
    assert v2(lrs, "POST", "/xapi/statements", json=resent).status_code == (200 if same else 409)


# --- No alternate request syntax in 2.0 (suite H.Communication1.3) ------------------------


def test_alternate_syntax_is_refused_under_2_0(lrs: XAPIClient) -> None:
    form = {"content": orjson.dumps(statement()).decode(), "statementId": str(uuid.uuid4())}
    for version_in_header in (True, False):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        fields = dict(form)
        if version_in_header:
            headers.update(V2)
        else:
            fields["X-Experience-API-Version"] = "2.0.0"
            fields["Authorization"] = lrs.headers["Authorization"]
        response = lrs.http.post(
            "/xapi/statements?method=PUT",
            content=urlencode(fields),
            headers={"Authorization": lrs.headers["Authorization"], **headers},
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "method"
        assert "2.0" in response.json()["reason"]
    assert lrs.stored_ids() == []


# --- State concurrency (suite 4.1.4) ------------------------------------------------------


def _state() -> dict[str, str]:
    return {
        "activityId": "https://example.com/activities/course-1",
        "agent": orjson.dumps(agent()).decode(),
        "stateId": "bookmark",
    }


def test_state_refuses_a_blind_overwrite_under_2_0(lrs: XAPIClient) -> None:
    """Under 2.0 a PUT without If-Match / If-None-Match may create a state, not replace one;
    under 1.0.3 it replaces it (test_documents)."""
    first = v2(lrs, "PUT", STATE, params=_state(), content=b'{"page": 1}')
    assert first.status_code == 204
    blind = v2(lrs, "PUT", STATE, params=_state(), content=b'{"page": 2}')
    assert blind.status_code == 409
    assert "If-Match" in blind.json()["reason"]
    assert v2(lrs, "GET", STATE, params=_state()).json() == {"page": 1}
    etag = first.headers["ETag"]
    guarded = v2(
        lrs, "PUT", STATE, params=_state(), content=b'{"page": 2}', headers={"If-Match": etag}
    )
    assert guarded.status_code == 204
    assert v2(lrs, "GET", STATE, params=_state()).json() == {"page": 2}


def test_alternate_syntax_answers_in_the_version_of_its_form(lrs: XAPIClient) -> None:
    """The 1.0.3 alternate syntax carries the version in the form: the response speaks it."""
    form = {
        "X-Experience-API-Version": "1.0.3",
        "Authorization": lrs.headers["Authorization"],
    }
    response = lrs.http.post(
        "/xapi/statements?method=GET",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_format_ids_reduces_context_agents_and_groups(lrs: XAPIClient) -> None:
    [statement_id] = v2(lrs, "POST", "/xapi/statements", json=with_context_agents()).json()
    got = v2(
        lrs, "GET", "/xapi/statements", params={"statementId": statement_id, "format": "ids"}
    ).json()
    [coach] = got["context"]["contextAgents"]
    assert coach["agent"] == {"objectType": "Agent", "mbox": "mailto:coach@example.com"}
    assert coach["relevantTypes"] == ["https://example.com/types/coach"]
    [squad] = got["context"]["contextGroups"]
    assert squad["group"] == {"objectType": "Group", "mbox": "mailto:squad@example.com"}
