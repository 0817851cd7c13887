"""The progress engine at volume (issue 5) on SQLite: a full rebuild, one cohort's aggregate,
what judging a learner costs, and how far levels lag behind statements arriving through the
API at 5,000/s.

    nice .venv/bin/python bench/progress.py --keep /var/tmp/proficio-progress      # full
    .venv/bin/python bench/progress.py --learners 500 --seconds 10                 # smoke

Targets: rebuild of 10,000 learners and 2,000,000 statements <= 60 s; cohort aggregate p95
<= 100 ms; p95 lag <= 1 s while ingest throughput drops <= 20 % against an idle engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from rawhttp import HttpConnection, basic_auth
from server import (
    HEADERS_VERSION,
    PROFICIO,
    Server,
    create_credential,
    git_state,
    machine,
    wait_for_quiet,
)

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ("rebuild", "aggregate", "judge", "lag")
COHORT = "ai-at-work-bench"
TOOLS = (("Copilot", "yes"), ("ChatGPT Enterprise", "yes"), ("Gemini", "no"))
MODULES = [("ai-safe-use", "safe-use")] + [
    (m, m) for m in ("prompting-basics", "verifying-outputs", "workflow-design")
]  # LMS course and module: module/COURSE/MODULE
BEHAVIOURS = "reviews-outputs protects-data uses-on-workflow escalates-uncertain coaches-others"
WORKFLOWS = ("month-end-commentary", "email-triage", "meeting-notes", "contract-review")
HEADERS = {  # the statement files, in import order (usage, the largest, last)
    "lms": "person,course_id,module_id,outcome,score,timestamp",
    "survey": "person,wave,submitted_on,confidence,understands_approved_tools,aware_of_data_rules",
    "observation": "person,observer,behaviour,rating,date",
    "workflow": "person,workflow,repeatable,minutes_saved,date",
    "office-hours": "person,question,date,answered_by",
    "usage": "person,date,tool,active,prompts,approved",
}
# Share of learners whose evidence reaches each level: none, awareness ... leadership.
TIERS = (0.10, 0.15, 0.20, 0.20, 0.15, 0.12, 0.08)
REBUILDS: tuple[tuple[str, list[str]], ...] = (
    ("rebuild", []),
    ("rebuild_from_statements", ["--from-statements"]),
)
Pending = dict[str, tuple[int, int]]  # sampled person: POST sent, acknowledged (epoch µs)
DAYS = 120  # the span of the AI-usage evidence, ending today


def write_files(directory: Path, args: argparse.Namespace) -> list[Path]:
    """A roster, one cohort of everyone (started 90 days ago) and the statement files. Each
    learner gets a tier (`TIERS`) and evidence for the levels up to it only; AI-tool usage days
    fill up to `per_learner` statements."""
    learners, per_learner = args.learners, args.statements_per_learner
    rng = random.Random(args.seed)
    today = dt.date.today()
    files = {k: (directory / f"{k}.csv").open("w") for k in ("roster", *HEADERS)}
    files["roster"].write("person_id,name,email,department,role,location,manager_id,hire_date\n")
    for kind, header in HEADERS.items():
        files[kind].write(header + "\n")

    def emit(kind: str, *values: object) -> None:
        files[kind].write(",".join(map(str, values)) + "\n")

    def at(days_ago: float) -> str:
        moment = dt.datetime.combine(today, dt.time(12), dt.UTC) - dt.timedelta(days=days_ago)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    helpers: list[str] = []
    for p in range(learners):
        me, manager = f"P{p:06d}", "" if p == 0 else f"P{(p - 1) // 10:06d}"
        role = ("Analyst", "Engineer", "Team Lead")[p % 3]
        emit(
            "roster", f"{me},Person {p},p{p}@x.example,Dept {p % 8},{role},HQ,{manager},2022-01-01"
        )
        tier = rng.choices(range(7), TIERS)[0]
        for course, module in MODULES if tier else ():
            emit("lms", me, course, module, "completed", "", at(rng.uniform(40, 100)))
        quiz, exercise = ("passed" if tier else "failed"), ("passed" if tier >= 4 else "failed")
        emit("lms", me, "ai-safe-use", "safe-use-quiz", quiz, 80, at(rng.uniform(30, 95)))
        emit("lms", me, "verifying-outputs", "verification-exercise", exercise, 70, at(20))
        for wave, days_ago in (("baseline", 88), ("pulse 1", 45), ("pulse 2", 7)):
            low, high = (3, 5) if tier >= 2 and wave != "baseline" else (1, 2 if tier < 2 else 3)
            answers = (rng.randint(low, high) for _ in range(3))
            emit("survey", me, wave, at(days_ago + rng.random()), *answers)
        observations = max(1, per_learner // 20)
        for i in range(observations):
            rating = rng.randint(3, 5) if tier >= 4 else rng.randint(1, 5)
            observer, when = manager or "P000001", at(rng.uniform(1, 85))
            emit("observation", me, observer, BEHAVIOURS.split()[i % 5], rating, when)
        reports = (0, 1, 2, 15, 15, 15, 15)[tier] * per_learner // 200
        flows = rng.sample(WORKFLOWS, (1, 1, 1, 1, 1, 2, 3)[tier])
        for i in range(reports):  # over 60 days; two in three on their main workflow
            flow = flows[0] if i % 3 < 2 else flows[(i // 3) % len(flows)]
            emit("workflow", me, flow, "yes", rng.randint(5, 90), at(60 - i * 60 / reports))
        if tier == 6:
            helpers.append(me)
        days = per_learner - (4 if tier else 0) - 5 - observations - reports
        for slot in sorted(rng.sample(range(DAYS * 3), min(max(0, days), DAYS * 3))):
            tool, approved = TOOLS[slot % 3]
            day = today - dt.timedelta(days=slot // 3)
            emit("usage", me, day, tool, "yes", rng.randint(1, 60), approved)
    for i in range(3 * len(helpers)):  # each helper answers 3 questions: Leadership evidence
        helper, other = helpers[i % len(helpers)], rng.randrange(learners - 1)
        asker = f"P{other + (other >= int(helper[1:])):06d}"  # anyone but the helper
        emit("office-hours", asker, f"Question {i}", at(rng.uniform(1, 150)), helper)
    for f in files.values():
        f.close()
    (directory / "cohorts.yaml").write_text(cohort_file(learners, today))
    names = ["roster.csv", "cohorts.yaml", *(f"{k}.csv" for k in HEADERS)]
    return [directory / name for name in names]


def cohort_file(learners: int, today: dt.date) -> str:
    """One cohort of everyone, started 90 days ago, with a due date per LMS course."""
    start, end = today - dt.timedelta(days=90), today + dt.timedelta(days=60)
    members = ", ".join(f'"P{p:06d}"' for p in range(learners))
    due = ", ".join(
        f"{{name: {course}, date: {start + dt.timedelta(days=14 + 21 * i)}}}"
        for i, course in enumerate(dict.fromkeys(c for c, _ in MODULES))
    )
    return (
        f"cohorts:\n  - {{id: {COHORT}, name: AI at work bench cohort, program: ai-at-work, "
        f"start: {start}, end: {end}, due_dates: [{due}], members: [{members}]}}\n"
    )


def spread(values: list[float], unit: str, scale: float) -> dict[str, float | None]:
    """Median, 95th percentile and maximum (nearest rank); None for an infinite one."""
    ordered = sorted(values) or [float("nan")]
    picks = {"p50": ordered[len(ordered) // 2], "p95": ordered[int(len(ordered) * 0.95)]}
    picks["max"] = max((v for v in ordered if v < float("inf")), default=float("nan"))
    return {
        f"{k}_{unit}": round(v * scale, 2) if v < float("inf") else None for k, v in picks.items()
    }


def cached_database(args: argparse.Namespace, scratch: Path) -> tuple[Path, dict[str, Any]]:
    """The generated database: from `--keep DIR` when it is there, else built by importing the
    files with the CLI (each import also judges the levels it changed), and kept there."""
    name = f"progress-{args.learners}x{args.statements_per_learner}-s{args.seed}"
    home = args.keep or scratch
    home.mkdir(parents=True, exist_ok=True)
    db, meta = home / f"{name}.db", home / f"{name}.json"
    if db.exists() and meta.exists():
        print(f"reusing {db}", file=sys.stderr)
        return db, {**json.loads(meta.read_text()), "reused": True}
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):  # of an interrupted build
        leftover.unlink(missing_ok=True)
    print(f"building {db}", file=sys.stderr)
    made: dict[str, Any] = {"import_s": {}, "statements": 0, "built_on": str(dt.date.today())}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="proficio-progress-files-") as tmp:
        for path in write_files(Path(tmp), args):
            kind = {"roster": "hris", "cohorts": "cohorts"}.get(path.stem, path.stem)
            print(f"  import {kind} ({path.stat().st_size / 1e6:.0f} MB)", file=sys.stderr)
            t1 = time.monotonic()
            said = proficio("import", kind, str(path), "--db", str(db), "--json")
            made["import_s"][kind] = round(time.monotonic() - t1, 1)
            made["statements"] += json.loads(said.splitlines()[-1]).get("stored", 0)
    made["build_s"] = round(time.monotonic() - t0, 1)
    meta.write_text(json.dumps(made, indent=2))
    return db, {**made, "reused": False}


def proficio(*args: str) -> str:
    """Run `proficio ARGS`: what it printed, or exit with what it said went wrong."""
    done = subprocess.run([str(PROFICIO), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"proficio {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def timed_command(args: list[str]) -> dict[str, Any]:
    """Run `proficio ARGS`: wall time, and the child's CPU and peak resident memory (wait4)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([str(PROFICIO), *args], stdout=subprocess.PIPE, text=True)
    said = proc.stdout.read().strip() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"proficio {' '.join(args)} failed with status {proc.returncode}")
    cpu_s = round(usage.ru_utime + usage.ru_stime, 1)
    seconds, rss = round(time.monotonic() - t0, 1), round(usage.ru_maxrss / 1024)
    return {"seconds": seconds, "cpu_s": cpu_s, "peak_rss_mb": rss, "said": said}


