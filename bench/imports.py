"""Import a large AI-usage file (one row per person per day) with `proficio import usage` and
report rows per second, the peak resident memory of the importing processes, and where the CPU
went; then import it again (every statement already stored).

    .venv/bin/python bench/imports.py --rows 1000000 --db sqlite

Issue 4's target: 1,000,000 rows at >= 10,000 rows/s in <= 300 MB on SQLite. The file and the
database are made in a temporary directory and removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import cpu
from server import PROFICIO, TempDatabase, git_state, machine, wait_for_quiet

TOOLS = (("Copilot", "yes"), ("ChatGPT Enterprise", "yes"), ("Gemini", "no"))
FEATURES = ("chat", "summarise", "draft", "code", "analyse")


def write_files(directory: Path, *, rows: int, people: int, seed: int) -> tuple[Path, Path]:
    """A roster of `people` and a usage file of `rows` active days spread over them."""
    rng = random.Random(seed)
    roster = directory / "roster.csv"
    with roster.open("w") as out:
        out.write("person_id,name,email,department,role,location,manager_id,hire_date\n")
        for p in range(people):
            manager = "" if p == 0 else f"P{(p - 1) // 10:06d}"
            out.write(
                f"P{p:06d},Person {p},p{p}@bench.example,Dept {p % 8},Analyst,HQ,{manager},"
                "2022-01-01\n"
            )
    usage = directory / "usage.csv"
    start = dt.date(2024, 1, 1)
    days = -(-rows // people)
    with usage.open("w") as out:
        out.write("person,date,tool,active,sessions,prompts,features,approved\n")
        written = 0
        for d in range(days):
            day = (start + dt.timedelta(days=d)).isoformat()
            for p in range(people):
                if written == rows:
                    break
                tool, approved = TOOLS[rng.randrange(3)]
                features = ";".join(rng.sample(FEATURES, rng.randint(1, 3)))
                out.write(
                    f"P{p:06d},{day},{tool},yes,{rng.randint(1, 6)},{rng.randint(1, 60)},"
                    f"{features},{approved}\n"
                )
                written += 1
    return roster, usage


def run_import(args: list[str]) -> dict[str, Any]:
    """Run one `proficio` command, sampling the memory of its process tree every 0.1 s."""
    meter = cpu.CpuMeter()
    started = time.monotonic()
    proc = subprocess.Popen([str(PROFICIO), *args], stdout=subprocess.PIPE, text=True)
    peak = {"main_kb": 0, "tree_kb": 0, "processes": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            meter.tick(proc.pid)
            main = tree = 0
            for pid in meter.server_tree:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                rss = next(
                    (
                        int(line.split()[1])
                        for line in status.splitlines()
                        if line.startswith("VmRSS:")
                    ),
                    0,
                )
                tree += rss
                if pid == proc.pid:
                    main = rss
            peak["main_kb"] = max(peak["main_kb"], main)
            peak["tree_kb"] = max(peak["tree_kb"], tree)
            peak["processes"] = max(peak["processes"], len(meter.server_tree))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"proficio {' '.join(args)} failed with status {proc.returncode}")
    cpu_s = meter.tick(None)
    return {
        "report": json.loads(out.strip().splitlines()[-1]),
        "seconds": round(elapsed, 2),
        "peak_rss_mb_importer": round(peak["main_kb"] / 1024, 1),
        "peak_rss_mb_all_processes": round(peak["tree_kb"] / 1024, 1),
        "processes": peak["processes"],
        "cpu_s": {k: round(v, 1) for k, v in cpu_s.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="proficio-import-bench-") as tmp:
        roster, usage = write_files(
            Path(tmp), rows=options.rows, people=options.people, seed=options.seed
        )
        file_mb = round(usage.stat().st_size / 1e6, 1)
        database = TempDatabase.create(options.db)
        try:
            subprocess.run(
                [str(PROFICIO), "import", "hris", str(roster), "--db", database.url],
                check=True,
                capture_output=True,
            )
            quiet = wait_for_quiet(max_wait=60)
            command = ["import", "usage", str(usage), "--db", database.url, "--json"]
            first = run_import(command)
            again = run_import(command)
            size = database.size_bytes()
        finally:
            database.drop()
    rows = first["report"]["rows"]
    result = {
        "benchmark": "imports",
        "db": options.db,
        "rows": rows,
        "file_mb": file_mb,
        "rows_per_s": round(rows / first["seconds"]),
        "first": first,
        "reimport_rows_per_s": round(rows / again["seconds"]),
        "reimport": again,
        "database_mb": round(size / 1e6, 1) if size else None,
        "machine_busy_cores_before": quiet,
        "machine": machine(),
        "git": git_state(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
