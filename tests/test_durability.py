"""Acknowledged data is never lost: kill -9 the server mid-load, restart it, and every
statement that got a 200 is there (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import httpx2 as httpx
from fastapi.testclient import TestClient

from tests.factories import VERSION, XAPIClient, basic, statement, with_id
from tests.live_server import LiveServer, create_credential

LOAD_SECONDS = 1.5


def _load(
    server: LiveServer, auth: str, acked: list[str], stop: threading.Event, batch: int
) -> None:
    headers = {**VERSION, "Authorization": auth}
    with httpx.Client(base_url=server.url, headers=headers, timeout=5) as client:
        while not stop.is_set():
            stmts = [{**statement(slug=f"d{i}"), "id": str(uuid.uuid4())} for i in range(batch)]
            try:
                response = client.post("/xapi/statements", json=stmts if batch > 1 else stmts[0])
            except httpx.TransportError:
                return  # the server died mid-request: that request was not acknowledged
            if response.status_code == 200:
                acked.extend(response.json())


def test_kill_minus_nine_loses_no_acknowledged_statement(database_url: str, tmp_path: Path) -> None:
    key, secret = create_credential(database_url)
    auth = basic(key, secret)
    server = LiveServer(database_url, tmp_path / "server.log")
    server.start()
    acked: list[str] = []
    stop = threading.Event()
    workers = [
        threading.Thread(target=_load, args=(server, auth, acked, stop, size))
        for size in (1, 1, 25, 25)
    ]
    try:
        for worker in workers:
            worker.start()
        time.sleep(LOAD_SECONDS)
        server.kill_hard()
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
        assert len(acked) > 50, "the load did not get going"
        server.start()
        headers = {**VERSION, "Authorization": auth}
        with httpx.Client(base_url=server.url, headers=headers) as client:
            stored: set[str] = set()
            url = "/xapi/statements?limit=500"
            while url:
                page = client.get(url).json()
                stored.update(s["id"] for s in page["statements"])
                url = page["more"]
        missing = set(acked) - stored
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged statements were lost"
    finally:
        stop.set()
        server.stop()


def test_a_killed_writer_process_is_replaced(lrs: XAPIClient, app_client: TestClient) -> None:
    """A writer process that dies is replaced: writes in flight get 503 (never a 200 that was
    not committed), and the next writes are stored."""
    assert lrs.post(statement()).status_code == 200
    writer = app_client.app.state.proficio.writer  # type: ignore[attr-defined]
    old_pid = writer._process.pid
    os.kill(old_pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while writer._process.pid == old_pid and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writer._process.pid != old_pid, "no new writer process was started"
    after = with_id(statement(slug="after"))
    assert lrs.post(after).status_code == 200
    assert lrs.get(statementId=after["id"]).status_code == 200
