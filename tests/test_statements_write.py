"""Storing statements: POST, PUT, ids, stored/timestamp/authority, conflicts, batches (xAPI 1.0.3
Part Three 2.1.1 and 2.1.2), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from tests.factories import XAPIClient, statement, with_id


def test_post_one_statement_assigns_id_stored_timestamp_authority(lrs: XAPIClient) -> None:
    """XAPI-00011, XAPI-00012: the LRS assigns id, stored, timestamp and authority."""
    response = lrs.post(statement())
    assert response.status_code == 200
    [sid] = response.json()
    uuid.UUID(sid)
    got = lrs.get(statementId=sid).json()
    assert got["stored"].endswith("Z")
    assert got["timestamp"] == got["stored"]
    assert got["authority"]["account"]["name"] == lrs.key
    assert got["version"] == "1.0.0"


def test_post_batch_returns_ids_in_order(lrs: XAPIClient) -> None:
    batch = [with_id(statement(slug=f"c{i}")) for i in range(5)]
    response = lrs.post(batch)
    assert response.status_code == 200
    assert response.json() == [s["id"] for s in batch]


def test_put_with_statement_id_returns_204(lrs: XAPIClient) -> None:
    """XAPI-00017: PUT stores the statement under statementId and answers 204."""
    sid = str(uuid.uuid4())
    response = lrs.put(statement(), sid)
    assert response.status_code == 204
    assert lrs.get(statementId=sid).json()["id"] == sid


def test_put_with_id_mismatch_is_400(lrs: XAPIClient) -> None:
    response = lrs.put(with_id(statement()), str(uuid.uuid4()))
    assert response.status_code == 400
    assert response.json()["field"] == "statement.id"


def test_put_without_statement_id_is_400(lrs: XAPIClient) -> None:
    response = lrs.request("PUT", "/xapi/statements", json=statement())
    assert response.status_code == 400
    assert response.json()["field"] == "statementId"


def test_identical_repost_is_accepted_and_stores_once(lrs: XAPIClient) -> None:
    """XAPI-00016: re-sending the same statement is not an error."""
    stmt = with_id(statement())
    assert lrs.post(stmt).status_code == 200
    again = {**stmt, "id": stmt["id"].upper()}
    assert lrs.post(again).status_code == 200
    assert lrs.put(stmt, stmt["id"]).status_code == 204
    assert lrs.stored_ids() == [stmt["id"]]


def test_different_statement_with_existing_id_is_409(lrs: XAPIClient) -> None:
    """XAPI-00015: a different statement under an existing id is a conflict."""
    stmt = with_id(statement())
    assert lrs.post(stmt).status_code == 200
    changed = {**stmt, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    response = lrs.post(changed)
    assert response.status_code == 409
    assert lrs.put(changed, stmt["id"]).status_code == 409


def test_batch_is_all_or_nothing(lrs: XAPIClient) -> None:
    """One bad statement in a batch stores none of them, and the error names it."""
    good = [with_id(statement(slug=f"ok{i}")) for i in range(3)]
    bad = statement()
    bad["verb"] = {"id": "not an iri"}
    response = lrs.post([*good, bad])
    assert response.status_code == 400
    assert response.json()["field"] == "statements[3].verb.id"
    assert lrs.stored_ids() == []


def test_batch_with_conflict_stores_nothing(lrs: XAPIClient) -> None:
    stored = with_id(statement())
    lrs.post(stored)
    fresh = with_id(statement(slug="fresh"))
    conflicting = {**stored, "object": {"id": "https://example.com/other"}}
    assert lrs.post([fresh, conflicting]).status_code == 409
    assert lrs.stored_ids() == [stored["id"]]


def test_same_id_twice_in_one_batch_is_400(lrs: XAPIClient) -> None:
    stmt = with_id(statement())
    response = lrs.post([stmt, stmt])
    assert response.status_code == 400
    assert response.json()["field"] == "statements[1].id"


def test_authority_is_overwritten_by_the_credential(lrs: XAPIClient) -> None:
    stmt = statement(authority={"objectType": "Agent", "mbox": "mailto:forged@example.com"})
    [sid] = lrs.post(stmt).json()
    assert lrs.get(statementId=sid).json()["authority"]["account"]["name"] == lrs.key


def test_given_timestamp_is_kept(lrs: XAPIClient) -> None:
    [sid] = lrs.post(statement(timestamp="2020-01-02T03:04:05.678+02:00")).json()
    assert lrs.get(statementId=sid).json()["timestamp"] == "2020-01-02T03:04:05.678+02:00"


def test_empty_batch_is_400(lrs: XAPIClient) -> None:
    assert lrs.post([]).status_code == 400
