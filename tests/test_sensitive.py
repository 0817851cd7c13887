"""Sensitive attributes: imported only with consent, whole files refused, re-import replaces a
person's attributes, stored apart from the directory. Both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from proficio.cli import main
from proficio.errors import BadRequest
from proficio.people.directory import apply_roster
from proficio.people.roster import RosterMapping, parse_roster
from proficio.people.sensitive import (
    SensitiveMapping,
    SensitiveRejected,
    apply_sensitive,
    read_sensitive,
)
from proficio.storage.database import Database
from proficio.storage.sensitive import sensitive_attributes_of

ROSTER = [
    "person_id,name,email,department,role,location,manager_id,hire_date",
    "E1,Ada,ada@example.com,Ops,Director,Paris,,2015-03-01",
    "E2,Bo,bo@example.com,Ops,Analyst,Paris,E1,2018-06-11",
    "E3,Cy,cy@example.com,Ops,Analyst,Lyon,E1,2021-01-04",
]
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
SURVEY = """\
Employee ID,Consented,Consent Date,Gender,Age Band,Full Name
E1,Yes,12/11/2026,woman,45-54,Ada
E2,yes,13/11/2026,man,25-34,Bo
"""
SURVEY_MAPPING = """\
kind: sensitive
columns: {person_id: Employee ID, consent: Consented, consent_date: Consent Date}
attributes: {gender: Gender, age_band: Age Band}
ignore: [Full Name]
date_format: "%d/%m/%Y"
source: 2026 equity survey
"""


@pytest.fixture
def people(db: Database) -> Database:
    records = list(enumerate([line.split(",") for line in ROSTER], start=1))
    with db.transaction() as tx:
        apply_roster(
            tx.conn,
            rows=parse_roster(records, RosterMapping()),
            today=NOW.date(),
            home_page="https://proficio.example.com",
        )
    return db


def write(tmp_path: Path, content: str, name: str = "sensitive.csv") -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def load(db: Database, path: Path, mapping: SensitiveMapping | None = None) -> dict[str, object]:
    mapping = mapping or SensitiveMapping()
    records = read_sensitive(path, mapping)
    with db.transaction() as tx:
        report = apply_sensitive(
            tx.conn, records=records, mapping=mapping, source=mapping.source or path.name, now=NOW
        )
    return report.to_dict()


def stored(db: Database, *person_ids: str) -> dict[str, dict[str, str]]:
    found = db.read_sync(lambda c: sensitive_attributes_of(c, list(person_ids)))
    return {p: {r.attribute: r.value for r in rows} for p, rows in found.items()}


def refused(db: Database, path: Path, mapping: SensitiveMapping | None = None) -> list[str]:
    with pytest.raises(SensitiveRejected) as caught:
        load(db, path, mapping)
    return [str(p) for p in caught.value.problems]


def test_attributes_given_with_consent_are_stored_apart(people: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "person_id,consent,gender,disability\nE1,yes,woman,\nE2,YES,man,none\n")
    assert load(people, path) == {"people": 2, "attributes": 3, "replaced": []}
    found = people.read_sync(lambda c: sensitive_attributes_of(c, ["E1", "E2", "E3"]))
    assert [(r.attribute, r.value, r.consent_recorded_on, r.source) for r in found["E1"]] == [
        ("gender", "woman", "2026-11-30", "sensitive.csv")  # an empty value is not an answer
    ]
    assert stored(people, "E2") == {"E2": {"disability": "none", "gender": "man"}}
    assert "E3" not in found
    with people.engine.connect() as conn:  # the directory itself holds none of it
        columns = conn.execute(text("SELECT * FROM people")).keys()
    assert not {"gender", "disability", "consent"} & set(columns)


def test_a_mapping_names_the_files_columns_source_and_consent_dates(
    people: Database, tmp_path: Path
) -> None:
    mapping = SensitiveMapping.load(write(tmp_path, SURVEY_MAPPING, "mapping.yaml"))
    load(people, write(tmp_path, SURVEY), mapping)
    found = people.read_sync(lambda c: sensitive_attributes_of(c, ["E1"]))["E1"]
    assert [(r.attribute, r.value, r.consent_recorded_on, r.source) for r in found] == [
        ("age_band", "45-54", "2026-11-12", "2026 equity survey"),
        ("gender", "woman", "2026-11-12", "2026 equity survey"),
    ]


@pytest.mark.parametrize("consent", ["no", "", "maybe", "y"])
def test_a_row_without_consent_refuses_the_whole_file(
    people: Database, tmp_path: Path, consent: str
) -> None:
    load(people, write(tmp_path, "person_id,consent,gender\nE3,yes,man\n", "before.csv"))
    path = write(tmp_path, f"person_id,consent,gender\nE1,yes,woman\nE2,{consent},man\n")
    assert refused(people, path) == [
        f"line 3, column 'consent': is {consent!r}, not yes: attributes are imported only "
        "with consent"
    ]
    assert stored(people, "E1", "E2", "E3") == {"E3": {"gender": "man"}}  # nothing of it stored


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "person_id,consent,gender\nE9,yes,man\n",
            "line 2, column 'person_id': no person with id 'E9'",
        ),
        (
            "person_id,consent,gender\nE1,yes,man\nE1,yes,woman\n",
            "line 3, column 'person_id': 'E1' is already on line 2",
        ),
        ("person_id,consent,gender\n,yes,man\n", "line 2, column 'person_id': is empty"),
        (
            "person_id,consent,gender,salary\nE1,yes,man,1\n",
            "line 1, column 'salary': unknown column: map it to an attribute or list it under "
            "ignore",
        ),
        (
            "person_id,gender\nE1,man\n",
            "line 1, column 'consent': required column for consent is missing",
        ),
        (
            "person_id,consent\nE1,yes\n",
            "line 1, column '': no attribute column: the mapping names none of these",
        ),
        ("person_id,consent,gender\nE1,yes\n", "line 2, column '': has 2 values for 3 columns"),
        (
            "person_id,consent,consent_date,gender\nE1,yes,someday,man\n",
            "line 2, column 'consent_date': 'someday' is not a date in the format %Y-%m-%d",
        ),
        ("person_id,consent,gender\n", "line 1, column '': the file lists no one"),
        ("", "line 1, column '': the file is empty; it needs a header row"),
    ],
)
def test_each_problem_names_its_line_and_column(
    people: Database, tmp_path: Path, content: str, expected: str
) -> None:
    assert refused(people, write(tmp_path, content)) == [expected]
    assert stored(people, "E1", "E2", "E3") == {}


def test_reimport_replaces_a_persons_attributes_and_leaves_others(
    people: Database, tmp_path: Path
) -> None:
    first = write(
        tmp_path, "person_id,consent,gender,age_band\nE1,yes,woman,45-54\nE2,yes,man,25-34\n"
    )
    load(people, first)
    assert load(people, first) == {"people": 2, "attributes": 4, "replaced": ["E1", "E2"]}
    assert stored(people, "E1", "E2") == {
        "E1": {"gender": "woman", "age_band": "45-54"},
        "E2": {"gender": "man", "age_band": "25-34"},
    }
    load(people, write(tmp_path, "person_id,consent,gender,age_band\nE1,yes,,55-64\n", "2.csv"))
    assert stored(people, "E1", "E2") == {
        "E1": {"age_band": "55-64"},  # no longer given: no longer kept
        "E2": {"gender": "man", "age_band": "25-34"},
    }


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ("kind: hris\n", "mapping.kind"),
        ("columns: {person: ID}\n", "mapping.columns"),
        ("attributes: gender\n", "mapping.attributes"),
        ("attributes: []\n", "mapping.attributes"),
        ("colums: {}\n", "mapping.colums"),
        ("attributes: {gender: G, age_band: G}\n", "mapping"),
        ("source: ''\n", "mapping.source"),
        ("[1]\n", "mapping"),
    ],
)
def test_a_bad_mapping_names_the_setting(tmp_path: Path, mapping: str, field: str) -> None:
    with pytest.raises(BadRequest) as caught:
        SensitiveMapping.load(write(tmp_path, mapping, "mapping.yaml"))
    assert caught.value.field == field


def test_a_deeply_nested_mapping_file_is_one_sentence(tmp_path: Path) -> None:
    nested = "attributes: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(BadRequest, match="nested too deeply") as caught:
        SensitiveMapping.load(write(tmp_path, nested, "mapping.yaml"))
    assert caught.value.field == "mapping"


def test_cli_imports_with_a_mapping_and_refuses_without_consent(
    people: Database, database_url: str, tmp_path: Path
) -> None:
    mapping = write(tmp_path, SURVEY_MAPPING, "mapping.yaml")
    path = write(tmp_path, SURVEY)
    runner = CliRunner()
    args = ["import", "sensitive", str(path), "--mapping", str(mapping), "--db", database_url]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"people": 2, "attributes": 4, "replaced": []}
    write(tmp_path, SURVEY + "E3,No,,,,Cy\n")
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.output == (
        "Error: file: 1 problem(s), nothing imported: line 4, column 'Consented': is 'No', not "
        "yes: attributes are imported only with consent\n"
    )
    assert set(stored(people, "E1", "E2", "E3")) == {"E1", "E2"}
