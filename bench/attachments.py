"""Statements with attachments: each of `--concurrency` connections POSTs batches of 100
statements, each carrying one distinct 10 kB attachment (an assignment submission), as one
multipart/mixed request, until `--batches` batches (built before the clock starts) are sent.

    .venv/bin/python bench/attachments.py --db sqlite
    .venv/bin/python bench/attachments.py --db sqlite --store directory
    .venv/bin/python bench/attachments.py --db postgres

Reports statements/s, attachment MB/s and p50/p95 per batch. Exit 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rawhttp import HttpConnection
from server import serving

BATCH = 100
BODY_BYTES = 10 * 1024
BOUNDARY = "proficio-bench-boundary"


def batch_body(learner: int) -> bytes:
    """100 statements and their 100 bodies as one multipart/mixed request."""
    statements = []
    parts = []
    for i in range(BATCH):
        data = os.urandom(BODY_BYTES)
        sha2 = hashlib.sha256(data).hexdigest()
        statements.append(
            {
                "id": str(uuid.uuid4()),
                "actor": {"account": {"homePage": "http://hr.example.com", "name": f"e{learner}"}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                "object": {"id": f"http://example.com/assignments/prompt-review/{i % 12}"},
                "attachments": [
                    {
                        "usageType": "http://id.tincanapi.com/attachment/supporting_media",
                        "display": {"en-US": "submission"},
                        "contentType": "application/octet-stream",
                        "length": len(data),
                        "sha2": sha2,
                    }
                ],
            }
        )
        parts.append(
            f"\r\n--{BOUNDARY}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
            + data
        )
    head = f"--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n".encode()
    return (
        head
        + json.dumps(statements).encode()
        + b"".join(parts)
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


async def worker(
    port: int, headers: dict[str, str], bodies: list[bytes], latencies: list[float]
) -> tuple[int, int]:
    conn = HttpConnection(port, headers=headers)
    stored = failed = 0
    content_type = f'multipart/mixed; boundary="{BOUNDARY}"'
    while bodies:
        body = bodies.pop()
        started = time.perf_counter()
        response = await conn.request("POST", "/xapi/statements", body, content_type=content_type)
        latencies.append(time.perf_counter() - started)
        if response.status == 200:
            stored += BATCH
        else:
            failed += 1
            print(f"failed: {response.status} {response.body[:200]!r}", file=sys.stderr)
    conn.close()
    return stored, failed


async def run(
    port: int, headers: dict[str, str], concurrency: int, bodies: list[bytes]
) -> dict[str, float]:
    """Send every prepared batch over `concurrency` connections; wall-clock throughput."""
    latencies: list[float] = []
    started = time.monotonic()
    results = await asyncio.gather(
        *(worker(port, headers, bodies, latencies) for _ in range(concurrency))
    )
    elapsed = time.monotonic() - started
    stored = sum(s for s, _ in results)
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "statements_per_s": stored / elapsed,
        "mb_per_s": stored * BODY_BYTES / elapsed / 1e6,
        "statements": stored,
        "p50_ms": quantiles[9] * 1000,
        "p95_ms": quantiles[18] * 1000,
        "failed": sum(f for _, f in results),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--store", choices=["database", "directory"], default="database")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--batches", type=int, default=100, help="batches of 100 to send")
    args = parser.parse_args()
    store_dir = tempfile.mkdtemp(prefix="proficio-bench-bodies-")
    env = {"PROFICIO_ATTACHMENT_STORE": store_dir} if args.store == "directory" else {}
    try:
        with serving(args.db, f"attachments-{args.db}.server.log", env=env) as (server, headers):
            # Built before the clock starts: the client's work is not the server's time.
            bodies = [batch_body(i) for i in range(args.batches)]
            result = asyncio.run(run(server.port, headers, args.concurrency, bodies))
    finally:
        shutil.rmtree(store_dir, ignore_errors=True)
    print(
        f"Statements with one 10 kB attachment each, batches of {BATCH} ({args.db}, "
        f"bodies in {args.store}, c={args.concurrency}): {result['statements_per_s']:,.0f} "
        f"statements/s ({result['mb_per_s']:.1f} MB/s of attachments), {result['statements']:,.0f} "
        f"statements, p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms per batch, "
        f"{result['failed']} failed"
    )
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
