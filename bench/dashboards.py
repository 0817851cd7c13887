"""The role dashboards at volume (issue 6) on SQLite: 10,000 learners and 2,000,000 statements
(the progress benchmark's database), each role's main page timed over HTTP and in Chromium,
and a PDF of about 2,000 compliance rows.

    nice .venv/bin/python bench/dashboards.py --keep /var/tmp/proficio-progress

Targets: each role's main page <= 300 ms server time (p95) and <= 1.5 s to fully rendered in
Chromium; a PDF of 2,000 compliance rows <= 10 s. Server time is measured as the whole
request over loopback (an upper bound); the first request after a change of data fills the
page cache and is reported on its own ("cold").
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
from playwright.sync_api import sync_playwright

import progress as progress_bench
from proficio.auth.accounts import create_account, list_accounts, set_password
from proficio.auth.passwords import generate_password
from proficio.storage.database import Database
from server import Server, create_credential, git_state, machine, wait_for_quiet

RESULTS = Path(__file__).resolve().parent / "results"
ROLES = {  # role -> (person the account is, main page)
    "learner": ("P005011", "/me"),
    "manager": ("P000050", "/team"),
    "enablement": (None, "/program"),
    "compliance": (None, "/compliance"),
}
PDF_ROWS = 2000


def prepare(db: Path, learners: int) -> dict[str, tuple[str, str]]:
    """The cohort's due dates (compliance needs them) and one account per role."""
    with tempfile.TemporaryDirectory() as tmp:
        cohorts = Path(tmp) / "cohorts.yaml"
        cohorts.write_text(progress_bench.cohort_file(learners, progress_bench.dt.date.today()))
        progress_bench.proficio("import", "cohorts", str(cohorts), "--db", str(db))
    progress_bench.proficio("progress", "refresh", "--db", str(db))
    logins = {}
    database = Database(f"sqlite:///{db}")
    try:
        with database.transaction() as tx:
            known = {a.email for a in list_accounts(tx.conn)}
            for role, (person, _page) in ROLES.items():
                email, password = f"bench-{role}@x.example", generate_password()
                if email in known:
                    set_password(tx.conn, email=email, password=password)
                else:
                    create_account(
                        tx.conn, email=email, password=password, roles=[role], person_id=person
                    )
                logins[role] = (email, password)
    finally:
        database.close()
    return logins


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"n": len(ordered), "p50_ms": at(0.5), "p95_ms": at(0.95), "max_ms": at(1.0)}


