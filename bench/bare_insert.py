"""The floor under batched ingest: a bare `executemany` of the load benchmark's statements into
SQLite, without HTTP, validation or Proficio's schema, to compare `load.py`'s figure with.

    .venv/bin/python bench/bare_insert.py --rows 200000
    .venv/bin/python bench/bare_insert.py --rows 200000 --synchronous NORMAL --page-size 4096

One table holds each statement's body and six indexed columns (its id, unique; actor, verb,
activity, registration, stored), WAL mode, a commit every `--batch` (100) rows: the shape
issue 2 names for scale. Reports rows per second over the inserts and commits only.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import orjson

from statements import StatementGenerator, Vocabulary

COLUMNS = ("actor", "verb", "activity", "registration", "stored")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--page-size", type=int, default=8192)
    args = parser.parse_args()
    generator = StatementGenerator(Vocabulary.build(seed=1, actors=10_000))
    rows = []
    for stored in range(args.rows):
        s = generator.statement()
        actor = orjson.dumps(s["actor"]).decode()
        registration = (s.get("context") or {}).get("registration")
        verb, activity = s["verb"]["id"], s["object"]["id"]
        rows.append((s["id"], actor, verb, activity, registration, stored, orjson.dumps(s)))
    with tempfile.TemporaryDirectory(prefix="proficio-bare-") as tmp:
        db = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        db.execute(f"PRAGMA page_size={args.page_size}")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={args.synchronous}")
        db.execute(
            "CREATE TABLE s (seq INTEGER PRIMARY KEY, statement_id TEXT UNIQUE, actor TEXT, "
            "verb TEXT, activity TEXT, registration TEXT, stored INTEGER, body BLOB)"
        )
        for column in COLUMNS:
            db.execute(f"CREATE INDEX ix_{column} ON s ({column}, seq)")
        insert = (
            "INSERT INTO s (statement_id, actor, verb, activity, registration, stored, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        started = time.perf_counter()
        for start in range(0, len(rows), args.batch):
            db.execute("BEGIN")
            db.executemany(insert, rows[start : start + args.batch])
            db.execute("COMMIT")
        seconds = time.perf_counter() - started
        db.close()
    print(
        f"{args.rows / seconds:,.0f} rows/s ({args.rows:,} rows, {args.batch} per commit, "
        f"synchronous={args.synchronous}, page_size={args.page_size})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
