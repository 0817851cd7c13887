"""The progress engine through the whole stack, on both databases: statements posted to the
LRS (or imported) move a learner's level while the server runs; voiding and identity merges
move it back or across; every view is scoped to whom the caller may see; frameworks, CASE
packages and plans load over HTTP, and a wrong one changes nothing."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from proficio.cli import main
from proficio.people.cohort_file import read_cohort_file
from proficio.people.cohorts import apply_cohorts
from proficio.people.identities import merge_people
from proficio.settings import Settings
from proficio.storage.database import Database
from tests.factories import APIClient, XAPIClient, client_as, create_test_people

HOME = "http://localhost:8000"
ADL = "http://adlnet.gov/expapi/"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, auth_cache_seconds=0.2, progress_interval_seconds=0.05
    )


@pytest.fixture
def org(settings: Settings, tmp_path: Path) -> Settings:
    """ORG_CHART (E1 leads E2 and E5; E2 leads E3, E4; E5 leads E6), E3 and E4 in a cohort."""
    create_test_people(settings)
    cohorts = tmp_path / "cohorts.yaml"
    start = (NOW - dt.timedelta(days=30)).date()
    cohorts.write_text(
        "cohorts:\n"
        f"  - {{id: ops, name: Ops, program: ai-at-work, start: {start},"
        f" end: {start + dt.timedelta(days=90)}, members: [E3, E4]}}\n"
        f"  - {{id: sales, name: Sales, program: ai-at-work, start: {start},"
        f" end: {start + dt.timedelta(days=90)}, members: [E6]}}\n"
    )
    db = Database(settings.database_url)
    try:
        with db.transaction() as tx:
            apply_cohorts(tx.conn, cohorts=read_cohort_file(cohorts), today=start)
    finally:
        db.close()
    return settings


def _statement(person: str, verb: str, activity: str, days_ago: float, **extra: Any) -> dict:  # type: ignore[type-arg]
    kind = activity.partition("/")[0]
    return {
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": person}},
        "verb": {"id": verb},
        "object": {
            "id": f"{HOME}/activities/{activity}",
            "definition": {"type": f"{ADL}activities/{kind}"},
        },
        "timestamp": (NOW - dt.timedelta(days=days_ago)).isoformat().replace("+00:00", "Z"),
        **extra,
    }


def _awareness(person: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        _statement(person, f"{ADL}verbs/completed", "module/ai-safe-use/safe-use", 3),
        _statement(
            person,
            f"{ADL}verbs/passed",
            "assessment/ai-safe-use/safe-use-quiz",
            3,
            result={"success": True, "score": {"scaled": 0.9}},
        ),
    ]


def _level(client: APIClient, person: str, competency: str = "approved-tools") -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/progress/people/{person}/competencies/{competency}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["frameworks"][0]["competencies"][0]
    return found


def _wait_for(check: Any, *, seconds: float = 10.0) -> Any:
    """Poll until `check()` is truthy: the server judges levels in the background."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _post(lrs: XAPIClient, statements: list[dict]) -> list[str]:  # type: ignore[type-arg]
    response = lrs.post(statements)
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


def test_statements_posted_move_the_level_and_voiding_moves_it_back(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    admin = client_as(app_client, org, ["admin"])
    assert _level(admin, "E3")["stored_level"] == 0
    ids = _post(lrs, _awareness("E3"))
    assert _wait_for(lambda: _level(admin, "E3")["stored_level"] == 1)
    view = _level(admin, "E3")
    assert view["level"] == {"rank": 1, "name": "Awareness"}
    assert sorted(view["evidence"]) == sorted(ids)
    assert [(h["to"], h["cause"]) for h in view["history"]] == [("Awareness", "evidence")]
    assert view["missing"] == [
        "latest self-rated understanding of approved tools: none yet, needs at least 3",
        "0 of 3 uses of approved AI tools in the last 14 days",
    ]
    quiz = ids[1]
    void = {
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "E3"}},
        "verb": {"id": f"{ADL}verbs/voided"},
        "object": {"objectType": "StatementRef", "id": quiz},
    }
    _post(lrs, [void])
    assert _wait_for(lambda: _level(admin, "E3")["stored_level"] == 0)
    assert _level(admin, "E3")["history"] == []


