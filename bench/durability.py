"""Crash test: every statement the server acknowledged must still be there after `kill -9`.

    .venv/bin/python bench/durability.py                 # SQLite, 3 rounds
    .venv/bin/python bench/durability.py --rounds 5 --db postgres

Starts `proficio serve` on a throwaway database and sends statements from several connections
at once, single POSTs and batched POSTs mixed. Every id in a 200 response is recorded as
acknowledged. Partway through the load the server gets SIGKILL (no shutdown, no flush), is
restarted on the same database, and the load resumes; after the last round the server is
restarted once more and every acknowledged id is fetched with GET /xapi/statements?statementId=.

Exit status 0 only if none is missing, each came back as the statement that was sent, the
server restarted every time and (SQLite) `PRAGMA integrity_check` says ok. Statements that were
in flight at the kill (sent, no answer) may or may not be stored; their count is reported.
This tests process crashes, not power loss: the OS page cache survives a kill -9.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from rawhttp import ConnectionLost, HttpConnection, basic_auth
from server import (
    DEFAULT_PG_URL,
    HEADERS_VERSION,
    BenchError,
    Server,
    TempDatabase,
    create_credential,
    git_state,
    log_problems,
    machine,
    stop_on_signal,
)
from statements import StatementGenerator, Vocabulary

RESULTS = Path(__file__).resolve().parent / "results"


def fingerprint(statement: dict[str, Any]) -> tuple[str, str, str]:
    return (statement["verb"]["id"], statement["object"]["id"], statement.get("timestamp", ""))


@dataclass
class Ledger:
    """What the clients know: acknowledged ids, ids whose fate is unknown, error answers."""

    acked: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    in_doubt: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_bodies: list[str] = field(default_factory=list)

    def error(self, what: str, body: bytes = b"") -> None:
        self.errors[what] = self.errors.get(what, 0) + 1
        if body and len(self.error_bodies) < 5:
            self.error_bodies.append(f"{what}: {body[:1000].decode(errors='replace')}")


async def load_until_killed(
    server: Server,
    headers: dict[str, str],
    gen: StatementGenerator,
    ledger: Ledger,
    args: argparse.Namespace,
    kill_after: float,
) -> dict[str, int]:
    """Send statements until the server is killed at `kill_after` s; returns this round's counts."""
    killed = asyncio.Event()
    counts = {"acked": 0, "in_doubt": 0, "requests": 0, "children_outlived_kill": 0}
    hard_stop = time.monotonic() + kill_after + 60

    async def worker(batch_size: int) -> None:
        conn = HttpConnection(server.port, headers=headers, timeout=30)
        try:
            while not killed.is_set() and time.monotonic() < hard_stop:
                statements = gen.batch(batch_size)
                body = orjson.dumps(statements if batch_size > 1 else statements[0])
                sent = {s["id"]: fingerprint(s) for s in statements}
                counts["requests"] += 1
                try:
                    resp = await conn.request("POST", "/xapi/statements", body)
                except (ConnectionLost, TimeoutError):
                    ledger.in_doubt.update(sent)
                    counts["in_doubt"] += len(sent)
                    if killed.is_set():
                        return
                    ledger.error("no answer before the kill")
                    continue
                if resp.status != 200:
                    ledger.error(f"HTTP {resp.status}", resp.body)
                    continue
                ids = orjson.loads(resp.body)
                if sorted(ids) != sorted(sent):
                    ledger.error("acknowledged ids differ from those sent", resp.body)
                for statement_id in ids:
                    if statement_id in sent:
                        ledger.acked[statement_id] = sent[statement_id]
                counts["acked"] += len(ids)
        finally:
            conn.close()

    async def killer() -> None:
        await asyncio.sleep(kill_after)
        # Returns once the server is gone, with its child processes still alive 5 s later.
        survivors = server.kill9(group=args.kill_group)
        counts["children_outlived_kill"] = len(survivors)
        killed.set()

    sizes = [1] * args.single_workers + [args.batch_size] * args.batch_workers
    await asyncio.gather(killer(), *(worker(size) for size in sizes))
    return counts


async def verify(
    server: Server, headers: dict[str, str], expected: dict[str, tuple[str, str, str]]
) -> dict[str, Any]:
    """GET each id; sort them into present (as sent), different, missing and unanswered."""
    found: dict[str, list[str]] = {"present": [], "different": [], "missing": [], "errors": []}
    todo = list(expected)
    bodies: list[str] = []

    async def worker() -> None:
        conn = HttpConnection(server.port, headers=headers, timeout=30)
        try:
            while todo:
                statement_id = todo.pop()
                for _attempt in range(3):
                    try:
                        resp = await conn.request(
                            "GET", f"/xapi/statements?statementId={statement_id}"
                        )
                        break
                    except (ConnectionLost, TimeoutError):
                        await asyncio.sleep(0.5)
                else:
                    found["errors"].append(statement_id)
                    continue
                if resp.status == 404:
                    found["missing"].append(statement_id)
                elif resp.status != 200:
                    found["errors"].append(statement_id)
                    if len(bodies) < 5:
                        bodies.append(f"HTTP {resp.status}: {resp.body[:500]!r}")
                elif fingerprint(orjson.loads(resp.body)) != expected[statement_id]:
                    found["different"].append(statement_id)
                else:
                    found["present"].append(statement_id)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(8)))
    return {
        "counts": {k: len(v) for k, v in found.items()},
        "missing_ids": found["missing"][:50],
        "different_ids": found["different"][:50],
        "error_bodies": bodies,
    }


