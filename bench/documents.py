"""State resource round trips: each of `--concurrency` connections PUTs a learner's state
(a ~1 kB JSON bookmark, as SCORM/cmi5 content saves it) and GETs it back, for `--seconds`.

    .venv/bin/python bench/documents.py --db sqlite
    .venv/bin/python bench/documents.py --db postgres

Reports round trips/s (one PUT plus one GET each), requests/s, and p50/p95 per request.
Exit 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rawhttp import HttpConnection
from server import serving

ACTIVITY = "http://example.com/courses/ai-prompting/module-3"


def state_target(learner: int) -> str:
    params = {
        "activityId": ACTIVITY,
        "agent": json.dumps(
            {"account": {"homePage": "http://hr.example.com", "name": f"e{learner}"}}
        ),
        "registration": f"00000000-0000-4000-8000-{learner:012d}",
        "stateId": "bookmark",
    }
    return "/xapi/activities/state?" + urllib.parse.urlencode(params)


async def worker(
    port: int, headers: dict[str, str], first: int, stop_at: float, latencies: list[float]
) -> tuple[int, int]:
    conn = HttpConnection(port, headers=headers)
    done = failed = 0
    learner = first
    while time.monotonic() < stop_at:
        target = state_target(learner)
        body = json.dumps({"location": f"slide-{done}", "suspend_data": "x" * 900}).encode()
        for method, payload in (("PUT", body), ("GET", None)):
            started = time.perf_counter()
            response = await conn.request(method, target, payload)
            latencies.append(time.perf_counter() - started)
            if response.status >= 300:
                failed += 1
        done += 1
        learner += 1
    conn.close()
    return done, failed


async def run(
    port: int, headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    results = await asyncio.gather(
        *(worker(port, headers, i * 1_000_000, stop_at, latencies) for i in range(concurrency))
    )
    elapsed = time.monotonic() - started
    trips = sum(done for done, _ in results)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "round_trips_per_s": trips / elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": quantiles[49] * 1000,
        "p95_ms": quantiles[94] * 1000,
        "failed": sum(failed for _, failed in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with serving(args.db, f"documents-{args.db}.server.log") as (server, headers):
        result = asyncio.run(run(server.port, headers, args.concurrency, args.seconds))
    print(
        f"State PUT+GET round trips ({args.db}, c={args.concurrency}, {args.seconds:.0f}s): "
        f"{result['round_trips_per_s']:,.0f}/s ({result['requests_per_s']:,.0f} requests/s), "
        f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms per request, "
        f"{result['failed']} failed"
    )
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