def aggregate_latency(db: Path, repeats: int) -> dict[str, Any]:
    """`GET /api/progress/cohorts/{id}` server-side: the view its route calls, in-process."""
    from proficio.capture.profile import Profile
    from proficio.clitools import open_database
    from proficio.progress.commands import CLI_ACTOR
    from proficio.progress.service import Frameworks, now_us
    from proficio.progress.views import group_progress

    frameworks = Frameworks(Profile())
    ask: dict[str, Any] = {"actor": CLI_ACTOR, "kind": "cohort", "group_id": COHORT}
    ask["stalled_days"] = 21
    times, view = [], {}
    with open_database(str(db)) as database:
        for i in range(repeats + 3):  # three to warm the caches, not counted
            t0 = time.perf_counter()
            view = database.read_sync(
                lambda c: group_progress(c, frameworks=frameworks.current(c), at_us=now_us(), **ask)
            )
            if i >= 3:
                times.append(time.perf_counter() - t0)
    return {
        **spread(times, "ms", 1000),
        "size": view["group"]["size"],
        "distribution": {d["level"]: d["people"] for d in view["competencies"][0]["distribution"]},
    }


def judge_cost(db: Path, people: int) -> dict[str, Any]:
    """What judging costs per learner, as the server's worker judges a round (reading the
    evidence a judgement needs, the history before it and what is stored, and the engine),
    without writing: `people` learners drawn at random, each from the moment of their last
    judgement on, as after one new statement. In-process, on a read transaction."""
    from proficio.capture.profile import Profile
    from proficio.clitools import open_database
    from proficio.progress.service import Frameworks, judge_people, now_us
    from proficio.runtime import tune_runtime

    frameworks = Frameworks(Profile())
    chosen = [f"P{p:06d}" for p in random.Random(7).sample(range(10_000), people)]
    tune_runtime()  # as the server's judging worker does

    def one_round(conn: Any) -> float:
        at_us = now_us()
        t0 = time.perf_counter()
        judge_people(
            conn,
            person_ids=chosen,
            frameworks=frameworks.current(conn),
            at_us=at_us,
            starts=dict.fromkeys(chosen, at_us - 1_000_000),
        )
        return time.perf_counter() - t0

    with open_database(str(db)) as database:
        times = [database.read_sync(one_round) for _ in range(4)][1:]  # the first warms up
    return {"people": people, **spread([t / people for t in times], "us", 1e6)}


