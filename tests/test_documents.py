"""State, Activity Profile and Agent Profile resources (xAPI 1.0.3 Part Three 2.2-2.7, 3.1),
through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx
import pytest

from tests.factories import XAPIClient

ACTIVITY = "http://example.com/activities/course-1"
AGENT = json.dumps({"mbox": "mailto:ada@example.com"})
OTHER_AGENT = json.dumps({"account": {"homePage": "http://example.com", "name": "bob"}})
REGISTRATION = "6f1c7c52-5a7e-4c33-9c29-1e0f6a3b2d41"
STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"


def state(**extra: str) -> dict[str, str]:
    return {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark", **extra}


def send(
    lrs: XAPIClient,
    method: str,
    path: str,
    params: dict[str, str],
    body: bytes | None = None,
    *,
    content_type: str = "application/json",
    **headers: str,
) -> httpx.Response:
    all_headers = {"Content-Type": content_type, **headers} if body is not None else headers
    return lrs.request(method, path, params=params, content=body, headers=all_headers)


def as_json(value: Any) -> bytes:
    return json.dumps(value).encode()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


# --- State ---------------------------------------------------------------------------------


def test_state_put_then_get_returns_the_same_bytes_type_and_etag(lrs: XAPIClient) -> None:
    body = as_json({"page": 3})
    put = send(lrs, "PUT", STATE, state(), body)
    assert put.status_code == 204  # XAPI-00228
    got = lrs.request("GET", STATE, params=state())
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "application/json"
    assert got.headers["etag"] == etag(body)  # XAPI-00228: every document has an ETag
    assert "last-modified" in got.headers


def test_binary_documents_keep_their_content_type(lrs: XAPIClient) -> None:
    body = bytes(range(256)) * 4
    assert send(lrs, "PUT", STATE, state(), body, content_type="image/png").status_code == 204
    got = lrs.request("GET", STATE, params=state())
    assert got.content == body
    assert got.headers["content-type"] == "image/png"
    head = lrs.request("HEAD", STATE, params=state())
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(body))


def test_text_content_types_come_back_unchanged(lrs: XAPIClient) -> None:
    send(lrs, "PUT", STATE, state(), b"suspend=1", content_type="text/plain")
    assert lrs.request("GET", STATE, params=state()).headers["content-type"] == "text/plain"


def test_state_post_merges_json_objects(lrs: XAPIClient) -> None:
    send(lrs, "PUT", STATE, state(), as_json({"page": 3, "score": 1}))
    assert send(lrs, "POST", STATE, state(), as_json({"score": 2, "done": True})).status_code == 204
    merged = lrs.request("GET", STATE, params=state()).json()
    assert merged == {"page": 3, "score": 2, "done": True}


def test_post_without_a_stored_document_stores_it(lrs: XAPIClient) -> None:
    assert send(lrs, "POST", STATE, state(), as_json({"a": 1})).status_code == 204
    assert lrs.request("GET", STATE, params=state()).json() == {"a": 1}


@pytest.mark.parametrize(
    ("stored", "stored_type", "posted", "posted_type"),
    [
        (b"plain text", "text/plain", as_json({"a": 1}), "application/json"),
        (as_json({"a": 1}), "application/json", b"plain", "text/plain"),
        (as_json([1, 2]), "application/json", as_json({"a": 1}), "application/json"),
        (as_json({"a": 1}), "application/json", as_json([1]), "application/json"),
        (as_json({"a": 1}), "application/json", b"{not json", "application/json"),
    ],
)
def test_post_refuses_to_merge_anything_but_two_json_objects(
    lrs: XAPIClient, stored: bytes, stored_type: str, posted: bytes, posted_type: str
) -> None:
    send(lrs, "PUT", STATE, state(), stored, content_type=stored_type)
    response = send(lrs, "POST", STATE, state(), posted, content_type=posted_type)
    assert response.status_code == 400, response.text
    assert lrs.request("GET", STATE, params=state()).content == stored  # nothing changed


def test_registration_and_agent_separate_states(lrs: XAPIClient) -> None:
    send(lrs, "PUT", STATE, state(), b"none", content_type="text/plain")
    send(lrs, "PUT", STATE, state(registration=REGISTRATION), b"reg", content_type="text/plain")
    send(lrs, "PUT", STATE, {**state(), "agent": OTHER_AGENT}, b"bob", content_type="text/plain")
    assert lrs.request("GET", STATE, params=state()).content == b"none"
    assert lrs.request("GET", STATE, params=state(registration=REGISTRATION)).content == b"reg"
    assert lrs.request("GET", STATE, params={**state(), "agent": OTHER_AGENT}).content == b"bob"


def test_same_agent_written_differently_is_the_same_agent(lrs: XAPIClient) -> None:
    send(lrs, "PUT", STATE, state(), b"x", content_type="text/plain")
    spelled = json.dumps({"objectType": "Agent", "mbox": "mailto:ada@example.com", "name": "Ada"})
    assert lrs.request("GET", STATE, params={**state(), "agent": spelled}).content == b"x"


def test_state_ids_list_with_since(lrs: XAPIClient) -> None:
    scope = {"activityId": ACTIVITY, "agent": AGENT}
    send(lrs, "PUT", STATE, {**scope, "stateId": "a"}, b"1", content_type="text/plain")
    time.sleep(0.01)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    send(lrs, "PUT", STATE, {**scope, "stateId": "b"}, b"2", content_type="text/plain")
    listed = lrs.request("GET", STATE, params=scope)
    assert listed.status_code == 200 and listed.json() == ["a", "b"]  # XAPI-00230
    assert lrs.request("GET", STATE, params={**scope, "since": between}).json() == ["b"]
    empty = lrs.request("GET", STATE, params={"activityId": ACTIVITY, "agent": OTHER_AGENT})
    assert empty.json() == []


def test_delete_one_state_and_then_all_states(lrs: XAPIClient) -> None:
    scope = {"activityId": ACTIVITY, "agent": AGENT}
    for state_id in ("a", "b", "c"):
        send(lrs, "PUT", STATE, {**scope, "stateId": state_id}, b"1", content_type="text/plain")
    send(lrs, "PUT", STATE, {**scope, "stateId": "r", "registration": REGISTRATION}, b"1")
    send(lrs, "PUT", STATE, {**scope, "agent": OTHER_AGENT, "stateId": "a"}, b"1")
    assert lrs.request("DELETE", STATE, params={**scope, "stateId": "a"}).status_code == 204
    assert lrs.request("GET", STATE, params={**scope, "stateId": "a"}).status_code == 404
    assert lrs.request("GET", STATE, params=scope).json() == ["b", "c", "r"]
    assert lrs.request("DELETE", STATE, params=scope).status_code == 204  # XAPI-00232
    assert lrs.request("GET", STATE, params=scope).json() == []
    other = {**scope, "agent": OTHER_AGENT}
    assert lrs.request("GET", STATE, params=other).json() == ["a"]  # another agent's stays


def test_missing_state_is_404(lrs: XAPIClient) -> None:
    response = lrs.request("GET", STATE, params=state())
    assert response.status_code == 404
    assert response.json()["field"] == "stateId"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"agent": AGENT, "stateId": "s"}, "activityId"),
        ({"activityId": ACTIVITY, "stateId": "s"}, "agent"),
        ({"activityId": "not an iri", "agent": AGENT, "stateId": "s"}, "activityId"),
        ({"activityId": ACTIVITY, "agent": "{not json", "stateId": "s"}, "agent"),
        ({"activityId": ACTIVITY, "agent": '{"name": "no ifi"}', "stateId": "s"}, "agent"),
        (
            {**state(), "agent": '{"mbox": "mailto:a@b.c", "openid": "http://x"}'},
            "agent",
        ),
        ({**state(), "registration": "not-a-uuid"}, "registration"),
        ({**state(), "since": "2026-01-01T00:00:00Z"}, "since"),
        ({**state(), "color": "blue"}, "color"),
    ],
)
def test_bad_state_parameters_are_400_naming_the_parameter(
    lrs: XAPIClient, params: dict[str, str], field: str
) -> None:
    for method in ("GET", "PUT"):
        body = b"{}" if method == "PUT" else None
        response = send(lrs, method, STATE, params, body)
        assert response.status_code == 400, (method, response.text)
        assert response.json()["field"] == field


def test_put_without_state_id_is_400(lrs: XAPIClient) -> None:
    response = send(lrs, "PUT", STATE, {"activityId": ACTIVITY, "agent": AGENT}, b"{}")
    assert response.status_code == 400 and response.json()["field"] == "stateId"


def test_oversized_document_is_413_and_not_stored(lrs: XAPIClient) -> None:
    limit = 10 * 1024 * 1024
    response = send(lrs, "PUT", STATE, state(), b"x" * (limit + 1), content_type="text/plain")
    assert response.status_code == 413
    assert lrs.request("GET", STATE, params=state()).status_code == 404


# --- Concurrency (Part Three 3.1) ---------------------------------------------------------


@pytest.mark.parametrize("path", [STATE, ACTIVITY_PROFILE, AGENT_PROFILE])
def test_if_match_and_if_none_match(lrs: XAPIClient, path: str) -> None:
    params = _params_for(path)
    first = as_json({"v": 1})
    create = send(lrs, "PUT", path, params, first, **{"If-None-Match": "*"})
    assert create.status_code == 204
    assert create.headers["etag"] == etag(first)
    again = send(lrs, "PUT", path, params, first, **{"If-None-Match": "*"})
    assert again.status_code == 412  # XAPI-00284
    stale = send(lrs, "PUT", path, params, as_json({"v": 2}), **{"If-Match": '"0000"'})
    assert stale.status_code == 412  # XAPI-00285
    second = as_json({"v": 2})
    fresh = send(lrs, "PUT", path, params, second, **{"If-Match": etag(first)})
    assert fresh.status_code == 204
    assert lrs.request("GET", path, params=params).content == second
    star = send(lrs, "POST", path, params, as_json({"w": 1}), **{"If-Match": "*"})
    assert star.status_code == 204
    assert lrs.request("GET", path, params=params).json() == {"v": 2, "w": 1}
    gone = lrs.request("DELETE", path, params=params, headers={"If-Match": etag(second)})
    assert gone.status_code == 412  # the POST changed it since
    assert lrs.request("GET", path, params=params).status_code == 200


@pytest.mark.parametrize("path", [ACTIVITY_PROFILE, AGENT_PROFILE])
def test_profiles_refuse_a_blind_overwrite(lrs: XAPIClient, path: str) -> None:
    params = _params_for(path)
    new = send(lrs, "PUT", path, params, b"{}")
    assert new.status_code == 400  # XAPI-00273, XAPI-00293
    assert new.json()["field"] == "If-None-Match"
    assert send(lrs, "PUT", path, params, b"{}", **{"If-None-Match": "*"}).status_code == 204
    blind = send(lrs, "PUT", path, params, as_json({"v": 2}))
    assert blind.status_code == 409  # XAPI-00283
    assert lrs.request("GET", path, params=params).content == b"{}"


def test_state_accepts_a_blind_overwrite(lrs: XAPIClient) -> None:
    send(lrs, "PUT", STATE, state(), b"{}")
    assert send(lrs, "PUT", STATE, state(), as_json({"v": 2})).status_code == 204


def test_if_match_on_a_missing_document_is_412(lrs: XAPIClient) -> None:
    response = send(lrs, "PUT", STATE, state(), b"{}", **{"If-Match": '"abc"'})
    assert response.status_code == 412
    assert lrs.request("GET", STATE, params=state()).status_code == 404


# --- Profiles ------------------------------------------------------------------------------


def _params_for(path: str) -> dict[str, str]:
    if path == STATE:
        return state()
    if path == ACTIVITY_PROFILE:
        return {"activityId": ACTIVITY, "profileId": "settings"}
    return {"agent": AGENT, "profileId": "preferences"}


@pytest.mark.parametrize(
    ("path", "scope"),
    [(ACTIVITY_PROFILE, {"activityId": ACTIVITY}), (AGENT_PROFILE, {"agent": AGENT})],
)
def test_profile_lifecycle(lrs: XAPIClient, path: str, scope: dict[str, str]) -> None:
    one = {**scope, "profileId": "one"}
    two = {**scope, "profileId": "two"}
    create = {"If-None-Match": "*"}
    assert send(lrs, "PUT", path, one, as_json({"a": 1}), **create).status_code == 204
    assert send(lrs, "POST", path, two, as_json({"b": 1})).status_code == 204
    assert lrs.request("GET", path, params=scope).json() == ["one", "two"]
    assert lrs.request("GET", path, params=one).json() == {"a": 1}
    tag = lrs.request("GET", path, params=one).headers["etag"]
    assert lrs.request("DELETE", path, params=one, headers={"If-Match": tag}).status_code == 204
    assert lrs.request("GET", path, params=one).status_code == 404
    assert lrs.request("DELETE", path, params=two).status_code == 204
    assert lrs.request("GET", path, params=scope).json() == []


def test_profile_delete_needs_an_id(lrs: XAPIClient) -> None:
    response = lrs.request("DELETE", ACTIVITY_PROFILE, params={"activityId": ACTIVITY})
    assert response.status_code == 400 and response.json()["field"] == "profileId"


def test_profiles_of_different_activities_and_agents_are_separate(lrs: XAPIClient) -> None:
    create = {"If-None-Match": "*"}
    send(lrs, "PUT", ACTIVITY_PROFILE, {"activityId": ACTIVITY, "profileId": "p"}, b"1", **create)
    other = {"activityId": ACTIVITY + "/2", "profileId": "p"}
    assert lrs.request("GET", ACTIVITY_PROFILE, params=other).status_code == 404
    send(lrs, "PUT", AGENT_PROFILE, {"agent": AGENT, "profileId": "p"}, b"1", **create)
    bob = {"agent": OTHER_AGENT, "profileId": "p"}
    assert lrs.request("GET", AGENT_PROFILE, params=bob).status_code == 404


# --- Scopes --------------------------------------------------------------------------------


def test_document_scopes(make_client) -> None:  # type: ignore[no-untyped-def]
    reader = make_client(["state/read"])
    writer = make_client(["state/write"])
    statements_only = make_client(["statements/write", "statements/read"])
    legacy = make_client(["state"])
    assert send(writer, "PUT", STATE, state(), b"{}").status_code == 204
    assert send(reader, "PUT", STATE, state(), b"{}").status_code == 403
    assert reader.request("GET", STATE, params=state()).status_code == 200
    assert writer.request("GET", STATE, params=state()).status_code == 403
    assert statements_only.request("GET", STATE, params=state()).status_code == 403
    assert legacy.request("GET", STATE, params=state()).status_code == 200
    profile = {"activityId": ACTIVITY, "profileId": "p"}
    assert send(legacy, "PUT", ACTIVITY_PROFILE, profile, b"{}").status_code == 403
    profile_writer = make_client(["profile"])
    create = {"If-None-Match": "*"}
    assert (
        send(profile_writer, "PUT", ACTIVITY_PROFILE, profile, b"{}", **create).status_code == 204
    )
    all_read = make_client(["all/read"])
    assert all_read.request("GET", ACTIVITY_PROFILE, params=profile).status_code == 200
    assert send(all_read, "PUT", ACTIVITY_PROFILE, profile, b"{}").status_code == 403
