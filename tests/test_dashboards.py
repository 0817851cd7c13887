"""The role dashboards over real HTTP, on both databases, on a small demo company: each page's
JSON twin holds the numbers the page shows, and they agree with the progress API and CLI; each
role sees only what it may; filters, drill-downs and exports work; bad input gets a clear
message, never a stack trace and never another person's data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from click.testing import CliRunner
from fastapi.testclient import TestClient

from proficio.app import create_app
from proficio.capture.profile import Profile
from proficio.cli import main
from proficio.progress import training
from proficio.progress.evidence import Evidence
from proficio.progress.rules import DAY_US
from proficio.progress.signals import coaching_signals
from proficio.settings import Settings
from proficio.web.charts import LEVEL_FILLS, LEVEL_TEXT, Bar, contrast, stacked_bars
from proficio.web.learner import outlook
from proficio.web.pages import Table, csv_response
from proficio.web.templates import css_string
from tests.dashboards import DemoOrg, signed_in


def _json(client: Any, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def _csv(client: Any, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


# Learner


def test_the_learner_page_shows_their_levels_evidence_and_next_steps(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    learner = signed_in(demo_client, demo_org, "learner")
    me = learner.get("/me", follow_redirects=False)
    person = demo_org.logins["learner"].person_id
    assert (me.status_code, me.headers["location"]) == (303, f"/people/{person}")
    page = learner.get(f"/people/{person}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    twin = _json(learner, f"/people/{person}.json")
    assert "charts" not in twin  # the twin has the numbers, not the drawing
    api = _json(learner, f"/api/progress/people/{person}")
    levels = {c["competency_id"]: c["level"] for f in api["frameworks"] for c in f["competencies"]}
    assert {c["competency_id"]: c["level"] for c in twin["competencies"]} == levels
    assert twin["narrative"].startswith("You are ") and "this week" in twin["narrative"]
    for competency in twin["competencies"]:
        assert competency["level"]["name"] in page.text
        if competency["next_level"]:
            assert competency["missing"], competency  # what is missing, in words
    # Every piece of evidence is linked, and the link shows that statement.
    linked = [e for c in twin["competencies"] for e in c["evidence_links"]]
    assert linked, "the demo learner has earned at least one level"
    shown = learner.get(linked[0]["href"] + ".json")
    assert shown.status_code == 200 and shown.json()["statement"]["id"] == linked[0]["statement_id"]
    assert twin["feed"] and all(item["at"] for item in twin["feed"])
    assert twin["due_dates"] and {d["status"] for d in twin["due_dates"]} <= {
        *training.STATUSES,
        "not tracked by the LMS",
    }
    assert twin["links"]["data"] in page.text
    export = _json(learner, twin["links"]["export"])
    assert export["record"]["person"]["person_id"] == person
    exported = {s["statement_id"] for s in export["statements"]}
    assert len(exported) >= api["evidence_count"]  # and statements that only name them
    assert {e["statement_id"] for e in linked} <= exported


def test_a_learner_sees_no_one_else_and_cannot_borrow_a_statement_id(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    learner = signed_in(demo_client, demo_org, "learner")
    mine = demo_org.logins["learner"].person_id
    other = demo_org.logins["manager"].person_id
    page = learner.get(f"/people/{other}")
    assert page.status_code == 403 and "Not yours to see" in page.text
    assert _name_of(demo_client, demo_org, other) not in page.text
    assert learner.get(f"/people/{other}.json").status_code == 403
    # Someone else's statement id under my own page is not found, not shown.
    admin = signed_in(demo_client, demo_org, "admin")
    theirs = _json(admin, f"/people/{other}.json")
    stolen = next(e["statement_id"] for c in theirs["competencies"] for e in c["evidence_links"])
    response = learner.get(f"/people/{mine}/evidence/{stolen}.json")
    assert response.status_code == 404 and response.json()["field"] == "statement_id"
    for path in ("/team", "/program", "/compliance"):
        assert learner.get(path + ".json").status_code == 403, path


def _name_of(http: TestClient, org: DemoOrg, person_id: str | None) -> str:
    admin = signed_in(http, org, "admin")
    return str(_json(admin, f"/api/people/{person_id}")["person"]["name"])


def _competency(name: str, rank: int, target: int, due: str | None) -> dict[str, Any]:
    levels = ["None yet", "Awareness", "Confidence", "Application", "Review"]
    return {
        "name": name,
        "level": {"rank": rank, "name": levels[rank]},
        "next_level": levels[rank + 1],
        "missing": [f"more {name}"],
        "target": {"rank": target, "name": levels[target], "due": due, "reached": rank >= target},
    }


def test_the_narrative_says_on_track_only_when_the_furthest_target_is_within_pace() -> None:
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    now_us = int(now.timestamp() * 1_000_000)
    recent = [Evidence("s", now_us - DAY_US, "v", None, None, None, None, None, None, None, {})]
    near, far = "2026-12-28", "2027-03-01"  # 4 and 13 weeks away
    on_track = [_competency("Prompting", 2, 3, near), _competency("Verify", 1, 3, far)]
    assert outlook(on_track, [], recent, now_us) == (
        "on track for Application in Prompting by 28 Dec 2026"
    )
    behind = [_competency("Prompting", 0, 3, near)]
    assert outlook(behind, [], recent, now_us) == (
        "Application in Prompting by 28 Dec 2026 is 3 levels away with 4 weeks left; "
        "next: more Prompting"
    )
    late = [_competency("Prompting", 2, 3, "2026-11-01"), _competency("Verify", 1, 3, near)]
    assert outlook(late, [], recent, now_us).startswith(
        "1 target past due, first Application in Prompting"
    )
    quiet = [Evidence("s", now_us - 40 * DAY_US, "v", None, None, None, None, None, None, None, {})]
    assert outlook(on_track, [], quiet, now_us).endswith("no new evidence has come in for 40 days")


def _evidence(verb: str, days_ago: float, now_us: int, **fields: Any) -> Evidence:
    values: dict[str, Any] = {
        "activity": None, "activity_type": None, "object_agent": None, "success": None,
        "completion": None, "scaled": None, "raw": None, "extensions": {},
    }  # fmt: skip
    values.update(fields)
    return Evidence(f"s-{verb}-{days_ago}", now_us - int(days_ago * DAY_US), verb, **values)


def test_coaching_signals_name_each_pattern_and_stay_quiet_without_it() -> None:
    profile = Profile("https://w3id.org/xapi/proficio")
    now_us = int(dt.datetime(2026, 11, 30, tzinfo=dt.UTC).timestamp() * 1_000_000)
    used, applied = profile.verb("used"), profile.verb("applied")
    approved = profile.extension("approved-tool")
    adl = "http://adlnet.gov/expapi/verbs/"

    def keys(evidence: list[Evidence]) -> list[str]:
        return [s.key for s in coaching_signals(evidence, profile=profile, now_us=now_us)]

    strong_quiz = _evidence(adl + "passed", 2, now_us, scaled=0.9)
    assert keys([strong_quiz]) == ["knows-not-applying"]
    assert keys([strong_quiz, _evidence(applied, 1, now_us)]) == []
    daily = [_evidence(used, d, now_us, extensions={approved: True}) for d in range(10)]
    assert keys(daily) == []
    weak_check = _evidence(adl + "failed", 3, now_us)
    assert keys([*daily, weak_check]) == ["uses-often-reviews-weakly"]
    confident = _evidence(
        adl + "responded", 5, now_us, extensions={profile.extension("confidence"): 5}
    )
    assert keys([confident]) == ["confident-not-using"]
    assert keys([_evidence(used, 1, now_us, extensions={approved: False})]) == ["unapproved-tool"]
    assert keys([_evidence(applied, 40, now_us)]) == ["quiet"]
    assert keys([]) == ["quiet"]


# Manager


def test_the_team_heatmap_is_their_reporting_line_needing_attention_first(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    manager = signed_in(demo_client, demo_org, "manager")
    person = demo_org.logins["manager"].person_id
    twin = _json(manager, "/team.json")
    team = _json(manager, f"/api/teams/{person}")
    assert {p["person_id"] for p in twin["people"]} == {m["person_id"] for m in team["members"]}
    assert twin["size"] == team["size"] > 0
    attention = [bool(p["overdue"]) for p in twin["people"]]
    assert attention == sorted(attention, reverse=True)  # overdue people first
    # Every cell is a level by name, and agrees with the person's own levels.
    first = twin["people"][0]
    own = _json(manager, f"/api/progress/people/{first['person_id']}")
    names = [c["level"]["name"] for f in own["frameworks"] for c in f["competencies"]]
    assert [c["name"] for c in first["cells"]] == names
    assert len(twin["columns"]) == len(names)
    # Drill-down to one person's learner page.
    assert manager.get(first["href"]).status_code == 200
    for person in twin["people"]:  # each signal a sentence ending in what to do
        assert all(sig["text"].endswith(".") and ": " in sig["text"] for sig in person["signals"])
    summary = twin["summary"]
    assert summary["people"] == len(twin["people"]) == twin["pagination"]["rows"]
    for competency in summary["competencies"]:
        assert sum(level["people"] for level in competency["levels"]) == summary["people"]


def test_team_filters_narrow_the_rows_and_the_export_has_them_all(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    manager = signed_in(demo_client, demo_org, "manager")
    everyone = _json(manager, "/team.json")
    stalled = _json(manager, "/team.json?status=stalled")
    assert {p["person_id"] for p in stalled["people"]} == {
        p["person_id"] for p in everyone["people"] if p["stalled"]
    }
    on_track = _json(manager, "/team.json?status=on+track")
    assert all(not (p["overdue"] or p["stalled"] or p["regressed"]) for p in on_track["people"])
    one = _json(manager, "/team.json?competency=prompting")
    assert [c["competency_id"] for c in one["columns"]] == ["prompting"]
    ranks = [p["cells"][0]["rank"] for p in one["people"]]
    assert ranks == sorted(ranks)  # the lowest first: who to help with it
    cohorts = [value for value, _ in everyone["filter_options"]["cohort"] if value]
    in_cohort = _json(manager, f"/team.json?cohort={cohorts[0]}")
    assert 0 < len(in_cohort["people"]) <= len(everyone["people"])
    rows = _csv(manager, "/team.csv")
    assert [r["person_id"] for r in rows] == [p["person_id"] for p in everyone["people"]]
    assert "Write prompts with enough context" in rows[0]


def test_a_manager_opening_another_teams_person_gets_403_and_nothing_of_them(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    manager = signed_in(demo_client, demo_org, "manager")
    mine = {p["person_id"] for p in _json(manager, "/team.json")["people"]}
    admin = signed_in(demo_client, demo_org, "admin")
    outsider = next(
        p["person_id"]
        for p in _json(admin, "/api/people?limit=200")["people"]
        if p["person_id"] not in mine and p["person_id"] != demo_org.logins["manager"].person_id
    )
    name = _name_of(demo_client, demo_org, outsider)
    for path in (f"/people/{outsider}", f"/people/{outsider}/data", f"/teams/{outsider}"):
        response = manager.get(path)
        assert response.status_code == 403, path
        assert name not in response.text and "Not yours to see" in response.text


# Enablement


def test_the_program_by_cohort_matches_what_the_cli_reports(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    enablement = signed_in(demo_client, demo_org, "enablement")
    twin = _json(enablement, "/program.json?by=cohort&competency=prompting")
    assert twin["by"] == "cohort" and twin["competency"]["competency_id"] == "prompting"
    assert len(twin["groups"]) == 3
    for group in twin["groups"]:
        said = CliRunner().invoke(
            main, ["progress", "cohort", group["group_id"], "--json", "--db", demo_org.url]
        )
        assert said.exit_code == 0, said.output
        cli = next(
            c for c in json.loads(said.output)["competencies"] if c["competency_id"] == "prompting"
        )
        assert [d["people"] for d in group["distribution"]] == [
            d["people"] for d in cli["distribution"]
        ]
        assert group["size"] == sum(d["people"] for d in group["distribution"])
        assert group["at_target"] == cli["completion"]


def test_program_groups_side_by_side_with_drill_down_and_csv(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    enablement = signed_in(demo_client, demo_org, "enablement")
    twin = _json(enablement, "/program.json?by=department")
    api = _json(enablement, "/api/people?limit=500")
    departments = sorted({p["department"] for p in api["people"] if p["status"] == "active"})
    assert [g["name"] for g in twin["groups"]] == departments
    for group in twin["groups"]:
        for key in ("completion", "moved_up", "repeated_use"):
            assert group[key] is None or 0 <= group[key] <= 1, (group["name"], key)
    # The spread inside a department is there, not only an average.
    busiest = max(twin["groups"], key=lambda g: g["size"])
    assert sum(1 for d in busiest["distribution"] if d["people"]) >= 2
    # Drill down from a bar segment to exactly its people.
    segment = next(d for d in busiest["distribution"] if d["people"])
    query = parse_qs(urlparse(segment["href"]).query)
    assert query["group"] == [busiest["group_id"]] and query["level"] == [str(segment["rank"])]
    people = _json(enablement, segment["href"].replace("/program/people", "/program/people.json"))
    assert len(people["people"]) == segment["people"]
    assert {p["level"]["rank"] for p in people["people"]} == {segment["rank"]}
    assert enablement.get(people["people"][0]["href"]).status_code == 200
    rows = _csv(enablement, "/program.csv?by=department&table=groups")
    assert [r["department"] for r in rows] == departments
    levels = _csv(enablement, "/program.csv?by=department&table=distribution")
    assert sum(int(r["people"]) for r in levels) == sum(g["size"] for g in twin["groups"])
    confidence = twin["confidence"]
    assert sum(confidence["baseline"]) == sum(confidence["now"]) == confidence["people"] > 0
    ratings = _csv(enablement, "/program.csv?by=department&table=confidence")
    assert [int(ratings[0][str(r)]) for r in range(1, 6)] == confidence["baseline"]
    page = enablement.get("/program?by=department")
    assert page.status_code == 200 and "<svg" in page.text and "<desc" in page.text
    for by in ("role", "workflow"):
        assert _json(enablement, f"/program.json?by={by}")["groups"], by


# Compliance


def test_compliance_records_carry_statement_evidence_and_filter(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    officer = signed_in(demo_client, demo_org, "compliance")
    twin = _json(officer, "/compliance.json")
    records = twin["records"]
    assert records and twin["pagination"]["rows"] >= len(records)
    done = [r for r in records if r["status"] in (training.COMPLETED, training.LATE)]
    assert done
    for record in done[:5]:
        assert record["completed_at"] and record["evidence"]
        assert record["completed_at"] == max(e["timestamp"] for e in record["evidence"])
        statement = officer.get(
            f"/people/{record['person_id']}/evidence/{record['evidence'][0]['statement_id']}.json"
        )
        assert statement.status_code == 200
    department = records[0]["department"]
    only = _json(officer, f"/compliance.json?department={department}&status=overdue")
    assert all(r["department"] == department and r["status"] == "overdue" for r in only["records"])
    assert only["filter_used"]["department"] == department
    dated = _json(officer, "/compliance.json?from=2026-01-01&to=2026-12-31")
    for r in dated["records"]:
        assert "2026-01-01" <= (r["completed_at"] or r["due"])[:10] <= "2026-12-31"
    rows = _csv(officer, "/compliance.csv")
    assert len(rows) == twin["pagination"]["rows"]
    # The export's first rows are the page's, with the same evidence, in the same order.
    for row, record in zip(rows, twin["records"], strict=False):
        assert (row["person_id"], row["item"], row["status"]) == (
            record["person_id"],
            record["item"],
            record["status"],
        )
        assert row["statement_ids"].split() == [e["statement_id"] for e in record["evidence"]]


def test_the_compliance_pdf_is_a_paginated_report_with_its_filter(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    officer = signed_in(demo_client, demo_org, "compliance")
    response = officer.get("/compliance.pdf?status=overdue")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.count(b"/Type /Page") - response.content.count(b"/Type /Pages") >= 2


def test_a_pdf_without_chromium_on_the_server_says_how_to_get_it(demo_org: DemoOrg) -> None:
    settings = Settings(database_url=demo_org.url, chromium_path="/nowhere/chromium")
    with TestClient(create_app(settings)) as http:
        officer = signed_in(http, demo_org, "compliance")
        response = officer.get("/compliance.pdf")
        assert response.status_code == 503
        assert response.json()["field"] == "PROFICIO_CHROMIUM_PATH"


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted() -> None:
    table = Table("t", ["name", "n"], [['=HYPERLINK("http://x")', -1], ["Ada", 2]])
    rows = list(csv.reader(io.StringIO(csv_response(table).body.decode())))
    assert rows[1:] == [['\'=HYPERLINK("http://x")', "-1"], ["Ada", "2"]]


def test_a_filter_printed_in_the_pdf_header_cannot_end_its_css_string() -> None:
    hostile = 'R&D "x\\ </style><script>alert(1)</script>'
    printed = str(css_string(hostile))
    assert not set(printed) & set("\"<>&'") - {"\\"}
    assert printed.startswith("R\\26 D \\22 x\\5c ")


# Bad input


def test_bad_filters_get_a_clear_message_naming_the_filter(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    officer = signed_in(demo_client, demo_org, "compliance")
    for path, field in (
        ("/compliance.json?colour=red", "colour"),
        ("/compliance.json?from=2026-13-45", "from"),
        ("/compliance.json?from=2026-05-01&to=2026-04-01", "to"),
        ("/compliance.json?status=lost", "status"),
        ("/compliance.json?page=0", "page"),
        ("/compliance.json?page=9999", "page"),
        ("/compliance.json?department=Nowhere", "department"),
    ):
        response = officer.get(path)
        assert response.status_code == 400, path
        assert response.json()["field"] == field, path
    page = officer.get("/compliance?from=yesterday")
    assert page.status_code == 400 and "text/html" in page.headers["content-type"]
    assert "from: &#39;yesterday&#39; is not a date" in page.text and "Traceback" not in page.text
    enablement = signed_in(demo_client, demo_org, "enablement")
    assert enablement.get("/program.json?by=planet").json()["field"] == "by"
    assert enablement.get("/program.json?competency=x").json()["field"] == "competency"
    assert enablement.get("/program/people.json?by=department").json()["field"] == "group"
    assert (
        enablement.get("/program/people.json?by=department&group=Sales&level=²").json()["field"]
        == "level"
    )
    assert enablement.get("/program.json?competency=%00x").json()["field"] == "competency"
    assert enablement.get("/people/E1%00.json").json()["field"] == "person_id"
    manager = signed_in(demo_client, demo_org, "manager")
    assert manager.get("/team.json?status=sleeping").json()["field"] == "status"
    assert manager.get("/people/NOBODY").status_code in (403, 404)


def test_pages_and_exports_are_not_cached_nor_framed(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    officer = signed_in(demo_client, demo_org, "compliance")
    for path in ("/compliance", "/compliance.json", "/compliance.csv"):
        headers = officer.get(path).headers
        assert headers["cache-control"] == "no-store", path
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path


def test_without_a_session_pages_go_to_sign_in_and_come_back(
    demo_client: TestClient, demo_org: DemoOrg
) -> None:
    demo_client.cookies.clear()
    response = demo_client.get("/compliance?status=overdue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fcompliance%3Fstatus%3Doverdue"
    assert demo_client.get("/compliance.json").status_code == 401
    expired = demo_client.get(
        "/team", headers={"Cookie": "proficio_session=expired-or-forged"}, follow_redirects=False
    )
    assert expired.status_code == 303 and expired.headers["location"].startswith("/sign-in")
    # Signing in through the form returns to the page asked for, never to another host.
    login = demo_org.logins["compliance"]
    for next_path, lands in (
        ("/compliance", "/compliance"),
        ("//evil.example/", "/"),
        ("/\t/evil.example/", "/"),
    ):
        form = demo_client.get("/sign-in?next=%2Fcompliance")
        assert 'name="next" value="/compliance"' in form.text
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed = demo_client.post(
            "/sign-in",
            data={
                "email": login.email,
                "password": login.password,
                "csrf_token": token,
                "next": next_path,
            },
            follow_redirects=False,
        )
        assert (signed.status_code, signed.headers["location"]) == (303, lands)
    demo_client.cookies.clear()


# Charts


def test_level_colours_keep_their_text_readable_and_charts_describe_themselves() -> None:
    for fill, text in zip(LEVEL_FILLS, LEVEL_TEXT, strict=True):
        assert contrast(fill, text) >= 4.5, (fill, text)
    assert contrast("#000000", "#ffffff") == 21
    svg = stacked_bars(
        "t", title="Levels", levels=["None yet", "Awareness"], bars=[Bar("Sales", [3, 1])]
    )
    assert 'role="img"' in svg and '<title id="t-t">Levels</title>' in svg
    assert "Sales: None yet 3, Awareness 1" in svg