def statement_maker(learners: int, seed: int) -> Any:
    """Batches of `used` statements of an approved tool, timestamped now, as the usage importer
    words them (actors are accounts on Proficio's home page, so they name roster people)."""
    from proficio.capture.profile import Profile
    from proficio.settings import Settings

    settings = Settings()
    profile, home = Profile(settings.profile_namespace), settings.public_url
    template = {
        "verb": {"id": profile.verb("used"), "display": {"en-US": "used"}},
        "object": {
            "id": f"{home}/activities/ai-tool/Copilot",
            "definition": {"type": profile.activity_type("ai-tool"), "name": {"en": "Copilot"}},
        },
        "context": {"extensions": {profile.extension("approved-tool"): True}},
    }
    prompts, rng = profile.extension("prompts"), random.Random(seed)

    def batch(size: int, first: str | None) -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
        people = [first] if first else []
        people += [f"P{rng.randrange(learners):06d}" for _ in range(size - len(people))]
        return [
            {
                **template,
                "actor": {"account": {"homePage": home, "name": person}},
                "timestamp": now,
                "result": {"extensions": {prompts: rng.randint(1, 60)}},
            }
            for person in people
        ]

    return batch


def poll_lag(db: Path, pending: Pending, lags: list[float], stop: threading.Event) -> None:
    """Every 20 ms, on a read-only connection of its own: which sampled people (POSTed at
    `sent`, acknowledged at `acked`) have since been judged with that statement. Judged: off
    `progress_queue` (the batch queued them; only a round after it takes them off) with
    `progress_people.evaluated_us` >= `sent`. Not `evaluated_us >= acked`: a round in the same
    group commit as the batch judges them before the ack, and they would never count."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    query = "SELECT person_id, evaluated_us FROM progress_people WHERE person_id IN (%s)"
    query += " AND person_id NOT IN (SELECT person_id FROM progress_queue)"
    while not stop.wait(0.02):
        waiting, seen = dict(pending), time.time_ns() // 1000
        if not waiting:
            continue
        for person, evaluated in conn.execute(query % ",".join("?" * len(waiting)), [*waiting]):
            sent, acked = waiting[person]
            if evaluated >= sent:
                lags.append(max(0, seen - acked) / 1e6)
                del pending[person]
    conn.close()


async def ingest(port: int, headers: dict[str, str], args: Any, pending: Pending) -> Any:
    """POST batches at the offered `--rate` for `--seconds` (a batch every batch-size/rate s,
    sent late when the server is behind, none after the time is up). The first statement of
    each batch is for a learner of its own, while there are learners left: when it was sent
    and acknowledged goes into `pending`."""
    batch = statement_maker(args.learners, args.seed)
    sample = random.Random(args.seed).sample(
        [f"P{p:06d}" for p in range(args.learners)], k=args.learners
    )
    interval, slots, counts = args.batch_size / args.rate, iter(range(10**9)), [0, 0]
    t0 = time.monotonic()

    async def worker() -> None:
        conn = HttpConnection(port, headers=headers, timeout=300)
        try:
            while (slot := next(slots)) * interval < args.seconds:
                await asyncio.sleep(t0 + slot * interval - time.monotonic())
                if time.monotonic() - t0 >= args.seconds:
                    return
                first = sample[slot] if slot < len(sample) else None
                body, sent = orjson.dumps(batch(args.batch_size, first)), time.time_ns() // 1000
                resp = await conn.request("POST", "/xapi/statements", body)
                counts[resp.status != 200] += 1
                if resp.status == 200 and first:
                    pending[first] = sent, time.time_ns() // 1000
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    seconds = time.monotonic() - t0
    stored = counts[0] * args.batch_size
    return {
        "seconds": round(seconds, 1),
        "statements": stored,
        "failed_requests": counts[1],
        "per_s": round(stored / seconds),
    }


def lag_run(cache: Path, args: argparse.Namespace, *, interval: float) -> dict[str, Any]:
    """A server on a copy of the database judging levels every `interval` s (when fewer than
    a round's worth are due), under `ingest`, with `poll_lag` watching."""
    with tempfile.TemporaryDirectory(prefix="proficio-progress-lag-") as tmp:
        db = Path(tmp) / "lag.db"
        with contextlib.closing(sqlite3.connect(cache)) as conn:  # all of it in the main file
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(cache, db)
        # Judged afresh by this version (tallies included), nobody due at the start.
        proficio("progress", "rebuild", "--db", str(db))
        key, secret = create_credential(str(db))
        env = {"PROFICIO_PROGRESS_INTERVAL_SECONDS": str(interval)}
        server = Server(str(db), RESULTS / f"progress-lag-{interval:g}s.server.log", env=env)
        pending: Pending = {}
        lags: list[float] = []
        stop = threading.Event()
        poller = threading.Thread(target=poll_lag, args=(db, pending, lags, stop), daemon=True)
        # Quiet first: with a 60 s interval the second round must not fall in the ingest.
        busy = wait_for_quiet(max_wait=60)
        server.start()
        try:
            poller.start()
            began = time.time()
            headers = {**HEADERS_VERSION, "Authorization": basic_auth(key, secret)}
            got = asyncio.run(ingest(server.port, headers, args, pending))
            window = server.window(began, time.time())
            deadline = time.monotonic() + (args.lag_wait if interval < 60 else 0)
            while pending and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            poller.join(timeout=5)
            server.stop()
    cores = {k: round(v / got["seconds"], 2) for k, v in (window.get("cpu_s") or {}).items()}
    lag = spread(lags + [float("inf")] * len(pending), "s", 1)  # never judged: the slowest
    lag |= {"sampled": len(lags) + len(pending), "never_judged": len(pending)}
    return {
        **got,
        "lag": lag,
        "interval_s": interval,
        "busy_cores_before": busy,
        "cpu_cores": cores,
        "peak_rss_mb": window.get("peak_rss_mb"),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--learners", type=int, default=10_000)
    p.add_argument("--statements-per-learner", type=int, default=200)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--keep", type=Path, help="keep the generated database here; reuse it next time")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help=",".join(SCENARIOS))
    p.add_argument("--repeats", type=int, default=50, help="cohort aggregates timed (50)")
    p.add_argument("--rate", type=float, default=5000, help="offered statements/s (5,000)")
    p.add_argument("--seconds", type=float, default=30, help="ingest time, under 55 (30)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=4, help="connections (4)")
    p.add_argument("--lag-wait", type=float, default=120, help="wait for late judgements (120)")
    args = p.parse_args()
    RESULTS.mkdir(exist_ok=True)
    command = " ".join([".venv/bin/python", *sys.argv])
    report: dict[str, Any] = {
        "benchmark": "progress",
        "command": command,
        "machine": machine(),
        "git": git_state(),
        "results": {},
    }
    try:
        run(args, report)
    finally:  # what was measured, even when a scenario failed
        report["git_after"] = git_state()  # differs when src/ changed during the run
        out = RESULTS / f"progress-{time.strftime('%Y%m%dT%H%M%S')}.json"
        out.write_text(json.dumps(report, indent=2))
        print_report(report, out)
    return 0


def run(args: argparse.Namespace, report: dict[str, Any]) -> None:
    r = report["results"]
    with tempfile.TemporaryDirectory(prefix="proficio-progress-") as scratch:
        db, data = cached_database(args, Path(scratch))
        report["data"] = {**data, "db_mb": round(db.stat().st_size / 1e6)}
        if "rebuild" in args.scenarios:
            for name, extra in REBUILDS:
                busy = wait_for_quiet(max_wait=60)
                print(name, file=sys.stderr)
                r[name] = timed_command(["progress", "rebuild", "--db", str(db), *extra])
                r[name]["busy_cores_before"] = busy
        if "aggregate" in args.scenarios:
            print("cohort aggregate", file=sys.stderr)
            r["cohort_aggregate"] = aggregate_latency(db, args.repeats)
        if "judge" in args.scenarios:
            print("judging cost", file=sys.stderr)
            r["judge_per_learner"] = judge_cost(db, 500)
        if "lag" in args.scenarios:
            for name, interval in (("ingest_engine_idle", 60.0), ("ingest_engine_on", 0.25)):
                print(f"{name}: {args.rate:g}/s offered for {args.seconds:g} s", file=sys.stderr)
                r[name] = lag_run(db, args, interval=interval)


def print_report(report: dict[str, Any], out: Path) -> None:
    print(f"\n{report['command']}\n  {report['machine']}, git {report['git']}")
    if "data" in report:
        d = report["data"]
        print(f"  data: {d['statements']:,} statements, {d['db_mb']:,} MB, built {d['built_on']}")
    for name, s in report["results"].items():
        if name.startswith("rebuild"):
            print(
                f"  {name}: {s['seconds']} s, CPU {s['cpu_s']} s, peak RSS"
                f" {s['peak_rss_mb']} MB ({s['said']})"
            )
        elif name == "cohort_aggregate":
            print(f"  {name} of {s['size']:,}: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms")
        elif name == "judge_per_learner":
            print(f"  {name} ({s['people']} at a time): p50 {s['p50_us']} us, max {s['max_us']} us")
        else:
            print(
                f"  {name}: {s['per_s']:,} statements/s ({s['failed_requests']} failed),"
                f" lag {s['lag']}, CPU cores {s['cpu_cores']}"
            )
    print(f"JSON: {out}")


if __name__ == "__main__":
    sys.exit(main())
