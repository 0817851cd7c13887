from tests.factories import XAPIClient, statement


def test_post_then_get(lrs: XAPIClient) -> None:
    response = lrs.post(statement())
    assert response.status_code == 200, response.text
    [sid] = response.json()
    got = lrs.get(statementId=sid)
    assert got.status_code == 200, got.text
    assert got.json()["id"] == sid
    assert got.headers["X-Experience-API-Version"] == "1.0.3"
