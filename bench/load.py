"""Load benchmark: ingest and query throughput of a real `proficio serve` over HTTP.

    .venv/bin/python bench/load.py --db sqlite --stored 20000 --seconds 10
    .venv/bin/python bench/load.py --db postgres --stored 1000000

Starts its own server on a free 127.0.0.1 port with a throwaway database (a temp SQLite file,
or a fresh PostgreSQL database next to --pg-url), creates a credential, runs the scenarios,
prints a table and writes JSON (and the server's log) to bench/results/. Scenarios:

  batch   POST batches of --batch-size statements from --concurrency connections for
          --seconds (or --max-statements): statements/s and request latency.
  single  POST one statement per request from --single-concurrency connections for
          --seconds: requests/s, p50/p95 latency.
  query   preload through POST /xapi/statements until --stored statements are stored (the
          fastest way that is still the real API: big batches, a few connections), then
          --queries GETs filtered by agent+verb and by activity+since, limit=100, one at a
          time: p50/p95 latency.
The server's resident memory and CPU time are sampled every 0.25 s throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import statistics
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    wait_for_quiet,
)
from statements import StatementGenerator, Vocabulary

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ("batch", "single", "query")
MAX_CONSECUTIVE_FAILURES = 50
BUSY_ELSEWHERE = 0.25  # CPU cores used by unrelated processes that make a figure suspect
ERROR_SAMPLES = 3


@dataclass
class Tally:
    """What one scenario saw: latencies of answered requests, statuses, failures."""

    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    error_bodies: dict[int, list[str]] = field(default_factory=dict)
    items_ok: int = 0
    started: float = 0.0
    finished: float = 0.0
    client_cpu_s: float = 0.0
    consecutive_failures: int = 0

    def ok(self, status: int) -> bool:
        return 200 <= status < 300

    def record(self, status: int, latency: float, body: bytes, items: int) -> None:
        self.statuses[status] += 1
        self.latencies.append(latency)
        if self.ok(status):
            self.items_ok += items
            self.consecutive_failures = 0
        else:
            self.consecutive_failures += 1
            samples = self.error_bodies.setdefault(status, [])
            if len(samples) < ERROR_SAMPLES:
                samples.append(body[:2000].decode(errors="replace"))

    def fail(self, reason: str) -> None:
        self.failures[reason] += 1
        self.consecutive_failures += 1

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)

    def summary(self) -> dict[str, Any]:
        lat = latency_summary(self.latencies)
        ok_requests = sum(n for s, n in self.statuses.items() if self.ok(s))
        return {
            "seconds": round(self.seconds, 2),
            "requests_ok": ok_requests,
            "requests_per_s": round(ok_requests / self.seconds, 1),
            "items_ok": self.items_ok,
            "items_per_s": round(self.items_ok / self.seconds, 1),
            "latency_ms": lat,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": dict(self.failures),
            "error_bodies": {str(k): v for k, v in self.error_bodies.items()},
            "client_cpu_s": round(self.client_cpu_s, 2),
        }


def latency_summary(values: list[float]) -> dict[str, float | None]:
    if len(values) < 2:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(q[49] * 1000, 2),
        "p95": round(q[94] * 1000, 2),
        "p99": round(q[98] * 1000, 2),
        "max": round(max(values) * 1000, 2),
        "mean": round(statistics.fmean(values) * 1000, 2),
    }


@dataclass
class Bench:
    """Shared by the scenarios: the server, how to reach it, the statement vocabulary."""

    server: Server
    headers: dict[str, str]
    vocab: Vocabulary
    args: argparse.Namespace
    stored: int = 0  # statements acknowledged so far, across scenarios
    seen: StoredLog | None = None

    def acknowledged(self, statements: list[dict[str, Any]]) -> None:
        self.stored += len(statements)
        if self.seen is None:
            self.seen = StoredLog(sample_every=max(1, self.args.stored // 20_000))
        self.seen.observe(statements, self.stored)

    def connection(self) -> HttpConnection:
        return HttpConnection(self.server.port, headers=self.headers, timeout=self.args.timeout)

    def generator(self, stream: str) -> StatementGenerator:
        return StatementGenerator(self.vocab, seed=self.args.seed, stream=stream)

    def check_alive(self) -> None:
        assert self.server.proc is not None
        if self.server.proc.poll() is not None:
            raise BenchError(
                f"the server exited with {self.server.proc.returncode} mid-run;"
                f" see {self.server.log_path}"
            )


async def timed(tally: Tally, workers: int, worker: Callable[[], Awaitable[None]]) -> Tally:
    """Run `workers` copies of `worker` concurrently and time them."""
    cpu0 = time.process_time()
    tally.started = time.time()
    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        tally.finished = time.time()
        tally.client_cpu_s = time.process_time() - cpu0
    return tally


async def post_batches(
    bench: Bench,
    tally: Tally,
    gen: StatementGenerator,
    *,
    concurrency: int,
    batch_size: int,
    total: int,
    seconds: float,
    on_stored: Callable[[], None] | None = None,
) -> Tally:
    """POST batches until `total` statements were sent or `seconds` passed."""
    remaining = total
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal remaining
        conn = bench.connection()
        try:
            while remaining > 0 and time.monotonic() < deadline:
                if tally.consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    bench.check_alive()
                    return
                take = min(batch_size, remaining)
                remaining -= take
                batch = gen.batch(take)
                body = orjson.dumps(batch)
                t0 = time.perf_counter()
                try:
                    resp = await conn.request("POST", "/xapi/statements", body)
                except (ConnectionLost, TimeoutError) as exc:
                    tally.fail(type(exc).__name__)
                    bench.check_alive()
                    continue
                tally.record(resp.status, time.perf_counter() - t0, resp.body, take)
                if tally.ok(resp.status):
                    bench.acknowledged(batch)
                    if on_stored is not None:
                        on_stored()
        finally:
            conn.close()

    return await timed(tally, concurrency, worker)


async def post_singles(bench: Bench, tally: Tally, *, concurrency: int, seconds: float) -> Tally:
    gen = bench.generator("single")
    remaining = bench.args.max_requests
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal remaining
        conn = bench.connection()
        try:
            while remaining > 0 and time.monotonic() < deadline:
                if tally.consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    bench.check_alive()
                    return
                remaining -= 1
                statement = gen.statement()
                body = orjson.dumps(statement)
                t0 = time.perf_counter()
                try:
                    resp = await conn.request("POST", "/xapi/statements", body)
                except (ConnectionLost, TimeoutError) as exc:
                    tally.fail(type(exc).__name__)
                    bench.check_alive()
                    continue
                tally.record(resp.status, time.perf_counter() - t0, resp.body, 1)
                if tally.ok(resp.status):
                    bench.acknowledged([statement])
        finally:
            conn.close()

    return await timed(tally, concurrency, worker)


@dataclass
class StoredLog:
    """Every acknowledged statement passes through here: a sample of them for the queries to
    ask about, and when each count was reached (for the preload rate curve and `since`)."""

    sample_every: int = 1
    checkpoints: list[tuple[float, int]] = field(default_factory=list)
    samples: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)
    seen: int = 0

    def observe(self, batch: list[dict[str, Any]], stored_now: int) -> None:
        for s in batch:
            self.seen += 1
            if self.seen % self.sample_every == 0:
                self.samples.append((s["actor"], s["verb"]["id"], s["object"]["id"]))
        self.checkpoints.append((time.time(), stored_now))


def agent_param(actor: dict[str, Any]) -> str:
    ifi = {k: actor[k] for k in ("mbox", "account", "mbox_sha1sum", "openid") if k in actor}
    return orjson.dumps({"objectType": "Agent", **ifi}).decode()


def iso_us(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")[:-6] + "Z"


async def preload(bench: Bench) -> dict[str, Any]:
    args = bench.args
    start = bench.stored
    need = max(0, args.stored - start)
    tally = Tally("preload")
    last_report = [time.monotonic()]

    def on_stored() -> None:
        if time.monotonic() - last_report[0] >= 15:
            last_report[0] = time.monotonic()
            rate = tally.items_ok / max(time.time() - tally.started, 1e-9)
            print(f"  preload {bench.stored:,}/{args.stored:,} ({rate:,.0f}/s)", file=sys.stderr)

    await post_batches(
        bench,
        tally,
        bench.generator("preload"),
        concurrency=args.preload_concurrency,
        batch_size=args.preload_batch,
        total=need,
        seconds=args.preload_timeout,
        on_stored=on_stored,
    )
    summary = tally.summary()
    # Ingest rate over the preload in tenths, to show whether it slows as the tables grow.
    curve = []
    checkpoints = bench.seen.checkpoints if bench.seen else []
    prev_t, prev_n = tally.started, start
    for i in range(1, 11):
        t, n = next(((t, n) for t, n in checkpoints if n >= start + need * i // 10), (None, None))
        if t is None or n is None or n == prev_n:
            continue
        curve.append({"stored": n, "per_s": round((n - prev_n) / max(t - prev_t, 1e-9))})
        prev_t, prev_n = t, n
    summary["rate_curve"] = curve
    summary["reached"] = bench.stored
    return summary


async def run_queries(bench: Bench, name: str, targets: list[str]) -> dict[str, Any]:
    """GET each target in turn on one connection: latency without queueing."""
    tally = Tally(name)
    returned: list[int] = []
    full_pages = 0
    deadline = time.monotonic() + bench.args.query_seconds
    conn = bench.connection()
    try:
        for target in targets[:10]:  # warm the connection and the caches; not measured
            with contextlib.suppress(ConnectionLost, TimeoutError):
                await conn.request("GET", target)
        tally.started = time.time()
        cpu0 = time.process_time()
        for target in targets:
            if time.monotonic() > deadline:
                tally.fail("query-seconds exceeded")
                break
            t0 = time.perf_counter()
            try:
                resp = await conn.request("GET", target)
            except (ConnectionLost, TimeoutError) as exc:
                tally.fail(type(exc).__name__)
                bench.check_alive()
                continue
            tally.record(resp.status, time.perf_counter() - t0, resp.body, 1)
            if resp.status == 200:
                page = orjson.loads(resp.body)
                returned.append(len(page["statements"]))
                full_pages += bool(page["more"])
        tally.finished = time.time()
        tally.client_cpu_s = time.process_time() - cpu0
    finally:
        conn.close()
    summary = tally.summary()
    if returned:
        summary["results_per_query"] = {
            "mean": round(statistics.fmean(returned), 1),
            "min": min(returned),
            "max": max(returned),
            "empty": sum(1 for r in returned if r == 0),
            "with_more_link": full_pages,
        }
    return summary


def query_targets(bench: Bench) -> dict[str, list[str]]:
    state = bench.seen
    if state is None or not state.samples:
        raise BenchError("nothing was stored, so there is nothing to query; see the error bodies")
    rng = random.Random(f"queries:{bench.args.seed}")
    picks = [rng.choice(state.samples) for _ in range(bench.args.queries)]
    # `since` when half of the statements were stored: about half of each activity's match.
    half = next(t for t, n in state.checkpoints if n >= bench.stored // 2)
    since = iso_us(half)
    by_agent_verb = [
        "/xapi/statements?"
        + urllib.parse.urlencode({"agent": agent_param(actor), "verb": verb, "limit": 100})
        for actor, verb, _ in picks
    ]
    by_activity_since = [
        "/xapi/statements?"
        + urllib.parse.urlencode({"activity": activity, "since": since, "limit": 100})
        for _, _, activity in picks
    ]
    return {"agent+verb": by_agent_verb, "activity+since": by_activity_since, "since": [since]}


async def scenarios(bench: Bench, report: dict[str, Any]) -> None:
    args = bench.args
    server = bench.server
    results = report["results"]

    def settle(name: str) -> None:
        # Blocks the event loop on purpose: nothing else runs between scenarios.
        if args.quiet_wait > 0:
            t0 = time.monotonic()
            busy = wait_for_quiet(max_wait=args.quiet_wait)
            report.setdefault("quiet_wait", {})[name] = {
                "waited_s": round(time.monotonic() - t0, 1),
                "busy_cores": busy,
            }
            if busy >= 0.3:
                print(f"  note: the machine is still busy ({busy} cores)", file=sys.stderr)

    async def measure(name: str, run: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        """Run a scenario; once more if unrelated processes were busy during it."""
        for attempt in (1, 2):
            settle(name)
            t0 = time.time()
            got = await run()
            got.update(server.window(t0, time.time()))
            if got["cpu_s"] is not None:
                got["cpu_cores"] = {
                    k: round(v / got["seconds"], 2) for k, v in got["cpu_s"].items()
                }
            skewed = (got.get("cpu_cores") or {}).get("other", 0) > BUSY_ELSEWHERE
            if skewed and attempt == 1 and name != "preload":
                print(f"  {name}: other processes were busy; running it again", file=sys.stderr)
                report.setdefault("skewed_attempts", {})[name] = got
                continue
            results[name] = got
            return

    async def batch() -> dict[str, Any]:
        print(
            f"batch: {args.batch_size}/request, c={args.concurrency}, {args.seconds}s",
            file=sys.stderr,
        )
        tally = await post_batches(
            bench,
            Tally("batch"),
            bench.generator("batch"),
            concurrency=args.concurrency,
            batch_size=args.batch_size,
            total=args.max_statements,
            seconds=args.seconds,
        )
        return tally.summary()

    async def single() -> dict[str, Any]:
        print(f"single: c={args.single_concurrency}, {args.seconds}s", file=sys.stderr)
        tally = await post_singles(
            bench, Tally("single"), concurrency=args.single_concurrency, seconds=args.seconds
        )
        return tally.summary()

    async def load() -> dict[str, Any]:
        print(
            f"preload to {args.stored:,} (batch {args.preload_batch},"
            f" c={args.preload_concurrency})",
            file=sys.stderr,
        )
        return await preload(bench)

    def query(name: str, urls: list[str]) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def run() -> dict[str, Any]:
            print(f"query {name}: {len(urls)} GETs at {bench.stored:,} stored", file=sys.stderr)
            got = await run_queries(bench, name, urls)
            got["stored"] = bench.stored
            return got

        return run

    if "batch" in args.scenarios:
        await measure("batch", batch)
    if "single" in args.scenarios:
        await measure("single", single)
    if "query" in args.scenarios:
        await measure("preload", load)
        targets = query_targets(bench)
        results["query_since"] = targets.pop("since")[0]
        for name, urls in targets.items():
            await measure(f"get {name}", query(name, urls))


def fmt_ms(lat: dict[str, Any]) -> str:
    if lat.get("p50") is None:
        return "-"
    return f"p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms"


def print_table(report: dict[str, Any]) -> None:
    r = report["results"]
    a = report["args"]
    rows: list[tuple[str, str, str]] = []

    def cpu(s: dict[str, Any]) -> str:
        cores = s.get("cpu_cores")
        if not cores:
            return ""
        text = "; CPU cores: " + ", ".join(
            f"{k} {v:.2f}" for k, v in cores.items() if k != "unattributed" and v >= 0.01
        )
        if cores["other"] > BUSY_ELSEWHERE:
            text += " (OTHER PROCESSES WERE BUSY: figure skewed)"
        return text

    def errors(s: dict[str, Any]) -> str:
        bad = {k: v for k, v in s["statuses"].items() if not k.startswith("2")}
        bad.update(s["failures"])
        return "no errors" if not bad else "ERRORS " + json.dumps(bad)

    if "batch" in r:
        s = r["batch"]
        rows.append(
            (
                f"batched ingest ({a['batch_size']}/req, c={a['concurrency']})",
                f"{s['items_per_s']:,.0f} statements/s",
                f"{fmt_ms(s['latency_ms'])} per request; {errors(s)}{cpu(s)}",
            )
        )
    if "single" in r:
        s = r["single"]
        rows.append(
            (
                f"single POST (c={a['single_concurrency']})",
                f"{s['requests_per_s']:,.0f} req/s",
                f"{fmt_ms(s['latency_ms'])}; {errors(s)}{cpu(s)}",
            )
        )
    if "preload" in r and not r["preload"]["items_ok"]:
        rows.append(("preload", "not needed", f"{r['preload']['reached']:,} already stored"))
    elif "preload" in r:
        s = r["preload"]
        rows.append(
            (
                f"preload {s['items_ok']:,} more to {s['reached']:,}"
                f" ({a['preload_batch']}/req, c={a['preload_concurrency']})",
                f"{s['seconds']:,.1f} s",
                f"{s['items_per_s']:,.0f} statements/s; {errors(s)}{cpu(s)}",
            )
        )
    for name in ("agent+verb", "activity+since"):
        s = r.get(f"get {name}")
        if s:
            res = s.get("results_per_query", {})
            rows.append(
                (
                    f"GET {name} limit=100 @ {s['stored']:,}",
                    fmt_ms(s["latency_ms"]),
                    f"{res.get('mean', 0)} results/query avg, {res.get('empty', 0)} empty;"
                    f" {errors(s)}{cpu(s)}",
                )
            )
    rows.append(
        (
            "peak server RSS",
            f"{report['peak_rss_mb']} MB",
            f"sampled every 0.25 s, all server processes; VmHWM sum {report['rss_hwm_sum_mb']} MB",
        )
    )
    for name, mb in (report.get("peak_rss_by_process_mb") or {}).items():
        rows.append((f"  peak of {name}"[:60], f"{mb} MB", ""))
    width = max(len(x[0]) for x in rows)
    width2 = max(len(x[1]) for x in rows)
    print(f"\nProficio load benchmark: {report['db']}, {report['machine']}")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>{width2}}  {note}")
    for key, s in r.items():
        if isinstance(s, dict) and s.get("error_bodies"):
            print(f"\n{key}: error responses (first {ERROR_SAMPLES} per status):")
            for status, bodies in s["error_bodies"].items():
                for b in bodies:
                    print(f"  {status}: {b[:500]}")
    if report["server_log_problems"]:
        print("\nserver log problems:")
        for line in report["server_log_problems"]:
            print("  " + line)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Scenarios: " + __doc__.split("Scenarios:")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="PostgreSQL server to create the throwaway database on (default: %(default)s)",
    )
    p.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="comma-separated subset of batch,single,query (default: all)",
    )
    p.add_argument("--seconds", type=float, default=30, help="duration of batch and single (30)")
    p.add_argument("--concurrency", type=int, default=4, help="connections for batch (4)")
    p.add_argument("--batch-size", type=int, default=100, help="statements per batch POST (100)")
    p.add_argument(
        "--max-statements",
        type=int,
        default=10_000_000,
        help="stop batch after this many statements, if before --seconds",
    )
    p.add_argument("--single-concurrency", type=int, default=8, help="connections for single (8)")
    p.add_argument(
        "--max-requests",
        type=int,
        default=10_000_000,
        help="stop single after this many requests, if before --seconds",
    )
    p.add_argument(
        "--stored",
        type=int,
        default=1_000_000,
        help="statements stored before the queries run (1,000,000)",
    )
    p.add_argument(
        "--preload-batch", type=int, default=1000, help="statements per preload POST (1000)"
    )
    p.add_argument("--preload-concurrency", type=int, default=2, help="preload connections (2)")
    p.add_argument(
        "--preload-timeout",
        type=float,
        default=3600,
        help="give up preloading after this many seconds (3600)",
    )
    p.add_argument("--queries", type=int, default=300, help="GETs per filter (300)")
    p.add_argument("--query-seconds", type=float, default=600, help="time limit per filter (600)")
    p.add_argument("--actors", type=int, default=10_000, help="distinct actors (10,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=120, help="per-request timeout in s (120)")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each scenario, wait up to this many s for other processes to go quiet"
        " (under 0.3 busy CPUs); 0 skips (default: %(default)s)",
    )
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument(
        "--profile",
        action="store_true",
        help="run the server under bench/profile_server.py (stack sampling; a few %% slower)"
        " and write where its threads spend their time next to the JSON",
    )
    p.add_argument(
        "--out", type=Path, help="JSON output (default: bench/results/load-DB-TIME.json)"
    )
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario {sorted(unknown)[0]}; choose from {', '.join(SCENARIOS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = args.out or RESULTS / f"load-{args.db}-{stamp}.json"
    log_path = out.with_suffix(".server.log")
    report: dict[str, Any] = {
        "db": args.db,
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "machine": machine(),
        "git": git_state(),
        "started": stamp,
        "results": {},
    }
    if report["machine"]["loadavg_1m"] > 0.5:
        print(
            f"note: load average is {report['machine']['loadavg_1m']} before starting",
            file=sys.stderr,
        )
    db = TempDatabase.create(args.db, pg_url=args.pg_url)
    profile_path = out.with_suffix(".profile.txt") if args.profile else None
    server = Server(db.url, log_path, profile_to=profile_path)
    try:
        key, secret = create_credential(db.url)
        server.start()
        headers = {"Authorization": basic_auth(key, secret), **HEADERS_VERSION}
        vocab = Vocabulary.build(seed=args.seed, actors=args.actors)
        bench = Bench(server, headers, vocab, args)
        try:
            asyncio.run(scenarios(bench, report))
        finally:
            last = server.sample()
            report["peak_rss_mb"] = server.peak_rss_mb()
            report["peak_rss_by_process_mb"] = server.peak_rss_by_process_mb()
            report["rss_hwm_sum_mb"] = round(last.hwm_kb / 1024, 1) if last else None
            report["stored_total"] = bench.stored
            report["db_bytes"] = db.size_bytes()
            report["machine_after"] = machine()
    finally:
        server.stop()
        if server.leftovers:
            report["server_children_left_running"] = server.leftovers
        report["server_log_problems"] = log_problems(log_path)
        if args.keep:
            report["kept_database"] = db.url
            print(f"kept the database: {db.url}", file=sys.stderr)
        else:
            db.drop()
        out.write_text(json.dumps(report, indent=2, default=str))
    print_table(report)
    print(f"\nJSON: {out}\nserver log: {log_path}")
    if profile_path is not None:
        print(f"profile: {profile_path}")
    bad = any(
        isinstance(s, dict)
        and (s.get("failures") or any(not k.startswith("2") for k in s.get("statuses", {})))
        for s in report["results"].values()
    )
    return 1 if bad else 0


if __name__ == "__main__":
    # Background jobs ignore SIGINT: let `kill PID` stop a run cleanly too (server stopped,
    # database dropped, JSON written).
    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"load.py: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("load.py: stopped; server stopped, database removed unless --keep", file=sys.stderr)
        sys.exit(130)
