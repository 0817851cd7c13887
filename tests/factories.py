"""Data builders and a small xAPI client for tests."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from proficio.auth.credentials import create_credential
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
