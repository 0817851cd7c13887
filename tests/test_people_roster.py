"""The people directory from HRIS rosters: mapping files, every roster-level check, re-import
reports, leavers, teams from the hierarchy; the CLI end to end. Both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from proficio.cli import main
from proficio.errors import BadRequest
from proficio.people.directory import apply_roster, reporting_line
from proficio.people.roster import RosterMapping, RosterRejected, parse_roster, read_roster
from proficio.storage.database import Database

HEADER = "person_id,name,email,department,role,location,manager_id,hire_date"
ORG = [
    "E1,Ada Chief,ada@example.com,Executive,CEO,Paris,,2015-03-01",
    "E2,Bo Ops,bo@example.com,Operations,Director,Paris,E1,2018-06-11",
    "E3,Cy Agent,cy@example.com,Operations,Analyst,Lyon,E2,2021-01-04",
    "E4,Di Agent,di@example.com,Operations,Analyst,Lyon,E2,2022-09-19",
    "E5,Ed Sales,ed@example.com,Sales,Director,Nice,E1,2019-02-14",
    "E6,Flo Rep,flo@example.com,Sales,Representative,Nice,E5,2023-05-02",
]
TODAY = dt.date(2026, 11, 29)
HOME = "https://proficio.example.com"


def rows(*lines: str, header: str = HEADER) -> list[tuple[int, list[str]]]:
    """Numbered records, one line each, as `read_roster` gives them to `parse_roster`."""
    return list(enumerate([header.split(","), *(line.split(",") for line in lines)], start=1))


def problems_of(
    lines: list[tuple[int, list[str]]], mapping: RosterMapping | None = None
) -> list[str]:
    with pytest.raises(RosterRejected) as caught:
        parse_roster(lines, mapping or RosterMapping())
    return [str(p) for p in caught.value.problems]


def apply(db: Database, *lines: str) -> dict[str, object]:
    parsed = parse_roster(rows(*lines), RosterMapping())
    with db.transaction() as tx:
        return apply_roster(tx.conn, rows=parsed, today=TODAY, home_page=HOME).to_dict()


# --- Reading a roster --------------------------------------------------------------------


def test_a_clean_roster_reads_every_person() -> None:
    parsed = parse_roster(rows(*ORG), RosterMapping())
    assert [r.person_id for r in parsed] == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert parsed[0].manager_id is None
    assert parsed[2].manager_id == "E2"
    assert parsed[2].hire_date == "2021-01-04"


def test_a_mapping_names_the_exports_own_columns(tmp_path: Path) -> None:
    mapping_file = tmp_path / "workday.yaml"
    mapping_file.write_text(
        "kind: hris\n"
        "columns:\n"
        "  person_id: Employee ID\n"
        "  name: Full Name\n"
        "  email: Work Email\n"
        "  department: Org Unit\n"
        "  role: Job Family\n"
        "  location: Site\n"
        "  manager_id: Manager Employee ID\n"
        "  hire_date: Start Date\n"
        "ignore: [Cost Center]\n"
        "date_format: '%d/%m/%Y'\n"
    )
    roster = tmp_path / "export.csv"
    roster.write_text(
        "Employee ID,Full Name,Work Email,Org Unit,Job Family,Site,Manager Employee ID,"
        "Start Date,Cost Center\n"
        "W1,Ada Chief,ADA@Example.com,Exec,CEO,Paris,,01/03/2015,CC1\n"
        "W2,Bo Ops,bo@example.com,Ops,Director,Paris,W1,11/06/2018,CC2\n",
        encoding="utf-8-sig",  # Excel's byte-order mark is not part of the first column name
    )
    parsed = read_roster(roster, RosterMapping.load(mapping_file))
    assert [(r.person_id, r.email, r.hire_date) for r in parsed] == [
        ("W1", "ada@example.com", "2015-03-01"),
        ("W2", "bo@example.com", "2018-06-11"),
    ]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            rows(*ORG, header=HEADER + ",Salary"),
            ["line 1, column 'Salary': unknown column: map it to a field or list it under ignore"],
        ),
        (
            rows(
                "E1,Ada,ada@example.com,Exec,CEO,Paris,2015-03-01",
                header=HEADER.replace(",manager_id", ""),
            ),
            ["line 1, column 'manager_id': required column for manager_id is missing"],
        ),
        (
            rows("E1,Ada,ada@example.com,Exec,CEO,Paris,,03/01/2015"),
            ["line 2, column 'hire_date': '03/01/2015' is not a date in the format %Y-%m-%d"],
        ),
        (
            rows("E1,,ada@example.com,Exec,CEO,Paris,,2015-03-01"),
            ["line 2, column 'name': is empty"],
        ),
        (
            rows("E1,Ada,ada-at-example,Exec,CEO,Paris,,2015-03-01"),
            ["line 2, column 'email': 'ada-at-example' is not an email"],
        ),
        (
            rows(*ORG, "E9,Gus,gus@example.com,Sales,Rep,Nice,E42,2024-01-01"),
            ["line 8, column 'manager_id': no person with id 'E42' here"],
        ),
        (
            rows(*ORG, "E3,Cy Again,cy2@example.com,Sales,Rep,Nice,E5,2024-01-01"),
            ["line 8, column 'person_id': 'E3' is already on line 4"],
        ),
        (
            rows(*ORG, "E9,Cy Twin,CY@Example.com,Sales,Rep,Nice,E5,2024-01-01"),
            ["line 8, column 'email': 'cy@example.com' is already on line 4"],
        ),
        (
            rows("E1,Ada,ada@example.com,Exec,CEO,Paris,E1,2015-03-01"),
            ["line 2, column 'manager_id': a person cannot manage themself"],
        ),
        (
            rows("E1,Ada,ada@example.com,Exec,CEO,Paris,E1,2015-03-01,extra"),
            ["line 2, column '': has 9 values for 8 columns"],
        ),
    ],
)
def test_each_problem_names_its_line_column_and_reason(
    lines: list[tuple[int, list[str]]], expected: list[str]
) -> None:
    assert problems_of(lines) == expected


def test_a_cycle_in_the_hierarchy_is_reported_once() -> None:
    found = problems_of(
        rows(
            "E1,Ada,ada@example.com,Exec,CEO,Paris,,2015-03-01",
            "E2,Bo,bo@example.com,Ops,Director,Paris,E4,2018-06-11",
            "E3,Cy,cy@example.com,Ops,Analyst,Lyon,E2,2021-01-04",
            "E4,Di,di@example.com,Ops,Analyst,Lyon,E3,2022-09-19",
            "E5,Ed,ed@example.com,Ops,Analyst,Lyon,E4,2022-09-19",
        )
    )
    assert found == ["line 3, column 'manager_id': management cycle: E2 → E4 → E3 → E2"]


def test_every_problem_is_reported_not_only_the_first() -> None:
    found = problems_of(
        rows(
            "E1,Ada,bad-email,Exec,CEO,Paris,,2015-03-01",
            "E2,Bo,bo@example.com,Ops,Director,Paris,E1,not-a-date",
            "E3,Cy,cy@example.com,Ops,Analyst,Lyon,E7,2021-01-04",
        )
    )
    assert [p.split(":")[0] for p in found] == [
        "line 2, column 'email'",
        "line 3, column 'hire_date'",
        "line 4, column 'manager_id'",
    ]


def test_a_manager_on_a_bad_row_is_not_reported_as_unknown() -> None:
    found = problems_of(
        rows(
            "E1,Ada,ada@example.com,Exec,CEO,Paris,,someday",
            "E2,Bo,bo@example.com,Ops,Director,Paris,E1,2018-06-11",
        )
    )
    assert found == ["line 2, column 'hire_date': 'someday' is not a date in the format %Y-%m-%d"]


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ("[1, 2]", "mapping"),
        ("kind: lms\n", "mapping.kind"),
        ("columns:\n  salary: Pay\n", "mapping.columns.salary"),
        ("columns: [a, b]\n", "mapping.columns"),
        ("ignore: Cost Center\n", "mapping.ignore"),
        ("date_format: dd/mm/yyyy\n", "mapping.date_format"),
        ("colums:\n  name: Name\n", "mapping.colums"),
        ("columns: {name: [\n", "mapping"),
        ("1: x\nfoo: y\n", "mapping"),
        ("columns:\n  email: person_id\n", "mapping.columns.email"),
    ],
)
def test_a_bad_mapping_file_names_the_setting(tmp_path: Path, mapping: str, field: str) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(mapping)
    with pytest.raises(BadRequest) as caught:
        RosterMapping.load(path)
    assert caught.value.field == field


def test_a_deeply_nested_mapping_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("columns: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(BadRequest, match="nested too deeply") as caught:
        RosterMapping.load(path)
    assert caught.value.field == "mapping"


def test_a_roster_of_no_one_is_refused() -> None:
    """Applying it would mark everyone as a leaver: a broken export, not a mass departure."""
    assert problems_of(rows()) == ["line 1, column '': the roster lists no one"]


def test_problems_name_the_file_line_even_after_a_multiline_value(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        HEADER + "\n"
        'E1,"Ada\nChief",ada@example.com,Exec,CEO,Paris,,2015-03-01\n'
        "E2,Bo,bo@example.com,Ops,Director,Paris,E1,someday\n"
    )
    with pytest.raises(RosterRejected) as caught:
        read_roster(roster, RosterMapping())
    assert [p.line for p in caught.value.problems] == [4]


def test_an_empty_or_unreadable_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RosterRejected, match="the file is empty"):
        read_roster(empty, RosterMapping())
    with pytest.raises(BadRequest, match="cannot read the roster"):
        read_roster(tmp_path / "missing.csv", RosterMapping())
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(BadRequest, match="cannot read the roster"):
        read_roster(binary, RosterMapping())


# --- Applying a roster to the directory (both databases) ----------------------------------


def test_first_import_adds_everyone(db: Database) -> None:
    report = apply(db, *ORG)
    assert report["added"] == 6
    assert report["left"] == report["updated"] == report["unchanged"] == 0


def test_reimporting_the_same_roster_changes_nothing(db: Database) -> None:
    apply(db, *ORG)
    report = apply(db, *ORG)
    assert report["unchanged"] == 6
    assert report["added"] == report["updated"] == report["left"] == 0


def test_reimport_reports_each_change_and_marks_leavers(db: Database) -> None:
    apply(db, *ORG)
    moved = ORG[3].replace("Operations,Analyst,Lyon,E2", "Sales,Representative,Nice,E5")
    report = apply(db, *ORG[:3], moved, ORG[4])  # E6 is gone
    assert report["changes"] == {
        "E4": {
            "department": {"from": "Operations", "to": "Sales"},
            "role": {"from": "Analyst", "to": "Representative"},
            "location": {"from": "Lyon", "to": "Nice"},
            "manager_id": {"from": "E2", "to": "E5"},
        }
    }
    assert report["left_ids"] == ["E6"]
    with db.engine.connect() as conn:
        status = conn.execute(
            text("SELECT status, left_on FROM people WHERE person_id = 'E6'")
        ).one()
    assert tuple(status) == ("left", "2026-11-29")  # kept, not deleted


def test_a_leaver_who_comes_back_rejoins(db: Database) -> None:
    apply(db, *ORG)
    apply(db, *ORG[:5])
    report = apply(db, *ORG[:5], ORG[5].replace("Representative", "Team Lead"))
    assert report["rejoined_ids"] == ["E6"]
    assert report["updated"] == 0
    assert report["changes"] == {"E6": {"role": {"from": "Representative", "to": "Team Lead"}}}
    with db.engine.connect() as conn:
        status = conn.execute(
            text("SELECT status, left_on FROM people WHERE person_id = 'E6'")
        ).one()
    assert tuple(status) == ("active", None)


def test_a_team_is_the_whole_reporting_line(db: Database) -> None:
    apply(db, *ORG)
    with db.engine.connect() as conn:
        assert reporting_line(conn, manager_id="E2") == ["E3", "E4"]
        assert reporting_line(conn, manager_id="E1") == ["E2", "E3", "E4", "E5", "E6"]
        assert reporting_line(conn, manager_id="E6") == []
    apply(db, *[line for line in ORG if not line.startswith("E4")])
    with db.engine.connect() as conn:
        assert reporting_line(conn, manager_id="E2") == ["E3"]  # leavers are no one's team


# --- The CLI --------------------------------------------------------------------------------


def test_cli_imports_and_reports(database_url: str, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([HEADER, *ORG]) + "\n")
    runner = CliRunner()
    first = runner.invoke(main, ["import", "hris", str(roster), "--db", database_url])
    assert first.exit_code == 0, first.output
    assert "6 people in the roster: 6 added" in first.output
    roster.write_text("\n".join([HEADER, *ORG[:5]]) + "\n")
    again = runner.invoke(main, ["import", "hris", str(roster), "--json", "--db", database_url])
    assert json.loads(again.output)["left_ids"] == ["E6"]


def test_cli_refuses_a_bad_roster_whole(db: Database, database_url: str, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join([HEADER, *ORG, "E9,Gus,gus@example.com,X,Y,Z,E404,2024-01-01"]))
    result = CliRunner().invoke(main, ["import", "hris", str(roster), "--db", database_url])
    assert result.exit_code == 1
    assert "line 8, column 'manager_id': no person with id 'E404' here" in result.output
    assert "Traceback" not in result.output
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 0


def test_every_roster_import_is_in_the_audit_log(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    from proficio.audit.log import list_events

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("\n".join([HEADER, *ORG]) + "\n")
    bad.write_text("\n".join([HEADER, "E1,,ada@example.com,Exec,CEO,Paris,,2015-03-01"]) + "\n")
    assert (
        CliRunner().invoke(main, ["import", "hris", str(good), "--db", database_url]).exit_code == 0
    )
    assert (
        CliRunner().invoke(main, ["import", "hris", str(bad), "--db", database_url]).exit_code == 1
    )
    refused, done = db.read_sync(lambda c: list_events(c, action="imports:run"))
    assert (done.resource, done.outcome, done.detail["file"]) == (
        "import:hris",
        "succeeded",
        str(good),
    )
    assert (
        refused.outcome == "failed"
        and "line 2, column 'name': is empty" in refused.detail["reason"]
    )
    assert refused.actor.startswith("cli:")
