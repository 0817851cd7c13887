"""The `proficio` command line: credentials, migrations, and one-sentence errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from proficio.cli import main
from proficio.settings import database_url_from


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_credentials_create_list_revoke(database_url: str) -> None:
    code, out = run(
        "credentials",
        "create",
        "--name",
        "LMS",
        "--scopes",
        "statements/write,statements/read",
        "--json",
        "--db",
        database_url,
    )
    assert code == 0, out
    created = json.loads(out)
    assert set(created) == {"key", "secret"}

    code, out = run("credentials", "list", "--json", "--db", database_url)
    [listed] = json.loads(out)
    assert listed["key"] == created["key"]
    assert listed["scopes"] == ["statements/read", "statements/write"]
    assert created["secret"] not in out

    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM credentials")).scalar_one()
    engine.dispose()
    assert created["secret"] not in stored and len(stored) == 64  # only a SHA-256 hash

    code, out = run("credentials", "revoke", created["key"], "--db", database_url)
    assert code == 0
    code, out = run("credentials", "list", "--db", database_url)
    assert "revoked" in out


def test_unknown_scope_is_one_sentence_and_exit_1(tmp_path: Path) -> None:
    code, out = run(
        "credentials",
        "create",
        "--name",
        "x",
        "--scopes",
        "everything",
        "--db",
        str(tmp_path / "p.db"),
    )
    assert code == 1
    assert "unknown scope 'everything'" in out
    assert "Traceback" not in out


def test_revoking_unknown_key_fails_cleanly(tmp_path: Path) -> None:
    code, out = run("credentials", "revoke", "nope", "--db", str(tmp_path / "p.db"))
    assert code == 1
    assert "no active credential" in out


def test_unsupported_database_url_is_one_sentence(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "proficio", "db", "upgrade", "--db", "mysql://x/y"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 1
    assert "unsupported database URL" in process.stderr
    assert "Traceback" not in process.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    code, out = run("db", "upgrade", "--db", str(db))
    assert code == 0, out
    engine = create_engine(database_url_from(str(db)))
    with engine.connect() as conn:
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    engine.dispose()
    assert {"statements", "statement_refs", "credentials", "lrs_keys"} <= tables
