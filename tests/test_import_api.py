"""`POST /api/imports/{kind}`: the CLI's files over real HTTP, stored through the server's
writer; only accounts with imports:run; the same all-or-nothing, mapping and --skip-invalid
behaviour; every import in the audit log. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from proficio.app import create_app
from proficio.audit.log import Outcome, list_events
from proficio.settings import Settings
from proficio.storage.database import Database
from tests.factories import XAPIClient, client_as, create_test_people

USAGE = "person,date,tool,active,sessions,prompts,features,approved\n"


@pytest.fixture
def org(settings: Settings) -> Settings:
    create_test_people(settings)
    return settings


def upload(name: str, content: str, **parts: str) -> dict[str, Any]:
    files: dict[str, Any] = {"file": (name, content.encode(), "text/csv")}
    if "mapping" in parts:
        files["mapping"] = ("mapping.yaml", parts.pop("mapping").encode(), "application/yaml")
    return {"files": files, "data": parts}


def test_an_enablement_lead_imports_usage_and_the_lrs_serves_it(
    app_client: TestClient, org: Settings, lrs: XAPIClient, db: Database
) -> None:
    lead = client_as(app_client, org, ["enablement"], via="token")
    content = USAGE + "E3,2026-10-01,Copilot,yes,2,9,chat,yes\nE4,2026-10-01,Copilot,no,,,,yes\n"
    response = lead.post("/api/imports/usage", **upload("usage.csv", content))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows"], report["stored"], report["already_stored"]) == (2, 1, 0)
    agent = '{"account":{"homePage":"http://localhost:8000","name":"E3"}}'
    (used,) = lrs.get(agent=agent).json()["statements"]
    assert used["authority"]["mbox"] == f"mailto:{lead.account.email}"
    again = lead.post("/api/imports/usage", **upload("usage.csv", content)).json()
    assert (again["stored"], again["already_stored"]) == (0, 1)
    events = db.read_sync(lambda c: list_events(c, action="imports:run"))
    assert len(events) == 2 and events[0].outcome == Outcome.SUCCEEDED
    assert events[0].actor == f"account:{lead.account.id}"
    assert events[0].detail["stored"] == 0 and events[1].detail["stored"] == 1


def test_a_bad_file_is_refused_whole_with_every_problem(
    app_client: TestClient, org: Settings, lrs: XAPIClient, db: Database
) -> None:
    lead = client_as(app_client, org, ["enablement"])
    content = USAGE + "E3,2026-10-01,Copilot,yes,2,9,,yes\nE9,2026-10-01,Copilot,maybe,,,,yes\n"
    response = lead.post("/api/imports/usage", **upload("usage.csv", content))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "import_rejected" and body["problem_count"] == 2
    (refused,) = db.read_sync(lambda c: list_events(c, action="imports:run"))
    assert refused.outcome == Outcome.FAILED and "2 problem(s)" in refused.detail["reason"]
    assert body["problems"] == [
        {"line": 3, "column": "person", "reason": "no person with the id 'E9' in the directory"},
        {"line": 3, "column": "active", "reason": "'maybe' is not yes or no"},
    ]
    assert lrs.get().json()["statements"] == []
    skipped = lead.post("/api/imports/usage", **upload("usage.csv", content, skip_invalid="true"))
    assert skipped.status_code == 200
    assert (skipped.json()["stored"], skipped.json()["rejected_rows"]) == (1, 1)
    assert skipped.json()["rejected"].splitlines() == [
        USAGE.strip() + ",proficio_problems",
        "E9,2026-10-01,Copilot,maybe,,,,yes,person: no person with the id 'E9' in the "
        "directory; active: 'maybe' is not yes or no",
    ]


def test_a_mapping_part_and_json_lines_work_as_on_the_command_line(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    lead = client_as(app_client, org, ["admin"])
    mapping = "kind: workflow\ncolumns: {person: Employee, date: Day}\n"
    content = '{"Employee": "E3", "workflow": "triage", "repeatable": true, "Day": "2026-10-21"}\n'
    response = lead.post("/api/imports/workflow", **upload("wf.jsonl", content, mapping=mapping))
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1


def test_rosters_and_cohorts_import_too(app_client: TestClient, org: Settings) -> None:
    admin = client_as(app_client, org, ["admin"])
    roster = (
        "person_id,name,email,department,role,location,manager_id,hire_date\n"
        "E1,Ada,e1@example.com,Operations,CEO,,,2020-01-01\n"
        "E2,Bo,e2@example.com,Operations,Lead,,E1,2020-01-01\n"
    )
    report = admin.post("/api/imports/hris", **upload("roster.csv", roster)).json()
    assert report["left"] == 4 and report["updated"] == 2
    cohorts = (
        "cohorts:\n  - {id: c1, name: C1, program: p, start: 2026-09-01, end: 2026-12-01,"
        " members: [E2]}\n"
    )
    response = admin.post("/api/imports/cohorts", **upload("cohorts.yaml", cohorts))
    assert response.status_code == 200, response.text
    assert response.json()["added"] == ["c1"]


@pytest.mark.parametrize(
    ("path", "request_kw", "status", "field"),
    [
        ("/api/imports/payroll", upload("x.csv", USAGE), 400, "kind"),
        (
            "/api/imports/usage",
            {"content": b"x", "headers": {"Content-Type": "text/csv"}},
            415,
            "Content-Type",
        ),
        ("/api/imports/usage", {"files": {"other": ("x.csv", b"x")}}, 400, "other"),
        (
            "/api/imports/usage",
            {"data": {"skip_invalid": "true"}, "files": {"mapping": ("m", b"")}},
            400,
            "file",
        ),
        ("/api/imports/usage", upload("u.csv", USAGE, skip_invalid="perhaps"), 400, "skip_invalid"),
        ("/api/imports/usage", upload("u.csv", USAGE, mapping="kind: lms\n"), 400, "mapping.kind"),
    ],
)
def test_bad_requests_name_the_part(
    app_client: TestClient,
    org: Settings,
    path: str,
    request_kw: dict[str, Any],
    status: int,
    field: str,
) -> None:
    lead = client_as(app_client, org, ["enablement"])
    response = lead.post(path, **request_kw)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_a_file_larger_than_the_limit_is_refused_even_without_a_length(
    database_url: str,
) -> None:
    settings = Settings(database_url=database_url, max_import_bytes=2048)
    create_test_people(settings)
    with TestClient(create_app(settings)) as http:
        lead = client_as(http, settings, ["enablement"])
        big = USAGE + "E3,2026-10-01,Copilot,yes,2,9,,yes\n" * 100
        body = b"".join(
            [
                b'--b\r\nContent-Disposition: form-data; name="file"; filename="u.csv"\r\n\r\n',
                big.encode(),
                b"\r\n--b--\r\n",
            ]
        )

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            yield from (body[i : i + 512] for i in range(0, len(body), 512))

        response = lead.post(
            "/api/imports/usage",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["field"] == "file"


def test_only_enablement_and_admins_may_import(
    app_client: TestClient, org: Settings, db: Database
) -> None:
    for roles, person in ((["manager"], "E2"), (["learner"], "E3"), (["compliance"], None)):
        caller = client_as(app_client, org, roles, person_id=person)
        response = caller.post("/api/imports/usage", **upload("u.csv", USAGE))
        assert response.status_code == 403
    assert app_client.post("/api/imports/usage", **upload("u.csv", USAGE)).status_code == 401
    denied = db.read_sync(lambda c: list_events(c, outcome=Outcome.DENIED))
    assert [e.action for e in denied] == ["imports:run"] * 3
