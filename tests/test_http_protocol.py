"""Protocol rules around the statements: version header, auth, scopes, content types, limits,
alternate request syntax, CORS, /about (xAPI 1.0.3 Part Three 1.3, 2.8, 3.3, 4)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from proficio.auth.credentials import revoke_credential
from proficio.settings import Settings
from proficio.storage.database import Database
from tests.factories import VERSION, XAPIClient, basic, statement

ClientFactory = Callable[..., XAPIClient]


def test_about_lists_versions_without_auth_or_version_header(app_client: TestClient) -> None:
    """XAPI-00314, XAPI-00315: /about needs no credentials and lists the versions served."""
    response = app_client.get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json()["version"]
    assert response.headers["X-Experience-API-Version"] == "2.0.0"  # the newest served


def test_missing_or_unsupported_version_header_is_400(lrs: XAPIClient) -> None:
    """XAPI-00330, XAPI-00331: every request names a supported version (1.0.x or 2.0.x)."""
    auth = {"Authorization": lrs.headers["Authorization"]}
    missing = lrs.http.get("/xapi/statements", headers=auth)
    assert missing.status_code == 400
    assert missing.json()["field"] == "X-Experience-API-Version"
    for bad in ("0.95", "1.1.0", "2.1.0", "one"):
        response = lrs.http.get(
            "/xapi/statements", headers={**auth, "X-Experience-API-Version": bad}
        )
        assert response.status_code == 400, bad
    for good in ("1.0", "1.0.0", "1.0.2", "1.0.3"):
        response = lrs.http.get(
            "/xapi/statements", headers={**auth, "X-Experience-API-Version": good}
        )
        assert response.status_code == 200, good


def test_bad_credentials_are_401(app_client: TestClient) -> None:
    for header in (None, "Bearer x", basic("nobody", "nothing"), "Basic !!!"):
        headers = dict(VERSION)
        if header:
            headers["Authorization"] = header
        response = app_client.get("/xapi/statements", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_scopes_limit_what_a_credential_does(make_client: ClientFactory) -> None:
    writer = make_client(["statements/write"])
    reader = make_client(["statements/read"])
    assert writer.post(statement()).status_code == 200
    assert writer.get().status_code == 403
    assert reader.post(statement()).status_code == 403
    assert len(reader.stored_ids()) == 1


def test_read_mine_sees_only_statements_it_wrote(make_client: ClientFactory) -> None:
    mine = make_client(["statements/write", "statements/read/mine"], name="mine")
    other = make_client(["all"], name="other")
    [my_id] = mine.post(statement(slug="mine")).json()
    [their_id] = other.post(statement(slug="theirs")).json()
    assert mine.stored_ids() == [my_id]
    assert mine.get(statementId=their_id).status_code == 404
    assert set(other.stored_ids()) == {my_id, their_id}


def test_wrong_content_type_and_malformed_json_are_400(lrs: XAPIClient) -> None:
    wrong = lrs.request(
        "POST",
        "/xapi/statements",
        content=json.dumps(statement()),
        headers={"Content-Type": "text/plain"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "Content-Type"
    broken = lrs.request(
        "POST",
        "/xapi/statements",
        content=b'{"actor": ',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["field"] == "body"


def test_oversized_body_is_413(lrs: XAPIClient) -> None:
    stmt = statement(result={"response": "x" * (11 * 1024 * 1024)})
    response = lrs.post(stmt)
    assert response.status_code == 413


def test_post_with_query_parameters_is_400(lrs: XAPIClient) -> None:
    response = lrs.request("POST", "/xapi/statements", params={"foo": "bar"}, json=statement())
    assert response.status_code == 400


def test_alternate_syntax_put_and_get(lrs: XAPIClient) -> None:
    """XAPI-00334..00337: POST ?method=PUT|GET with headers and content in a form body."""
    sid = str(uuid.uuid4())
    form = {
        "Authorization": lrs.headers["Authorization"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "statementId": sid,
        "content": json.dumps(statement()),
    }
    put = lrs.http.post(
        "/xapi/statements?method=PUT",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert put.status_code == 204, put.text
    get_form = {k: form[k] for k in ("Authorization", "X-Experience-API-Version", "statementId")}
    got = lrs.http.post(
        "/xapi/statements?method=GET",
        content=urlencode(get_form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert got.status_code == 200
    assert got.json()["id"] == sid


def test_alternate_syntax_rejects_other_query_parameters(lrs: XAPIClient) -> None:
    response = lrs.http.post(
        f"/xapi/statements?method=GET&statementId={uuid.uuid4()}",
        content=urlencode({"X-Experience-API-Version": "1.0.3"}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400


def test_cors_preflight_allows_browser_content(app_client: TestClient) -> None:
    response = app_client.options(
        "/xapi/statements",
        headers={
            "Origin": "https://content.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-experience-api-version,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_revoked_credential_is_refused(lrs: XAPIClient, settings: Settings) -> None:
    assert lrs.get().status_code == 200
    db = Database(settings.database_url)
    with db.transaction() as tx:
        revoke_credential(tx.conn, key=lrs.key)
    db.close()
    time.sleep(settings.auth_cache_seconds + 0.05)  # checked credentials are remembered this long
    assert lrs.get().status_code == 401


def test_version_header_is_checked_on_every_xapi_path(app_client: TestClient) -> None:
    """XAPI-00321: even a resource this LRS does not serve answers 400 without the header."""
    for path in ("/xapi/activities/state", "/xapi/agents", "/xapi/not-a-resource"):
        response = app_client.get(path)
        assert response.status_code == 400
        assert response.json()["field"] == "X-Experience-API-Version"
    assert app_client.get("/xapi/not-a-resource", headers=VERSION).status_code == 404
    assert app_client.get("/xapi/activities/state", headers=VERSION).status_code == 401
