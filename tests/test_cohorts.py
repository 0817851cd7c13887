"""Cohorts from YAML or JSON files: every check named by cohort, line and field, all or
nothing, re-import reports; the services; the CLI. Both databases."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from proficio.cli import main
from proficio.errors import BadRequest, NotFound
from proficio.people import cohorts as service
from proficio.people.cohort_file import CohortsRejected, read_cohort_file
from proficio.people.directory import apply_roster
from proficio.people.roster import RosterMapping, parse_roster
from proficio.storage.database import Database

HEADER = "person_id,name,email,department,role,location,manager_id,hire_date"
ORG = [
    "E1001,Ada Chief,ada@example.com,Operations,Director,Paris,,2015-03-01",
    "E1002,Bo Ops,bo@example.com,Operations,Analyst,Paris,E1001,2018-06-11",
    "E1003,Cy Ops,cy@example.com,Operations,Analyst,Lyon,E1001,2021-01-04",
    "E1004,Di Gone,di@example.com,Operations,Analyst,Lyon,E1001,2022-09-19",
]
TODAY = dt.date(2026, 9, 1)
AUTUMN = """\
cohorts:
  - id: ops-2026-autumn
    name: Operations — AI at work, autumn 2026
    program: ai-at-work
    start: 2026-09-07
    end: 2026-11-27
    due_dates: [{name: Safe-use module, date: 2026-09-21}, {name: First workflow, date: 2026-10-19}]
    target_roles: [Operations Analyst, Team Lead]
    members: [E1001, E1002]