def integrity_check(path: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL, help="where to create a PostgreSQL db")
    p.add_argument("--rounds", type=int, default=3, help="kill -9 and restart this often (3)")
    p.add_argument(
        "--kill-after",
        type=float,
        nargs=2,
        default=(2.0, 6.0),
        metavar=("MIN", "MAX"),
        help="kill at a random time this many seconds into each round (2 6)",
    )
    p.add_argument("--single-workers", type=int, default=6, help="connections POSTing one (6)")
    p.add_argument("--batch-workers", type=int, default=2, help="connections POSTing batches (2)")
    p.add_argument("--batch-size", type=int, default=50, help="statements per batch (50)")
    p.add_argument(
        "--kill-group",
        action="store_true",
        help="kill the server's child processes (a writer, say) together with it; by default"
        " only the server process is killed and children still alive 5 s later are reported",
    )
    p.add_argument(
        "--sqlite-synchronous",
        choices=("FULL", "NORMAL"),
        help="run the server with PROFICIO_SQLITE_SYNCHRONOUS set to this",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = RESULTS / f"durability-{args.db}-{stamp}.json"
    log_path = out.with_suffix(".server.log")
    env = {}
    if args.sqlite_synchronous:
        env["PROFICIO_SQLITE_SYNCHRONOUS"] = args.sqlite_synchronous
    rng = random.Random(f"durability:{args.seed}")
    vocab = Vocabulary.build(seed=args.seed, actors=2_000)
    gen = StatementGenerator(vocab, seed=args.seed, stream=f"durability-{stamp}")
    ledger = Ledger()
    report: dict[str, Any] = {
        "db": args.db,
        "args": vars(args),
        "machine": machine(),
        "git": git_state(),
        "rounds": [],
    }
    problems: list[str] = []
    db = TempDatabase.create(args.db, pg_url=args.pg_url)
    try:
        key, secret = create_credential(db.url)
        headers = {"Authorization": basic_auth(key, secret), **HEADERS_VERSION}
        for n in range(1, args.rounds + 1):
            server = Server(db.url, log_path, env=env)
            server.start()
            kill_after = rng.uniform(*args.kill_after)
            try:
                counts = asyncio.run(
                    load_until_killed(server, headers, gen, ledger, args, kill_after)
                )
            finally:
                server.stop()  # a no-op once killed; otherwise (interrupted) stops it
            report["rounds"].append({"round": n, "killed_after_s": round(kill_after, 2), **counts})
            print(
                f"round {n}: killed after {kill_after:.1f}s; {counts['acked']:,} acknowledged,"
                f" {counts['in_doubt']:,} in flight",
                file=sys.stderr,
            )
        server = Server(db.url, log_path, env=env)
        server.start()
        try:
            acked = asyncio.run(verify(server, headers, ledger.acked))
            doubt = asyncio.run(verify(server, headers, ledger.in_doubt))
        finally:
            server.stop()
        report["acknowledged"] = acked
        report["in_flight"] = doubt["counts"]
        if db.kind == "sqlite":
            report["integrity_check"] = integrity_check(db.url)
            if report["integrity_check"] != "ok":
                problems.append(f"integrity_check: {report['integrity_check']}")
    except BenchError as exc:
        problems.append(str(exc))
    finally:
        if args.keep:
            report["kept_database"] = db.url
        else:
            db.drop()
    report["client_errors"] = ledger.errors
    report["client_error_bodies"] = ledger.error_bodies
    report["server_log_problems"] = log_problems(log_path)
    counts = report.get("acknowledged", {}).get("counts", {})
    for what in ("missing", "different", "errors"):
        if counts.get(what):
            problems.append(f"{counts[what]} acknowledged statements {what}")
    report["problems"] = problems
    out.write_text(json.dumps(report, indent=2, default=str))

    print(f"\nkill -9 durability ({args.db}, {args.rounds} rounds):")
    print(f"  acknowledged:           {len(ledger.acked):,}")
    for what in ("present", "missing", "different", "errors"):
        print(f"    {what + ':':<22}{counts.get(what, 0):,}")
    if "in_flight" in report:
        print(
            f"  in flight at a kill:    {len(ledger.in_doubt):,}"
            f" ({report['in_flight']['present']:,} were stored anyway)"
        )
    if "integrity_check" in report:
        print(f"  integrity_check:        {report['integrity_check']}")
    outlived = [r["children_outlived_kill"] for r in report["rounds"]]
    if any(outlived):
        print(
            f"  WARNING: server child processes still alive 5 s after kill -9: {outlived}"
            " per round (then killed)"
        )
    if ledger.errors:
        print(f"  client-side errors:     {ledger.errors}")
        for body in ledger.error_bodies:
            print(f"    {body}")
    print(f"\nJSON: {out}")
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print("OK: every acknowledged statement survived")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_signal)  # so `kill PID` still cleans up
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("durability.py: stopped", file=sys.stderr)
        sys.exit(130)
