"""Voiding (xAPI 1.0.3 Part Two 2.3.2)."""

from __future__ import annotations

import uuid

from tests.factories import XAPIClient, statement, with_id

VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}


def voiding(target_id: str) -> dict[str, object]:
    return {
        "actor": {"mbox": "mailto:admin@example.com"},
        "verb": VOIDED,
        "object": {"objectType": "StatementRef", "id": target_id},
    }


def test_voided_statement_leaves_queries_and_is_found_by_voided_id(lrs: XAPIClient) -> None:
    """XAPI-00029, XAPI-00030: a voided statement is only returned through voidedStatementId."""
    target = with_id(statement())
    lrs.post(target)
    [voider] = lrs.post(voiding(target["id"])).json()
    assert lrs.get(statementId=target["id"]).status_code == 404
    assert lrs.get(voidedStatementId=target["id"]).json()["id"] == target["id"]
    assert lrs.stored_ids() == [voider]


def test_voiding_a_voiding_statement_is_refused(lrs: XAPIClient) -> None:
    target = with_id(statement())
    lrs.post(target)
    [voider] = lrs.post(voiding(target["id"])).json()
    response = lrs.post(voiding(voider))
    assert response.status_code == 400
    assert response.json()["field"] == "statement.object.id"
    assert lrs.get(statementId=voider).status_code == 200


def test_voiding_statement_needs_a_statement_ref(lrs: XAPIClient) -> None:
    stmt = statement()
    stmt["verb"] = VOIDED
    response = lrs.post(stmt)
    assert response.status_code == 400
    assert response.json()["field"] == "statement.object"


def test_voiding_an_unknown_statement_is_accepted_and_voids_it_on_arrival(
    lrs: XAPIClient,
) -> None:
    """The LRS should not reject a voiding statement whose target it does not hold yet."""
    late_id = str(uuid.uuid4())
    assert lrs.post(voiding(late_id)).status_code == 200
    lrs.post({**statement(), "id": late_id})
    assert lrs.get(statementId=late_id).status_code == 404
    assert lrs.get(voidedStatementId=late_id).status_code == 200


def test_voided_id_of_a_live_statement_is_404(lrs: XAPIClient) -> None:
    [sid] = lrs.post(statement()).json()
    assert lrs.get(voidedStatementId=sid).status_code == 404


def test_voiding_statement_matches_filters_of_its_target(lrs: XAPIClient) -> None:
    """XAPI-00033-ish: statements targeting a matching statement match the filter too."""
    target = with_id(statement(actor="grace", verb_name="attempted"))
    lrs.post(target)
    [voider] = lrs.post(voiding(target["id"])).json()
    found = lrs.stored_ids(verb="http://adlnet.gov/expapi/verbs/attempted")
    assert found == [voider]