def sign_in(base: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    response = client.post("/api/session", json={"email": email, "password": password})
    response.raise_for_status()
    return client


class Trickle:
    """LMS completions posted to the LRS while pages are timed, one every `interval` seconds:
    each moves the version of the required-training figures, as a live LMS would all day."""

    def __init__(self, base: str, credential: tuple[str, str], interval: float) -> None:
        self.client = httpx.Client(
            base_url=base,
            auth=credential,
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=60,
        )
        self.interval = interval
        self.posted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        home = "http://localhost:8000"
        while not self._stop.wait(self.interval):
            person = f"P{random.randrange(10_000):06d}"
            statement = {
                "actor": {"objectType": "Agent", "account": {"homePage": home, "name": person}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"id": f"{home}/activities/module/prompting-basics/prompting-basics"},
            }
            if self.client.post("/xapi/statements", json=statement).status_code == 200:
                self.posted += 1

    def __enter__(self) -> Trickle:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def page_times(base: str, logins: dict[str, tuple[str, str]], repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for role, (_person, path) in ROLES.items():
        client = sign_in(base, *logins[role])
        started = time.perf_counter()
        first = client.get(path, follow_redirects=True)
        cold = time.perf_counter() - started
        first.raise_for_status()
        target = str(first.url).removeprefix(base)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(target).raise_for_status()
            times.append(time.perf_counter() - started)
        out[role] = {"page": target, "cold_ms": round(cold * 1000, 1), **spread(times)}
        print(f"  {role:<11} {target:<22} {out[role]}", file=sys.stderr)
    return out


def browser_times(base: str, logins: dict[str, tuple[str, str]], repeats: int) -> dict[str, Any]:
    """From navigation start to the load event (every image and style in), in Chromium."""
    chromium = shutil.which("chromium")
    if chromium is None:
        return {"skipped": "install Chromium (Debian: apt-get install chromium)"}
    out: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        for role, (_person, path) in ROLES.items():
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(base + "/sign-in")
            page.fill("#email", logins[role][0])
            page.fill("#password", logins[role][1])
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
            times = []
            for _ in range(repeats):
                page.goto(base + path, wait_until="load")
                loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                times.append(loaded / 1000)
            out[role] = spread(times)
            print(f"  {role:<11} rendered {out[role]}", file=sys.stderr)
            context.close()
        browser.close()
    return out


def pdf_time(base: str, login: tuple[str, str]) -> dict[str, Any]:
    """The compliance filter closest to PDF_ROWS rows (at least that many), printed."""
    client = sign_in(base, *login)
    twin = client.get("/compliance.json").json()
    best: tuple[int, str] | None = None
    for department, _ in twin["filter_options"]["department"][1:]:
        for status, _ in twin["filter_options"]["status"]:
            query = f"department={department}&status={status}"
            rows = client.get(f"/compliance.json?{query}").json()["pagination"]["rows"]
            if rows >= PDF_ROWS and (best is None or rows < best[0]):
                best = (rows, query)
    if best is None:
        return {"skipped": f"no filter gives {PDF_ROWS} rows"}
    rows, query = best
    started = time.perf_counter()
    response = client.get(f"/compliance.pdf?{query}")
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    pages = response.content.count(b"/Type /Page") - response.content.count(b"/Type /Pages")
    return {"filter": query, "rows": rows, "seconds": round(elapsed, 2), "pages": pages,
            "bytes": len(response.content)}  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--learners", type=int, default=10_000)
    p.add_argument("--statements-per-learner", type=int, default=200)
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--keep", type=Path, help="the progress benchmark's database directory")
    p.add_argument("--repeats", type=int, default=20, help="requests timed per page (20)")
    p.add_argument("--browser-repeats", type=int, default=5)
    p.add_argument("--trickle", type=float, default=1.0, help="seconds between completions (1)")
    args = p.parse_args()
    RESULTS.mkdir(exist_ok=True)
    report: dict[str, Any] = {
        "benchmark": "dashboards",
        "command": " ".join([".venv/bin/python", *sys.argv]),
        "machine": machine(),
        "git": git_state(),
        "results": {},
    }
    with tempfile.TemporaryDirectory(prefix="proficio-dashboards-") as scratch:
        db, made = progress_bench.cached_database(args, Path(scratch))
        report["data"] = made
        logins = prepare(db, args.learners)
        wait_for_quiet(max_wait=60)
        server = Server(f"sqlite:///{db}", Path(scratch) / "server.log")
        server.start()
        try:
            r = report["results"]
            print("pages over HTTP", file=sys.stderr)
            r["pages"] = page_times(server.base, logins, args.repeats)
            print(f"pages over HTTP, an LMS completion every {args.trickle} s", file=sys.stderr)
            credential = create_credential(f"sqlite:///{db}")
            with Trickle(server.base, credential, args.trickle) as trickle:
                r["pages_while_completions_arrive"] = page_times(server.base, logins, args.repeats)
            r["pages_while_completions_arrive"]["completions_posted"] = trickle.posted
            print("pages in Chromium", file=sys.stderr)
            r["rendered"] = browser_times(server.base, logins, args.browser_repeats)
            print("compliance PDF", file=sys.stderr)
            r["pdf"] = pdf_time(server.base, logins["compliance"])
            print(f"  {r['pdf']}", file=sys.stderr)
        finally:
            server.stop()
    out = RESULTS / f"dashboards-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