def test_an_import_judges_levels_before_the_command_returns(org: Settings, tmp_path: Path) -> None:
    lms = tmp_path / "lms.csv"
    lms.write_text(
        "person,course_id,course_name,module_id,outcome,score,max_score,"
        "time_spent_minutes,timestamp\n"
        "E4,ai-safe-use,Safe use,safe-use,completed,,,30,2026-11-20T10:00:00Z\n"
        "E4,ai-safe-use,Safe use,safe-use-quiz,passed,90,100,10,2026-11-20T10:30:00Z\n"
    )
    result = CliRunner().invoke(main, ["import", "lms", str(lms), "--db", org.database_url])
    assert result.exit_code == 0, result.output
    shown = CliRunner().invoke(main, ["progress", "show", "E4", "--db", org.database_url])
    assert shown.exit_code == 0, shown.output
    assert "Identify approved tools" in shown.output and "Awareness" in shown.output
    db = Database(org.database_url)
    try:
        from proficio.storage import progress as store

        levels = db.read_sync(lambda c: store.levels_of_people(c, ["E4"]))
    finally:
        db.close()
    assert {row.competency_id: row.level for row in levels}["approved-tools"] == 1


def test_a_merge_brings_the_absorbed_identifiers_evidence_along(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    admin = client_as(app_client, org, ["admin"])
    stray = [
        {**s, "actor": {"objectType": "Agent", "mbox": "mailto:e4.personal@example.org"}}
        for s in _awareness("E4")
    ]
    _post(lrs, stray)
    # The personal address is nobody's yet: E4 has no level.
    time.sleep(0.3)
    assert _level(admin, "E4")["stored_level"] == 0
    db = Database(org.database_url)
    try:
        from proficio.people.identities import link_identifier

        with db.transaction() as tx:
            link_identifier(
                tx.conn, person_id="E6", identifier="mbox:mailto:e4.personal@example.org", by="t"
            )
        assert _wait_for(lambda: _level(admin, "E6")["stored_level"] == 1)
        with db.transaction() as tx:
            merge_people(tx.conn, keep="E4", absorb="E6", by="test", reason="same person")
    finally:
        db.close()
    assert _wait_for(lambda: _level(admin, "E4")["stored_level"] == 1)


def test_each_role_sees_only_the_progress_it_may(app_client: TestClient, org: Settings) -> None:
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    learner = client_as(app_client, org, ["learner"], person_id="E3", via="token")
    enablement = client_as(app_client, org, ["enablement"])
    assert manager.get("/api/progress/people/E3").status_code == 200
    assert learner.get("/api/progress/people/E3").status_code == 200
    for client, person in ((manager, "E6"), (learner, "E4"), (learner, "E2")):
        response = client.get(f"/api/progress/people/{person}")
        assert response.status_code == 403, response.text
        assert person not in response.text.replace(f"person:{person}", "")
    assert manager.get("/api/progress/teams/E2").json()["group"]["size"] == 2
    assert manager.get("/api/progress/teams/E5").status_code == 403
    # A cohort shows the members the caller may see; one with none of them is refused.
    assert manager.get("/api/progress/cohorts/ops").json()["group"]["size"] == 2
    assert manager.get("/api/progress/cohorts/sales").status_code == 403
    # Whether a cohort exists is not a manager's to learn: unknown is refused the same way.
    assert manager.get("/api/progress/cohorts/no-such-cohort").status_code == 403
    assert enablement.get("/api/progress/cohorts/no-such-cohort").status_code == 404
    assert learner.get("/api/progress/cohorts/ops").json()["group"]["size"] == 1
    assert enablement.get("/api/progress/departments/Operations").json()["group"]["size"] == 6
    assert enablement.get("/api/progress/people/E6").status_code == 200
    bad = enablement.get("/api/progress/teams/E2?stalled_days=abc")
    assert bad.status_code == 400 and bad.json()["field"] == "stalled_days"
    assert enablement.get("/api/progress/planets/E2").status_code == 404
    assert enablement.get("/api/progress/people/E3?sort=x").json()["field"] == "sort"
    assert enablement.get("/api/progress/people/NOPE").status_code == 404
    missing = enablement.get("/api/progress/people/E3/competencies/juggling")
    assert missing.status_code == 404 and missing.json()["field"] == "competency"


def test_a_cohort_aggregate_counts_people_at_each_level_against_the_plan(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    enablement = client_as(app_client, org, ["enablement"])
    _post(lrs, _awareness("E3"))
    assert _wait_for(lambda: _level(enablement, "E3")["stored_level"] == 1)
    plans = enablement.put(
        "/api/plans",
        content=(
            "plans:\n  - {id: ops-plan, framework: ai-at-work, for: {cohort: ops},"
            " targets: {approved-tools: awareness}}\n"
        ),
        headers={"Content-Type": "application/yaml"},
    )
    assert plans.status_code == 200, plans.text
    body = enablement.get("/api/progress/cohorts/ops").json()
    tools = next(c for c in body["competencies"] if c["competency_id"] == "approved-tools")
    counts = {d["level"]: d["people"] for d in tools["distribution"]}
    assert counts["None yet"] == 1 and counts["Awareness"] == 1
    assert sum(counts.values()) == body["group"]["size"] == 2
    assert tools["target"] == {"level": "Awareness", "rank": 1}
    assert tools["completion"] == 0.5
    assert tools["movement"] == {"with_baseline": 1, "moved_up": 1, "moved_down": 0, "unchanged": 0}
    assert tools["time_to_target_days"]["people"] == 1
    person = _level(enablement, "E3")
    assert person["target"]["plan_id"] == "ops-plan" and person["target"]["reached"]
    # The CLI reports the same numbers.
    cli = CliRunner().invoke(
        main, ["progress", "cohort", "ops", "--json", "--db", org.database_url]
    )
    assert cli.exit_code == 0, cli.output
    import json

    from_cli = json.loads(cli.output)["competencies"]
    assert [c["distribution"] for c in from_cli] == [
        c["distribution"] for c in body["competencies"]
    ]


def test_frameworks_load_over_http_and_a_wrong_one_changes_nothing(
    app_client: TestClient, org: Settings
) -> None:
    enablement = client_as(app_client, org, ["enablement"])
    manager = client_as(app_client, org, ["manager"], person_id="E2")
    before = enablement.get("/api/frameworks/ai-at-work").json()
    broken = {**before, "competencies": [*before["competencies"], before["competencies"][0]]}
    response = enablement.put("/api/frameworks/ai-at-work", json=broken)
    assert response.status_code == 400
    assert response.json()["field"] == "competencies[9].id"
    assert "used twice" in response.json()["reason"]
    assert enablement.get("/api/frameworks/ai-at-work").json() == before
    small = {
        "id": "small",
        "name": "Small",
        "scale": [{"id": "knows", "name": "Knows"}, {"id": "does", "name": "Does"}],
        "competencies": [
            {
                "id": "safe",
                "name": "Safe use",
                "levels": {
                    "knows": {"fact": "count", "where": {"verb": "completed"}, "at_least": 1},
                    "does": {"fact": "count", "where": {"verb": "used"}, "at_least": 1},
                },
            }
        ],
    }
    assert manager.put("/api/frameworks/small", json=small).status_code == 403
    created = enablement.put("/api/frameworks/small", json=small)
    assert created.status_code == 201, created.text
    assert enablement.put("/api/frameworks/small", json=small).json()["replaced"] is True
    # A two-level scale next to the six-level one: group views still count both.
    groups = enablement.get("/api/progress/departments/Operations")
    assert groups.status_code == 200, groups.text
    small_view = [c for c in groups.json()["competencies"] if c["framework_id"] == "small"]
    assert small_view[0]["target"] == {"level": "Does", "rank": 2}
    listed = [f["framework_id"] for f in enablement.get("/api/frameworks").json()["frameworks"]]
    assert listed == ["ai-at-work", "small"]
    case = {
        "CFDocument": {"identifier": "doc-1", "title": "Digital skills", "uri": "https://x/doc-1"},
        "CFItems": [
            {"identifier": "i-1", "fullStatement": "Uses AI safely", "uri": "https://x/i-1"}
        ],
        "CFAssociations": [
            {
                "identifier": "a-1",
                "associationType": "isChildOf",
                "originNodeURI": {"identifier": "i-1", "uri": "https://x/i-1", "title": "i"},
                "destinationNodeURI": {"identifier": "nowhere", "uri": "https://x/n", "title": "n"},
            }
        ],
    }
    refused = enablement.post("/api/frameworks/case", json=case)
    assert refused.status_code == 400 and refused.json()["field"] == "a-1"
    case["CFAssociations"][0]["destinationNodeURI"]["identifier"] = "doc-1"  # type: ignore[index]
    imported = enablement.post("/api/frameworks/case", json=case)
    assert imported.status_code == 201, imported.text
    assert imported.json()["assessed"] == 0


def test_role_department_and_workflow_groups(
    app_client: TestClient, org: Settings, lrs: XAPIClient
) -> None:
    enablement = client_as(app_client, org, ["enablement"])
    applied = {
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "E3"}},
        "verb": {"id": "https://w3id.org/xapi/proficio/verbs/applied"},
        "object": {
            "id": f"{HOME}/activities/workflow/Month-end%20close",
            "definition": {"type": "https://w3id.org/xapi/proficio/activity-types/workflow"},
        },
        "timestamp": NOW.isoformat(),
    }
    _post(lrs, [applied])
    assert _wait_for(lambda: _level(enablement, "E3")["last_evidence"] is not None)
    by_path = enablement.get("/api/progress/workflows/workflow/Month-end close").json()
    assert by_path["group"]["size"] == 1
    by_iri = enablement.get(
        "/api/progress/workflows/" + f"{HOME}/activities/workflow/Month-end%20close"
    ).json()
    assert by_iri["group"]["size"] == 1
    assert enablement.get("/api/progress/roles/Analyst").json()["group"]["size"] == 6
    nobody = enablement.get("/api/progress/roles/Astronaut").json()
    assert nobody["group"]["size"] == 0
    assert all(c["completion"] is None for c in nobody["competencies"])
