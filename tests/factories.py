"""Data builders, a small xAPI client, and accounts with clients signed in as them."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx2 as httpx
from fastapi.testclient import TestClient

from proficio.auth.accounts import create_account
from proficio.auth.credentials import create_credential
from proficio.auth.tokens import create_token
from proficio.auth.web import CSRF_HEADER, SESSION_COOKIE
from proficio.people.directory import apply_roster
from proficio.people.roster import RosterRow
from proficio.settings import Settings
from proficio.storage.database import Database
from proficio.storage.migrate import upgrade

VERSION = {"X-Experience-API-Version": "1.0.3"}


def create_test_credential(
    settings: Settings, scopes: list[str], name: str = "test client"
) -> tuple[str, str]:
    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
        with db.transaction() as tx:
            new = create_credential(
                tx.conn, name=name, scopes=scopes, home_page=settings.public_url
            )
    finally:
        db.close()
    return new.key, new.secret


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class XAPIClient:
    """Sends xAPI requests with version header and Basic auth through the real ASGI stack."""

    def __init__(self, client: TestClient, key: str, secret: str) -> None:
        self.http = client
        self.key = key
        self.headers = {**VERSION, "Authorization": basic(key, secret)}

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kw)

    def post(self, statements: Any, **kw: Any) -> httpx.Response:
        return self.request("POST", "/xapi/statements", json=statements, **kw)

    def put(self, statement: Any, statement_id: str, **kw: Any) -> httpx.Response:
        return self.request(
            "PUT", "/xapi/statements", params={"statementId": statement_id}, json=statement, **kw
        )

    def get(self, **params: Any) -> httpx.Response:
        return self.request("GET", "/xapi/statements", params=params)

    def stored_ids(self, **params: Any) -> list[str]:
        response = self.get(**params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["statements"]]


def agent(name: str = "ada") -> dict[str, Any]:
    return {"objectType": "Agent", "name": name.title(), "mbox": f"mailto:{name}@example.com"}


def activity(slug: str = "course-1", **definition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"objectType": "Activity", "id": f"https://example.com/activities/{slug}"}
    if definition:
        out["definition"] = definition
    return out


def verb(name: str = "completed") -> dict[str, Any]:
    return {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}


def statement(
    actor: str = "ada", verb_name: str = "completed", slug: str = "course-1", **extra: Any
) -> dict[str, Any]:
    out = {"actor": agent(actor), "verb": verb(verb_name), "object": activity(slug)}
    out.update(extra)
    return out


def with_id(stmt: dict[str, Any]) -> dict[str, Any]:
    return {**stmt, "id": str(uuid.uuid4())}


# --- People and accounts -------------------------------------------------------------------

# A small organisation, person_id -> manager: E1 leads E2 (who leads E3, E4) and E5 (E6).
ORG_CHART: dict[str, str | None] = {
    "E1": None,
    "E2": "E1",
    "E3": "E2",
    "E4": "E2",
    "E5": "E1",
    "E6": "E5",
}


def create_test_people(settings: Settings, chart: dict[str, str | None] | None = None) -> None:
    """Load a roster of `chart` (person_id -> manager_id; default ORG_CHART) into the directory.
    A roster lists everyone: people loaded earlier and not in `chart` are marked as leavers."""
    rows = [
        RosterRow(
            line=n,
            person_id=person_id,
            name=f"Person {person_id}",
            email=f"{person_id.lower()}@example.com",
            department="Operations",
            role="Analyst",
            location=None,
            manager_id=manager_id,
            hire_date="2024-01-15",
        )
        for n, (person_id, manager_id) in enumerate((chart or ORG_CHART).items(), start=2)
    ]
    _in_transaction(
        settings,
        lambda conn: apply_roster(
            conn, rows=rows, today=dt.date(2026, 11, 30), home_page=settings.public_url
        ),
    )


@dataclass(frozen=True)
class AccountLogin:
    id: int
    email: str
    password: str
    person_id: str | None
    roles: tuple[str, ...]


def create_test_account(
    settings: Settings,
    roles: Sequence[str] = ("admin",),
    *,
    person_id: str | None = None,
    email: str | None = None,
    password: str | None = None,
    grants: Sequence[str] = (),
) -> AccountLogin:
    """An account with `roles` (learner and manager need `person_id`, in the directory)."""
    email = email or f"{(person_id or 'user').lower()}-{uuid.uuid4().hex[:8]}@example.com"
    password = password or secrets.token_urlsafe(16)
    account = _in_transaction(
        settings,
        lambda conn: create_account(
            conn,
            email=email,
            password=password,
            roles=list(roles),
            person_id=person_id,
            grants=list(grants),
        ),
    )
    return AccountLogin(account.id, account.email, password, person_id, tuple(account.roles))


def create_test_token(settings: Settings, email: str, name: str = "test script") -> str:
    """A new API token for the account `email`."""
    return _in_transaction(settings, lambda conn: create_token(conn, email=email, name=name)).token


def _in_transaction(settings: Settings, fn: Any) -> Any:
    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
        with db.transaction() as tx:
            return fn(tx.conn)
    finally:
        db.close()


class APIClient:
    """Requests to Proficio's own APIs as one account, through the real ASGI stack: with the
    session cookie and its CSRF token (sent on every request), or with `Bearer <API token>`.
    Several can share one TestClient: each sends its own credentials, none uses the jar."""

    def __init__(self, http: TestClient, headers: dict[str, str], account: AccountLogin) -> None:
        self.http = http
        self.headers = headers
        self.account = account

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


def sign_in(http: TestClient, account: AccountLogin) -> APIClient:
    """Sign in through `POST /api/session`; the session cookie is taken out of the shared jar."""
    response = http.post(
        "/api/session", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 201, response.text
    token = response.cookies[SESSION_COOKIE]
    http.cookies.clear()
    headers = {
        "Cookie": f"{SESSION_COOKIE}={token}",
        CSRF_HEADER: response.json()["csrf_token"],
    }
    return APIClient(http, headers, account)


def with_token(http: TestClient, settings: Settings, account: AccountLogin) -> APIClient:
    return APIClient(
        http, {"Authorization": f"Bearer {create_test_token(settings, account.email)}"}, account
    )


def client_as(
    http: TestClient,
    settings: Settings,
    roles: Sequence[str],
    *,
    person_id: str | None = None,
    grants: Sequence[str] = (),
    via: Literal["session", "token"] = "session",
) -> APIClient:
    """A new account with `roles`, and a client authenticated as it."""
    account = create_test_account(settings, roles, person_id=person_id, grants=grants)
    return sign_in(http, account) if via == "session" else with_token(http, settings, account)
