"""Accounts, sessions and API tokens through the real stack: sign in and out by JSON and by the
sign-in page, CSRF, expiry, disabled accounts, revoked tokens, and secrets never stored in
clear; the `accounts` and `tokens` commands. Both databases."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import httpx2 as httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from proficio.app import create_app
from proficio.auth.throttle import MAX_FAILURES
from proficio.auth.web import CSRF_HEADER, SESSION_COOKIE
from proficio.cli import main
from proficio.settings import Settings
from tests.factories import (
    ORG_CHART,
    AccountLogin,
    APIClient,
    create_test_account,
    create_test_token,
    sign_in,
    with_token,
)


def _sql(settings: Settings, query: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(query), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _audit(settings: Settings) -> list[tuple[object, ...]]:
    return _sql(settings, "SELECT actor, action, resource, outcome FROM audit_events ORDER BY id")


def _post_session(http: TestClient, email: str, password: str) -> httpx.Response:
    return http.post("/api/session", json={"email": email, "password": password})


@pytest.fixture
def admin(settings: Settings) -> AccountLogin:
    return create_test_account(settings, ["admin"], email="Root@Example.com")


# --- Signing in and out -----------------------------------------------------------------------


def test_sign_in_sets_a_session_cookie_and_returns_the_account_and_csrf_token(
    app_client: TestClient, admin: AccountLogin
) -> None:
    response = app_client.post(
        "/api/session", json={"email": "ROOT@example.com ", "password": admin.password}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["account"] == {
        "id": admin.id,
        "email": "root@example.com",
        "person_id": None,
        "roles": ["admin"],
        "grants": [],
    }
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the public URL is http://
    expires = dt.datetime.fromisoformat(body["expires_at"])
    hours = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 3600
    assert 11.9 < hours <= 12  # PROFICIO_SESSION_HOURS defaults to 12

    me = app_client.get("/api/session")  # the cookie, as a browser sends it
    assert me.status_code == 200
    assert me.json()["account"]["email"] == "root@example.com"
    assert me.json()["via"] == "session"
    assert me.json()["csrf_token"] == body["csrf_token"]

    out = app_client.delete("/api/session", headers={CSRF_HEADER: body["csrf_token"]})
    assert out.status_code == 204
    assert SESSION_COOKIE not in app_client.cookies
    again = app_client.get(
        "/api/session", headers={"Cookie": f"{SESSION_COOKIE}={response.cookies[SESSION_COOKIE]}"}
    )
    assert again.status_code == 401
    assert again.json()["reason"] == "this session has been revoked"


def test_session_cookie_is_secure_behind_https_and_lasts_session_hours(
    settings: Settings, admin: AccountLogin
) -> None:
    https = settings.model_copy(
        update={"public_url": "https://lrs.example.com", "session_hours": 2}
    )
    with TestClient(create_app(https), base_url="https://testserver") as http:
        response = _post_session(http, admin.email, admin.password)
    assert response.status_code == 201
    assert "Secure" in response.headers["set-cookie"]
    assert "Max-Age=7200" in response.headers["set-cookie"]
    expires = dt.datetime.fromisoformat(response.json()["expires_at"])
    assert 1.9 < (expires - dt.datetime.now(dt.UTC)).total_seconds() / 3600 <= 2


def test_wrong_password_and_unknown_email_get_the_same_401_and_are_audited(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    wrong = app_client.post("/api/session", json={"email": admin.email, "password": "nope" * 4})
    unknown = app_client.post(
        "/api/session", json={"email": "nobody@example.com", "password": admin.password}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "error": "unauthorized",
            "message": "wrong email or password",
        }
    )
    assert wrong.headers["www-authenticate"] == 'Bearer realm="Proficio"'
    assert SESSION_COOKIE not in app_client.cookies
    assert _audit(settings) == [
        ("anonymous", "session:create", "email:root@example.com", "failed"),
        ("anonymous", "session:create", "email:nobody@example.com", "failed"),
    ]


def test_repeated_failures_for_an_email_are_refused_for_a_while(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    other = create_test_account(settings, ["admin"])
    for _ in range(MAX_FAILURES):
        assert _post_session(app_client, admin.email, "guess" * 3).status_code == 401
    blocked = _post_session(app_client, admin.email.upper(), admin.password)
    assert blocked.status_code == 429
    assert blocked.json()["field"] == "email"
    assert "too many failed sign-ins" in blocked.json()["reason"]
    token = _form_token(app_client.get("/sign-in").text)
    page = app_client.post(
        "/sign-in", data={"email": admin.email, "password": admin.password, "csrf_token": token}
    )
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.text
    # Other emails are not slowed down.
    assert _post_session(app_client, other.email, other.password).status_code == 201


def test_sign_in_body_is_checked(app_client: TestClient, admin: AccountLogin) -> None:
    missing = app_client.post("/api/session", json={"email": admin.email})
    assert missing.status_code == 400
    assert missing.json()["field"] == "password"
    form = app_client.post(
        "/api/session",
        content=f'{{"email": "{admin.email}", "password": "{admin.password}"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert form.status_code == 415  # a cross-site form cannot sign someone in


def test_no_credentials_is_401_saying_how_to_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/api/session")
    assert response.status_code == 401
    assert "sign in first" in response.json()["message"]
    basic = app_client.get("/api/session", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    assert basic.json()["field"] == "Authorization"


def test_disabled_account_cannot_sign_in_and_its_sessions_end(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    client = sign_in(app_client, admin)
    scripted = with_token(app_client, settings, admin)
    assert client.get("/api/session").status_code == 200
    assert scripted.get("/api/session").status_code == 200

    code, out = _run("accounts", "disable", "--email", admin.email, "--db", settings.database_url)
    assert code == 0, out

    assert client.get("/api/session").status_code == 401
    refused = scripted.get("/api/session")
    assert refused.status_code == 401
    assert refused.json()["reason"] == "this account is disabled; ask an administrator"
    again = _post_session(app_client, admin.email, admin.password)
    assert again.status_code == 401
    assert "disabled" in again.json()["message"]


def test_a_leavers_account_is_disabled_by_the_roster_import_until_an_admin_acts(
    app_client: TestClient,
    settings: Settings,
    org: dict[str, str | None],
    tmp_path: Path,
) -> None:
    leaver = create_test_account(settings, ["learner"], person_id="E6")
    stays = create_test_account(settings, ["learner"], person_id="E3")
    client, scripted = sign_in(app_client, leaver), with_token(app_client, settings, leaver)
    header = "person_id,name,email,department,role,location,manager_id,hire_date"
    roster = tmp_path / "roster.csv"

    def import_roster(people: dict[str, str | None], *options: str) -> tuple[int, str]:
        lines = [
            f"{p},P {p},{p.lower()}@example.com,Ops,Analyst,,{m or ''},2024-01-15"
            for p, m in people.items()
        ]
        roster.write_text("\n".join([header, *lines]) + "\n")
        return _run("import", "hris", str(roster), *options, "--db", settings.database_url)

    code, out = import_roster({p: m for p, m in ORG_CHART.items() if p != "E6"})
    assert code == 0, out
    assert "1 marked as leavers" in out
    assert f"  accounts disabled (leavers): {leaver.email}" in out
    assert client.get("/api/session").status_code == 401
    assert scripted.get("/api/session").status_code == 401
    assert _post_session(app_client, leaver.email, leaver.password).status_code == 401
    assert _post_session(app_client, stays.email, stays.password).status_code == 201

    code, out = import_roster(ORG_CHART, "--json")  # E6 rejoins: the account stays disabled
    assert code == 0, out
    assert json.loads(out)["rejoined_ids"] == ["E6"]
    assert json.loads(out)["accounts_disabled"] == []
    refused = _post_session(app_client, leaver.email, leaver.password)
    assert refused.status_code == 401 and "disabled" in refused.json()["message"]
    code, out = _run("accounts", "enable", "--email", leaver.email, "--db", settings.database_url)
    assert (code, out.strip()) == (0, f"enabled {leaver.email}")
    assert _post_session(app_client, leaver.email, leaver.password).status_code == 201
    assert client.get("/api/session").status_code == 401  # the old session stays ended


def test_expired_session_is_refused(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    client = sign_in(app_client, admin)
    assert client.get("/api/session").status_code == 200
    _sql(settings, "UPDATE sessions SET expires_at = '2026-01-01T00:00:00.000000Z'")
    response = client.get("/api/session")
    assert response.status_code == 401
    assert response.json()["reason"] == "this session has expired; sign in again"


@pytest.mark.parametrize("csrf", [None, "wrong-token"])
def test_state_changes_with_the_cookie_need_the_sessions_csrf_token(
    app_client: TestClient, settings: Settings, admin: AccountLogin, csrf: str | None
) -> None:
    client = sign_in(app_client, admin)
    headers = {"Cookie": client.headers["Cookie"]}
    if csrf is not None:
        headers[CSRF_HEADER] = csrf
    response = app_client.delete("/api/session", headers=headers)
    assert response.status_code == 403
    assert response.json()["field"] == CSRF_HEADER
    assert client.get("/api/session").status_code == 200  # still signed in
    [event] = _audit(settings)
    assert event == (f"account:{admin.id}", "session:csrf", "DELETE /api/session", "denied")
    assert client.delete("/api/session").status_code == 204  # with the right token


# --- API tokens -------------------------------------------------------------------------------


def test_api_token_authenticates_without_csrf_until_revoked(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    code, out = _run(
        "tokens", "create", "--email", admin.email, "--name", "nightly export", "--json",
        "--db", settings.database_url,
    )  # fmt: skip
    assert code == 0, out
    created = json.loads(out)
    assert created["token"].startswith("pft_")
    scripted = APIClient(app_client, {"Authorization": f"Bearer {created['token']}"}, admin)

    me = scripted.get("/api/session")
    assert me.status_code == 200
    assert me.json()["via"] == "token" and me.json()["csrf_token"] is None
    assert scripted.get("/api/accounts").status_code == 200  # an admin's token acts as the admin
    # No CSRF header needed with a token; a token is not a session to sign out of.
    assert scripted.delete("/api/session").status_code == 400

    code, out = _run("tokens", "list", "--json", "--db", settings.database_url)
    [listed] = json.loads(out)
    assert listed["name"] == "nightly export" and listed["email"] == admin.email
    assert created["token"] not in out

    code, out = _run("tokens", "revoke", str(created["id"]), "--db", settings.database_url)
    assert code == 0, out
    revoked = scripted.get("/api/session")
    assert revoked.status_code == 401
    assert revoked.json()["reason"] == "this API token has been revoked"
    unknown = APIClient(app_client, {"Authorization": "Bearer pft_made-up"}, admin)
    assert unknown.get("/api/session").status_code == 401


def test_expired_api_token_is_refused(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    scripted = with_token(app_client, settings, admin)
    assert scripted.get("/api/session").status_code == 200
    _sql(settings, "UPDATE api_tokens SET expires_at = '2026-01-01T00:00:00.000000Z'")
    refused = scripted.get("/api/session")
    assert refused.json()["reason"] == "this API token has expired; sign in again"


def test_only_hashes_of_passwords_sessions_and_tokens_are_stored(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    response = _post_session(app_client, admin.email, admin.password)
    session_token = response.cookies[SESSION_COOKIE]
    api_token = create_test_token(settings, admin.email)
    _post_session(app_client, admin.email, "wrong password!")  # audited, without the password

    dumped = "\n".join(
        repr(row)
        for table in ("accounts", "sessions", "api_tokens", "audit_events")
        for row in _sql(settings, f"SELECT * FROM {table}")
    )
    for secret in (admin.password, "wrong password!", session_token, api_token):
        assert secret not in dumped
    [(password_hash,)] = _sql(settings, "SELECT password_hash FROM accounts")
    assert str(password_hash).startswith("$argon2id$")
    [(stored,)] = _sql(settings, "SELECT token_hash FROM api_tokens")
    assert re.fullmatch("[0-9a-f]{64}", str(stored))


# --- The sign-in page -------------------------------------------------------------------------


def _form_token(page_html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert found, page_html
    return found.group(1)


def test_sign_in_page_signs_in_and_redirects_home(
    app_client: TestClient, admin: AccountLogin
) -> None:
    page = app_client.get("/sign-in")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    token = _form_token(page.text)
    response = app_client.post(
        "/sign-in",
        data={"email": admin.email, "password": admin.password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert app_client.get("/api/session").json()["account"]["id"] == admin.id


def test_sign_in_page_failures_never_say_whether_the_email_exists(
    app_client: TestClient, admin: AccountLogin
) -> None:
    token = _form_token(app_client.get("/sign-in").text)
    pages = [
        app_client.post(
            "/sign-in", data={"email": email, "password": "not the password", "csrf_token": token}
        )
        for email in (admin.email, "nobody@example.com")
    ]
    for page in pages:
        assert page.status_code == 401
        assert "Wrong email or password." in page.text
    assert pages[0].text.replace(admin.email, "nobody@example.com") == pages[1].text
    assert SESSION_COOKIE not in app_client.cookies


def test_sign_in_form_without_its_csrf_cookie_is_refused(
    app_client: TestClient, settings: Settings, admin: AccountLogin
) -> None:
    token = _form_token(app_client.get("/sign-in").text)
    fresh = TestClient(app_client.app)  # another browser: it never got the cookie
    response = fresh.post(
        "/sign-in", data={"email": admin.email, "password": admin.password, "csrf_token": token}
    )
    assert response.status_code == 403
    assert "expired" in response.text
    assert SESSION_COOKIE not in fresh.cookies
    forged = app_client.post(
        "/sign-in",
        data={"email": admin.email, "password": admin.password, "csrf_token": "forged"},
    )
    assert forged.status_code == 403


# --- The accounts and tokens commands ---------------------------------------------------------


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


def test_accounts_create_list_set_roles(settings: Settings, org: dict[str, str | None]) -> None:
    db = ("--db", settings.database_url)
    code, out = _run(
        "accounts", "create", "--email", "e2@example.com", "--roles", "learner,manager",
        "--person-id", "E2", "--json", *db,
    )  # fmt: skip
    assert code == 0, out
    created = json.loads(out)
    assert created["roles"] == ["learner", "manager"] and created["person_id"] == "E2"
    password = created["password"]
    assert len(password) >= 16

    code, out = _run(
        "accounts", "create", "--email", "dpo@example.com", "--roles", "compliance",
        "--grant", "people:read_sensitive", "--password-stdin", *db,
        stdin="a long enough passphrase\n",
    )  # fmt: skip
    assert code == 0, out
    assert "password:" not in out  # the operator chose it

    code, out = _run("accounts", "list", "--json", *db)
    listed = {a["email"]: a for a in json.loads(out)}
    assert listed["dpo@example.com"]["grants"] == ["people:read_sensitive"]
    assert password not in out and "argon2" not in out

    code, out = _run(
        "accounts", "set-roles", "--email", "e2@example.com", "--roles", "manager", *db
    )
    assert code == 0, out
    code, out = _run("accounts", "list", *db)
    assert "e2@example.com  manager  person E2  active" in out

    with TestClient(create_app(settings)) as http:
        chosen = AccountLogin(0, "dpo@example.com", "a long enough passphrase", None, ())
        assert sign_in(http, chosen).get("/api/session").json()["account"]["grants"] == [
            "people:read_sensitive"
        ]


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--roles", "learner,wizard"], "roles: unknown role 'wizard'"),
        (["--roles", "learner"], "a learner account must name its person in the directory"),
        (["--roles", "admin", "--person-id", "E99"], "no person 'E99' in the directory"),
        (["--roles", "admin", "--grant", "people:write"], "'people:write' cannot be granted"),
        (["--roles", "admin", "--password-stdin"], "password: must be at least 12 characters"),
        (["--roles", ""], "give at least one role"),
    ],
)
def test_accounts_create_bad_input_is_one_sentence_and_exit_1(
    settings: Settings, org: dict[str, str | None], args: list[str], sentence: str
) -> None:
    code, out = _run(
        "accounts", "create", "--email", "x@example.com", *args, "--db", settings.database_url,
        stdin="short\n",
    )  # fmt: skip
    assert code == 1
    assert sentence in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1
    code, out = _run("accounts", "list", "--json", "--db", settings.database_url)
    assert json.loads(out) == []  # nothing half-made


def test_accounts_and_tokens_errors_name_the_problem(settings: Settings) -> None:
    db = ("--db", settings.database_url)
    assert _run("accounts", "create", "--email", "not-an-email", "--roles", "admin", *db) == (
        1,
        "Error: email: 'not-an-email' is not an email address\n",
    )
    _run("accounts", "create", "--email", "a@example.com", "--roles", "admin", *db)
    code, out = _run("accounts", "create", "--email", "A@example.com", "--roles", "admin", *db)
    assert (code, out) == (1, "Error: email: an account for a@example.com already exists\n")
    code, out = _run("accounts", "disable", "--email", "b@example.com", *db)
    assert (code, out) == (1, "Error: email: no account for b@example.com\n")
    code, out = _run("tokens", "revoke", "42", *db)
    assert (code, out) == (1, "Error: id: no active API token with id 42\n")
    code, out = _run("tokens", "create", "--email", "a@example.com", "--name", " ", *db)
    assert (code, out) == (1, "Error: name: give the token a name\n")
