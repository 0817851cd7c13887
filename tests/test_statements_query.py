"""Statement queries: filters, formats, paging, headers (xAPI 1.0.3 Part Three 2.1.3)."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qs, urlparse

from tests.factories import XAPIClient, activity, agent, statement, with_id


def _post(lrs: XAPIClient, *stmts: dict[str, object]) -> list[str]:
    response = lrs.post(list(stmts))
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


def test_default_order_is_newest_first_and_ascending_reverses(lrs: XAPIClient) -> None:
    ids = [_post(lrs, statement(slug=f"c{i}"))[0] for i in range(3)]
    assert lrs.stored_ids() == ids[::-1]
    assert lrs.stored_ids(ascending="true") == ids


def test_agent_filter_matches_actor_and_object_and_group_members(lrs: XAPIClient) -> None:
    ada = json.dumps(agent("ada"))
    as_actor = _post(lrs, statement(actor="ada"))[0]
    as_object = _post(
        lrs,
        {
            "actor": agent("bob"),
            "verb": {"id": "http://example.com/helped"},
            "object": agent("ada"),
        },
    )[0]
    in_group = _post(
        lrs,
        {
            "actor": {"objectType": "Group", "member": [agent("ada"), agent("cy")]},
            "verb": {"id": "http://example.com/met"},
            "object": activity(),
        },
    )[0]
    _post(lrs, statement(actor="bob"))
    assert set(lrs.stored_ids(agent=ada)) == {as_actor, as_object, in_group}


def test_related_agents_includes_instructor_and_authority(lrs: XAPIClient) -> None:
    taught = statement(actor="bob", context={"instructor": agent("ada")})
    [sid] = _post(lrs, taught)
    ada = json.dumps(agent("ada"))
    assert lrs.stored_ids(agent=ada) == []
    assert lrs.stored_ids(agent=ada, related_agents="true") == [sid]
    authority = json.dumps(lrs.get(statementId=sid).json()["authority"])
    assert lrs.stored_ids(agent=authority, related_agents="true") == [sid]


def test_verb_activity_registration_filters(lrs: XAPIClient) -> None:
    reg = str(uuid.uuid4())
    a = _post(lrs, statement(verb_name="passed", slug="quiz", context={"registration": reg}))[0]
    _post(lrs, statement(verb_name="failed", slug="quiz"))
    _post(lrs, statement(verb_name="passed", slug="other"))
    assert lrs.stored_ids(
        verb="http://adlnet.gov/expapi/verbs/passed", activity=activity("quiz")["id"]
    ) == [a]
    assert lrs.stored_ids(registration=reg) == [a]
    assert lrs.stored_ids(verb="http://example.com/never-used") == []


def test_related_activities_includes_context_activities(lrs: XAPIClient) -> None:
    parent = activity("program")
    [sid] = _post(lrs, statement(context={"contextActivities": {"parent": [parent]}}))
    assert lrs.stored_ids(activity=parent["id"]) == []
    assert lrs.stored_ids(activity=parent["id"], related_activities="true") == [sid]


def test_since_and_until(lrs: XAPIClient) -> None:
    first = _post(lrs, statement(slug="a"))[0]
    stored = lrs.get(statementId=first).json()["stored"]
    time.sleep(0.01)
    second = _post(lrs, statement(slug="b"))[0]
    assert lrs.stored_ids(since=stored) == [second]
    assert lrs.stored_ids(until=stored) == [first]


def test_limit_and_more_pages_stay_stable_while_statements_arrive(lrs: XAPIClient) -> None:
    ids = _post(lrs, *[with_id(statement(slug=f"p{i}")) for i in range(7)])
    page = lrs.get(limit=3).json()
    seen = [s["id"] for s in page["statements"]]
    _post(lrs, statement(slug="late"))  # must not appear in later pages
    while page["more"]:
        assert urlparse(page["more"]).path == "/xapi/statements"
        more = parse_qs(urlparse(page["more"]).query)["more"][0]
        page = lrs.request("GET", "/xapi/statements", params={"more": more}).json()
        seen += [s["id"] for s in page["statements"]]
    assert seen == ids[::-1]


def test_limit_zero_means_server_maximum(lrs: XAPIClient) -> None:
    _post(lrs, *[statement(slug=f"m{i}") for i in range(60)])
    page = lrs.get(limit=0).json()
    assert len(page["statements"]) == 50  # the test settings' page size
    assert page["more"]


def test_format_ids_keeps_identifiers_only(lrs: XAPIClient) -> None:
    [sid] = _post(lrs, statement(object=activity("x", name={"en-US": "X"})))
    got = lrs.get(statementId=sid, format="ids").json()
    assert got["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    assert got["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed"}
    assert got["object"] == {"id": activity("x")["id"]}


def test_format_canonical_picks_accept_language(lrs: XAPIClient) -> None:
    names = {"en-US": "Course", "fr-FR": "Cours", "de": "Kurs"}
    [sid] = _post(lrs, statement(object=activity("x", name=names)))
    response = lrs.request(
        "GET",
        "/xapi/statements",
        params={"statementId": sid, "format": "canonical"},
        headers={"Accept-Language": "fr-FR;q=0.9, de;q=0.5"},
    )
    assert response.json()["object"]["definition"]["name"] == {"fr-FR": "Cours"}


def test_headers_consistent_through_and_last_modified(lrs: XAPIClient) -> None:
    """XAPI-00144, XAPI-00160: Consistent-Through on every statements GET, Last-Modified."""
    [sid] = _post(lrs, statement())
    for response in (lrs.get(), lrs.get(statementId=sid)):
        assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")
        assert response.headers["Last-Modified"].endswith("GMT")


def test_head_returns_headers_without_body(lrs: XAPIClient) -> None:
    [sid] = _post(lrs, statement())
    response = lrs.request("HEAD", "/xapi/statements", params={"statementId": sid})
    assert response.status_code == 200
    assert response.content == b""
    assert "X-Experience-API-Consistent-Through" in response.headers


def test_attachments_true_returns_multipart(lrs: XAPIClient) -> None:
    [sid] = _post(lrs, statement())
    response = lrs.get(statementId=sid, attachments="true")
    assert response.headers["content-type"].startswith("multipart/mixed; boundary=")
    assert sid.encode() in response.content


def test_single_statement_with_filters_is_400(lrs: XAPIClient) -> None:
    response = lrs.get(statementId=str(uuid.uuid4()), verb="http://example.com/v")
    assert response.status_code == 400
    assert response.json()["field"] == "verb"


def test_bad_query_parameters_are_400_naming_them(lrs: XAPIClient) -> None:
    cases = {
        "limit": {"limit": "-1"},
        "since": {"since": "yesterday"},
        "agent": {"agent": "{not json"},
        "format": {"format": "pretty"},
        "colour": {"colour": "blue"},
        "more": {"more": "garbage!!"},
    }
    for field, params in cases.items():
        response = lrs.get(**params)
        assert response.status_code == 400, field
        assert response.json()["field"] == field


def test_unknown_statement_is_404(lrs: XAPIClient) -> None:
    assert lrs.get(statementId=str(uuid.uuid4())).status_code == 404


def test_related_activities_pages_merge_object_and_context_matches(lrs: XAPIClient) -> None:
    """A related query drives over two index kinds; its pages interleave them in stored order."""
    target = activity("shared")
    stmts = []
    for i in range(6):
        if i % 2:
            stmts.append(with_id(statement(slug="shared")))
        else:
            parent = {"contextActivities": {"parent": [target]}}
            stmts.append(with_id(statement(slug=f"own{i}", context=parent)))
    ids = [_post(lrs, s)[0] for s in stmts]
    page = lrs.get(activity=target["id"], related_activities="true", limit=4).json()
    seen = [s["id"] for s in page["statements"]]
    more = parse_qs(urlparse(page["more"]).query)["more"][0]
    rest = lrs.request("GET", "/xapi/statements", params={"more": more}).json()
    seen += [s["id"] for s in rest["statements"]]
    assert seen == ids[::-1]
    assert rest["more"] == ""


def test_related_agents_finds_substatement_agents_once(lrs: XAPIClient) -> None:
    sub = {
        "objectType": "SubStatement",
        "actor": agent("ada"),
        "verb": {"id": "http://example.com/will-teach"},
        "object": activity("x"),
        "context": {"instructor": agent("ada")},
    }
    [sid] = _post(
        lrs, {"actor": agent("ada"), "verb": {"id": "http://example.com/planned"}, "object": sub}
    )
    ada = json.dumps(agent("ada"))
    assert lrs.stored_ids(agent=ada, related_agents="true") == [sid]
    assert lrs.stored_ids(activity=activity("x")["id"]) == []
    assert lrs.stored_ids(activity=activity("x")["id"], related_activities="true") == [sid]