"""


@pytest.fixture
def people(db: Database) -> Database:
    """E1001-E1003 active, E1004 a leaver."""
    for lines in (ORG, ORG[:3]):
        records = list(enumerate([HEADER.split(","), *(x.split(",") for x in lines)], start=1))
        with db.transaction() as tx:
            apply_roster(
                tx.conn,
                rows=parse_roster(records, RosterMapping()),
                today=TODAY,
                home_page="https://proficio.example.com",
            )
    return db


def write(tmp_path: Path, content: str, name: str = "cohorts.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(content))
    return path


def load(db: Database, path: Path, today: dt.date = TODAY) -> dict[str, Any]:
    cohorts = read_cohort_file(path)
    with db.transaction() as tx:
        return service.apply_cohorts(tx.conn, cohorts=cohorts, today=today).to_dict()


def problems(db: Database, path: Path) -> list[str]:
    with pytest.raises(CohortsRejected) as caught:
        load(db, path)
    return [str(p) for p in caught.value.problems]


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def cohort(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "ops-2026-autumn",
        "name": "Operations, autumn",
        "program": "ai-at-work",
        "start": "2026-09-07",
        "end": "2026-11-27",
        "members": ["E1001"],
    }
    return {k: v for k, v in (base | fields).items() if v is not None}


def write_json(tmp_path: Path, *cohorts: dict[str, Any]) -> Path:
    path = tmp_path / "cohorts.json"
    path.write_text(json.dumps({"cohorts": list(cohorts)}))
    return path


# --- Importing ------------------------------------------------------------------------------


def test_a_cohort_file_is_stored_with_its_members(people: Database, tmp_path: Path) -> None:
    report = load(people, write(tmp_path, AUTUMN))
    assert report == {"added": ["ops-2026-autumn"], "updated": {}, "unchanged": []}
    found = people.read_sync(lambda c: service.get_cohort(c, cohort_id="ops-2026-autumn"))
    assert found.to_dict() == {
        "cohort_id": "ops-2026-autumn",
        "name": "Operations — AI at work, autumn 2026",
        "program": "ai-at-work",
        "start_date": "2026-09-07",
        "end_date": "2026-11-27",
        "due_dates": [
            {"name": "Safe-use module", "date": "2026-09-21"},
            {"name": "First workflow", "date": "2026-10-19"},
        ],
        "target_roles": ["Operations Analyst", "Team Lead"],
        "status": "active",
        "members": [
            {"person_id": "E1001", "enrolled_on": "2026-09-01", "status": "enrolled"},
            {"person_id": "E1002", "enrolled_on": "2026-09-01", "status": "enrolled"},
        ],
    }
    listed = people.read_sync(lambda c: service.list_cohorts(c, program="ai-at-work"))
    assert [c.cohort_id for c in listed] == ["ops-2026-autumn"]
    assert people.read_sync(lambda c: service.list_cohorts(c, program="other")) == []
    mine = people.read_sync(lambda c: service.cohorts_of_person(c, person_id="E1002"))
    assert [c.cohort_id for c in mine] == ["ops-2026-autumn"]
    assert people.read_sync(lambda c: service.cohorts_of_person(c, person_id="E1003")) == []
    with pytest.raises(NotFound, match="no cohort with id 'nope'"):
        people.read_sync(lambda c: service.get_cohort(c, cohort_id="nope"))


def test_reimporting_changes_nothing_then_reports_changed_dates_and_members(
    people: Database, tmp_path: Path
) -> None:
    path = write(tmp_path, AUTUMN)
    load(people, path)
    assert load(people, path) == {"added": [], "updated": {}, "unchanged": ["ops-2026-autumn"]}
    changed = AUTUMN.replace("end: 2026-11-27", "end: 2026-12-04").replace(
        "[E1001, E1002]", "[E1001, E1003]"
    )
    report = load(people, write(tmp_path, changed, "changed.yaml"), today=dt.date(2026, 9, 10))
    assert report["updated"] == {
        "ops-2026-autumn": {
            "changes": {"end_date": {"from": "2026-11-27", "to": "2026-12-04"}},
            "members_added": ["E1003"],
            "members_removed": ["E1002"],
        }
    }
    members = people.read_sync(lambda c: service.get_cohort(c, cohort_id="ops-2026-autumn")).members
    assert [(m.person_id, m.enrolled_on, m.status) for m in members] == [
        ("E1001", "2026-09-01", "enrolled"),
        ("E1002", "2026-09-01", "removed"),  # kept: they were enrolled once
        ("E1003", "2026-09-10", "enrolled"),
    ]
    assert people.read_sync(lambda c: service.cohorts_of_person(c, person_id="E1002")) == []
    report = load(people, path, today=dt.date(2026, 9, 12))  # E1002 comes back
    assert report["updated"]["ops-2026-autumn"]["members_added"] == ["E1002"]
    members = people.read_sync(lambda c: service.get_cohort(c, cohort_id="ops-2026-autumn")).members
    assert [(m.person_id, m.enrolled_on, m.status) for m in members][1] == (
        "E1002",
        "2026-09-12",
        "enrolled",
    )


def test_a_json_file_works_the_same(people: Database, tmp_path: Path) -> None:
    path = write_json(tmp_path, cohort(due_dates=[{"name": "Safe use", "date": "2026-09-21"}]))
    assert load(people, path)["added"] == ["ops-2026-autumn"]


# --- Problems -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            AUTUMN.replace("end: 2026-11-27", "end: 2026-09-01"),
            "cohorts[0] 'ops-2026-autumn' (line 2), end: 2026-09-01 is before the start, "
            "2026-09-07",
        ),
        (
            AUTUMN.replace("date: 2026-10-19", "date: 2026-12-19"),
            "cohorts[0] 'ops-2026-autumn' (line 2), due_dates[1].date: 2026-12-19 is outside "
            "the run, 2026-09-07 to 2026-11-27",
        ),
        (
            AUTUMN + AUTUMN.split("\n", 1)[1],
            "cohorts[1] 'ops-2026-autumn' (line 10), id: is already cohorts[0] (line 2)",
        ),
        (
            AUTUMN.replace("start: 2026-09-07", "start: 7 Sept 2026"),
            "cohorts[0] 'ops-2026-autumn' (line 2), start: '7 Sept 2026' is not a date "
            "(YYYY-MM-DD)",
        ),
        (
            AUTUMN.replace("    program: ai-at-work\n", ""),
            "cohorts[0] 'ops-2026-autumn' (line 2), program: is required",
        ),
        (
            AUTUMN.replace("target_roles", "roles"),
            "cohorts[0] 'ops-2026-autumn' (line 2), roles: not a field of a cohort",
        ),
        (
            AUTUMN.replace("[E1001, E1002]", "[E1001, E1001]"),
            "cohorts[0] 'ops-2026-autumn' (line 2), members[1]: 'E1001' is already members[0]",
        ),
        (
            AUTUMN + "    status: paused\n",
            "cohorts[0] 'ops-2026-autumn' (line 2), status: 'paused' is not active or closed",
        ),
    ],
)
def test_a_problem_in_the_file_names_the_cohort_line_and_field(
    people: Database, tmp_path: Path, content: str, expected: str
) -> None:
    found = problems(people, write(tmp_path, content))
    assert len(found) == 1
    assert found[0].startswith(expected)
    assert count(people, "cohorts") == count(people, "cohort_members") == 0


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ("[E1001, E9999]", "members[1]: no person with id 'E9999'"),
        ("[E1004, E1002]", "members[0]: 'E1004' is not active (left)"),
    ],
)
def test_members_must_be_active_people(
    people: Database, tmp_path: Path, members: str, expected: str
) -> None:
    path = write(tmp_path, AUTUMN.replace("[E1001, E1002]", members))
    assert problems(people, path) == [f"cohorts[0] 'ops-2026-autumn' (line 9), {expected}"]


def test_members_listed_one_per_line_are_named_by_their_own_line(
    people: Database, tmp_path: Path
) -> None:
    content = AUTUMN.replace("members: [E1001, E1002]", "members:\n      - E1001\n      - E9\n")
    assert problems(people, write(tmp_path, content)) == [
        "cohorts[0] 'ops-2026-autumn' (line 11), members[1]: no person with id 'E9'"
    ]


def test_nobody_is_in_two_active_cohorts_of_one_program_in_a_file(
    people: Database, tmp_path: Path
) -> None:
    path = write_json(
        tmp_path,
        cohort(members=["E1001", "E1002"]),
        cohort(id="ops-late", start="2026-11-01", end="2027-01-29", members=["E1003", "E1002"]),
        cohort(id="other-program", program="data-basics", members=["E1001"]),
        cohort(id="afterwards", start="2026-11-28", end="2027-02-01", members=["E1001"]),
        cohort(id="closed", status="closed", members=["E1001"]),
        cohort(id="ended", start="2026-03-02", end="2026-08-31", members=["E1001"]),
    )
    assert problems(people, path) == [
        "cohorts[1] 'ops-late', members[1]: 'E1002' is already in cohort 'ops-2026-autumn' "
        "(cohorts[0] of the file), an active cohort of program 'ai-at-work' until 2026-11-27; "
        "a person is in one active cohort of a program at a time",
        "cohorts[3] 'afterwards', members[0]: 'E1001' is already in cohort 'ops-2026-autumn' "
        "(cohorts[0] of the file), an active cohort of program 'ai-at-work' until 2026-11-27; "
        "a person is in one active cohort of a program at a time",
    ]
    assert count(people, "cohorts") == 0  # nothing half-imported


def test_nobody_joins_a_second_active_cohort_of_a_program_already_in_the_database(
    people: Database, tmp_path: Path
) -> None:
    load(people, write(tmp_path, AUTUMN))
    spring = cohort(id="ops-2027-spring", start="2027-03-01", end="2027-05-28", members=["E1002"])
    assert problems(people, write_json(tmp_path, spring)) == [
        "cohorts[0] 'ops-2027-spring', members[0]: 'E1002' is already in cohort "
        "'ops-2026-autumn' (in the database), an active cohort of program 'ai-at-work' until "
        "2026-11-27; a person is in one active cohort of a program at a time"
    ]
    # Once the autumn cohort has ended it is no longer active: the same file is accepted.
    later = dt.date(2026, 11, 28)
    assert load(people, write_json(tmp_path, spring), today=later)["added"] == ["ops-2027-spring"]


def test_closing_or_removing_in_the_same_file_settles_it(people: Database, tmp_path: Path) -> None:
    load(people, write(tmp_path, AUTUMN))
    spring = cohort(id="ops-2027-spring", start="2027-03-01", end="2027-05-28", members=["E1002"])
    removed = cohort(members=["E1001"])
    assert load(people, write_json(tmp_path, removed, spring))["added"] == ["ops-2027-spring"]
    closed = cohort(id="ops-2027-summer", start="2027-06-01", end="2027-08-27", members=["E1001"])
    autumn_closed = cohort(status="closed")
    assert load(people, write_json(tmp_path, autumn_closed, closed))["added"] == ["ops-2027-summer"]


def test_a_member_who_left_does_not_block_reimporting_their_cohort(
    people: Database, tmp_path: Path
) -> None:
    """Only new enrolments need active people: a leaver already enrolled stays as they are."""
    load(people, write(tmp_path, AUTUMN.replace("E1002]", "E1003]")))
    records = list(enumerate([HEADER.split(","), *(x.split(",") for x in ORG[:2])], start=1))
    with people.transaction() as tx:  # E1003 leaves the company
        apply_roster(
            tx.conn,
            rows=parse_roster(records, RosterMapping()),
            today=TODAY,
            home_page="https://proficio.example.com",
        )
    later = AUTUMN.replace("E1002]", "E1003]").replace("end: 2026-11-27", "end: 2026-12-04")
    report = load(people, write(tmp_path, later))
    assert report["updated"]["ops-2026-autumn"]["changes"] == {
        "end_date": {"from": "2026-11-27", "to": "2026-12-04"}
    }
    closed = write(tmp_path, later + "    status: closed\n")
    assert load(people, closed)["updated"]["ops-2026-autumn"]["members_removed"] == []
    found = people.read_sync(lambda c: service.get_cohort(c, cohort_id="ops-2026-autumn"))
    assert {m.person_id: m.status for m in found.members} == {
        "E1001": "enrolled",
        "E1003": "enrolled",
    }
    # Enrolling a leaver anew is still refused.
    assert problems(people, write(tmp_path, later.replace("E1003]", "E1003, E1004]"))) == [
        "cohorts[0] 'ops-2026-autumn' (line 9), members[2]: 'E1004' is not active (left)"
    ]


def test_a_file_with_one_bad_cohort_stores_none(people: Database, tmp_path: Path) -> None:
    path = write_json(tmp_path, cohort(), cohort(id="bad", members=["E404"]))
    assert problems(people, path) == ["cohorts[1] 'bad', members[0]: no person with id 'E404'"]
    assert count(people, "cohorts") == count(people, "cohort_members") == 0


@pytest.mark.parametrize(
    ("content", "field"),
    [("cohorts: {}\n", "cohorts"), ("- a\n", "file"), ("cohorts: [\n", "file"), ("", "file")],
)
def test_a_file_that_is_no_list_of_cohorts_is_refused(
    tmp_path: Path, content: str, field: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        read_cohort_file(write(tmp_path, content))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"id": [1]}, "cohorts[0], id: must be text"),
        ({"id": 1.5}, "cohorts[0], id: must be text"),
        ({"id": 2026}, "cohorts[0], id: must be text"),
        ({"id": None}, "cohorts[0], id: is required"),
        ({"name": ["x"]}, "cohorts[0] 'ops-2026-autumn', name: must be text"),
        ({"program": {"a": 1}}, "cohorts[0] 'ops-2026-autumn', program: must be text"),
        ({"members": "E1001"}, "cohorts[0] 'ops-2026-autumn', members: must be a list of"),
        ({"members": [["E1001"]]}, "cohorts[0] 'ops-2026-autumn', members[0]: must be"),
        ({"members": [1001]}, "cohorts[0] 'ops-2026-autumn', members[0]: must be"),
        ({"target_roles": [1]}, "cohorts[0] 'ops-2026-autumn', target_roles: must be a list"),
        (
            {"due_dates": [{"name": 3, "date": "2026-09-21"}]},
            "cohorts[0] 'ops-2026-autumn', due_dates[0].name: must be text",
        ),
    ],
)
def test_a_field_of_the_wrong_type_is_a_problem_never_a_dropped_cohort(
    tmp_path: Path, fields: dict[str, Any], expected: str
) -> None:
    with pytest.raises(CohortsRejected) as caught:
        read_cohort_file(write_json(tmp_path, cohort(**fields)))
    found = [str(p) for p in caught.value.problems]
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cohorts.yaml", "cohorts: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("cohorts.json", '{"cohorts": ' + "[" * 5000 + "]" * 5000 + "}"),
        (
            "cohorts.json",
            json.dumps({"cohorts": [cohort(start=[])]}).replace("[]", "[" * 5000 + "]" * 5000),
        ),
    ],
)
def test_a_deeply_nested_file_is_one_sentence_not_a_traceback(
    tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(BadRequest) as caught:
        read_cohort_file(path)
    assert caught.value.field == "file"
    assert "nested too deeply" in caught.value.message


# --- The CLI --------------------------------------------------------------------------------


def test_cli_imports_cohorts_and_reports(
    people: Database, database_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, AUTUMN)
    runner = CliRunner()
    first = runner.invoke(main, ["import", "cohorts", str(path), "--db", database_url])
    assert first.exit_code == 0, first.output
    assert "1 cohorts in the file: 1 added, 0 updated, 0 unchanged" in first.output
    write(tmp_path, AUTUMN.replace("E1002]", "E1003]"))
    again = runner.invoke(main, ["import", "cohorts", str(path), "--db", database_url])
    assert "ops-2026-autumn: +E1003, -E1002" in again.output
    as_json = runner.invoke(main, ["import", "cohorts", str(path), "--json", "--db", database_url])
    assert json.loads(as_json.output)["unchanged"] == ["ops-2026-autumn"]


def test_cli_refuses_a_bad_file_in_one_sentence(
    people: Database, database_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, AUTUMN.replace("E1002]", "E1004]"))
    result = CliRunner().invoke(main, ["import", "cohorts", str(path), "--db", database_url])
    assert result.exit_code == 1
    assert result.output == (
        "Error: file: 1 problem(s), nothing imported: cohorts[0] 'ops-2026-autumn' (line 9), "
        "members[1]: 'E1004' is not active (left)\n"
    )
    assert count(people, "cohorts") == 0


def test_each_enrolment_is_a_registered_statement_once(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text(
        "person_id,name,email,department,role,location,manager_id,hire_date\n"
        "E1,Ada,ada@example.com,Ops,Lead,,,2020-01-01\n"
        "E2,Bo,bo@example.com,Ops,Analyst,,E1,2020-01-01\n"
    )
    cohort_file = tmp_path / "cohorts.yaml"
    cohort_file.write_text(
        "cohorts:\n  - {id: c1, name: Ops autumn, program: p, start: 2026-09-07,"
        " end: 2099-12-01, members: [E1, E2]}\n"
    )
    runner = CliRunner()
    assert (
        runner.invoke(main, ["import", "hris", str(roster_file), "--db", database_url]).exit_code
        == 0
    )
    first = runner.invoke(main, ["import", "cohorts", str(cohort_file), "--db", database_url])
    assert first.exit_code == 0, first.output
    assert "2 new enrolment statements" in first.output
    again = runner.invoke(main, ["import", "cohorts", str(cohort_file), "--db", database_url])
    assert "0 new enrolment statements" in again.output
    bodies = db.read_sync(lambda c: c.execute(text("SELECT body FROM statements")).all())
    registered = [json.loads(b[0]) if isinstance(b[0], str) else b[0] for b in bodies]
    assert {s["actor"]["account"]["name"] for s in registered} == {"E1", "E2"}
    assert registered[0]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert registered[0]["object"]["id"] == "http://localhost:8000/activities/cohort/c1"
    assert registered[0]["timestamp"].startswith("2026-09-07T00:00:00")
