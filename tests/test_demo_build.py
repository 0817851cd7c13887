"""`proficio demo`: the demo organisation loaded through the importers, one account per role
whose printed password signs in, no rebuild on the next start, and no demo over a real
organisation. Both databases (a small company, to keep it quick)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text

from proficio.app import create_app
from proficio.cli import main
from proficio.settings import Settings
from proficio.storage.database import Database


def demo(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["demo", "--db", url, "--people", "150", "--no-serve"])
    return result.exit_code, result.output


def sign_ins(output: str) -> dict[str, tuple[str, str]]:
    """role -> (email, password) from the printed table."""
    found = re.findall(r"^  (\w+)\s+(\S+@\S+)\s+(\S+)  \(", output, flags=re.M)
    return {role: (email, password) for role, email, password in found}


def count(db: Database, sql: str) -> int:
    return int(db.read_sync(lambda c: c.execute(text(sql)).scalar_one()))


def test_the_demo_loads_through_the_importers_and_prints_working_sign_ins(
    database_url: str, db: Database
) -> None:
    code, output = demo(database_url)
    assert code == 0, output
    assert "150 people and 3 cohorts" in output
    for name in ("lms.csv", "usage.csv", "surveys.csv", "observations.csv", "workflows.csv"):
        assert re.search(rf"{name}: [\d,]+ rows, [1-9][\d,]* statements", output), name
    assert count(db, "SELECT COUNT(*) FROM people") == 150
    assert count(db, "SELECT COUNT(*) FROM cohorts") == 3
    assert count(db, "SELECT COUNT(*) FROM statements") > 3000
    logins = sign_ins(output)
    assert list(logins) == ["learner", "manager", "enablement", "compliance", "admin"]
    settings = Settings(database_url=database_url)
    with TestClient(create_app(settings)) as http:
        for role, (email, password) in logins.items():
            response = http.post("/api/session", json={"email": email, "password": password})
            assert response.status_code == 201, (role, response.text)
            assert role in response.json()["account"]["roles"]
            http.cookies.clear()

    # The next start reuses the organisation and gives new passwords; the old ones stop working.
    code, again = demo(database_url)
    assert code == 0 and "loading the demo" not in again
    assert count(db, "SELECT COUNT(*) FROM people") == 150
    new_logins = sign_ins(again)
    assert new_logins["admin"][0] == logins["admin"][0]
    assert new_logins["admin"][1] != logins["admin"][1]


def test_the_same_seed_gives_the_same_statements(tmp_path: Path) -> None:
    ids = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        assert demo(url)[0] == 0
        database = Database(url)
        try:
            rows = database.read_sync(
                lambda c: c.execute(text("SELECT statement_id FROM statements")).all()
            )
            ids.append(sorted(r[0] for r in rows))
        finally:
            database.close()
    assert ids[0] == ids[1]


def test_the_demo_never_takes_over_a_real_organisation(database_url: str, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "person_id,name,email,department,role,location,manager_id,hire_date\n"
        "R1,Real Person,real@acme.example,Ops,Lead,,,2020-01-01\n"
    )
    assert (
        CliRunner().invoke(main, ["import", "hris", str(roster), "--db", database_url]).exit_code
        == 0
    )
    code, output = demo(database_url)
    assert code == 1
    assert "not the demo's: start it with `proficio serve`" in output
    assert output.count("\n") == 1
