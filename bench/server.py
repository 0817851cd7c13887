"""Run a Proficio server for a benchmark: a throwaway database, a credential, a subprocess on a
free 127.0.0.1 port, and a sampler of its memory and CPU.

Used by `load.py` and `durability.py`; nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
PROFICIO = ROOT / ".venv" / "bin" / "proficio"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
HEADERS_VERSION = {"X-Experience-API-Version": "1.0.3"}


class BenchError(Exception):
    """A benchmark could not run (the server would not start, a database not be made)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TempDatabase:
    """A fresh SQLite file or PostgreSQL database, removed by `drop()` unless kept."""

    kind: str  # "sqlite" or "postgres"
    url: str  # what `proficio --db` takes
    _dir: str | None = None
    _admin_url: str | None = None
    _name: str | None = None

    @classmethod
    def create(cls, kind: str, *, pg_url: str = DEFAULT_PG_URL) -> TempDatabase:
        if kind == "sqlite":
            directory = tempfile.mkdtemp(prefix="proficio-bench-")
            return cls("sqlite", os.path.join(directory, "bench.db"), _dir=directory)
        if kind == "postgres":
            import psycopg

            name = f"bench_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            base = pg_url.rsplit("/", 1)[0]
            return cls("postgres", f"{base}/{name}", _admin_url=pg_url, _name=name)
        raise BenchError(f"unknown database kind {kind!r}: use sqlite or postgres")

    def size_bytes(self) -> int | None:
        try:
            if self.kind == "sqlite":
                return sum(
                    os.path.getsize(self.url + suffix)
                    for suffix in ("", "-wal")
                    if os.path.exists(self.url + suffix)
                )
            import psycopg

            with psycopg.connect(self.url) as conn:
                row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
                return int(row[0]) if row else None
        except Exception:
            return None

    def drop(self) -> None:
        if self.kind == "sqlite" and self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
        elif self.kind == "postgres" and self._admin_url and self._name:
            import psycopg

            with psycopg.connect(self._admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {self._name} WITH (FORCE)")


def create_credential(db_url: str) -> tuple[str, str]:
    out = subprocess.run(
        [
            str(PROFICIO),
            "credentials",
            "create",
            "--name",
            "bench",
            "--scopes",
            "all",
            "--json",
            "--db",
            db_url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    made = json.loads(out.stdout.strip().splitlines()[-1])
    return made["key"], made["secret"]


@dataclass
class Sample:
    t: float
    rss_kb: int
    hwm_kb: int
    cpu_s: float


@dataclass
class Server:
    """A `proficio serve` subprocess. `start()` returns once /xapi/about answers."""

    db_url: str
    log_path: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    samples: list[Sample] = field(default_factory=list)
    _log: IO[bytes] | None = None
    _sampler: threading.Thread | None = None
    _stop_sampling: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, *, timeout: float = 120.0) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log.write(f"\n--- start {time.strftime('%H:%M:%S')} port {self.port}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            [
                str(PROFICIO),
                "serve",
                "--db",
                self.db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"the server exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(self.base + "/xapi/about", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise BenchError(
                f"the server did not answer within {timeout:.0f}s; see {self.log_path}"
            )
        self._stop_sampling.clear()
        self._sampler = threading.Thread(target=self._sample_loop, daemon=True)
        self._sampler.start()

    def _sample_loop(self) -> None:
        while not self._stop_sampling.wait(0.25):
            sample = self.sample()
            if sample is None:
                return
            self.samples.append(sample)

    def sample(self) -> Sample | None:
        """Resident memory now, its peak so far (VmHWM) and CPU seconds used so far."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except (OSError, AssertionError):
            return None
        fields_: dict[str, int] = {}
        for line in status.splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                fields_[name] = int(value.split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        after_name = stat.rsplit(")", 1)[1].split()
        cpu = (int(after_name[11]) + int(after_name[12])) / ticks  # utime + stime
        return Sample(time.time(), fields_.get("VmRSS", 0), fields_.get("VmHWM", 0), cpu)

    def window(self, since: float, until: float) -> dict[str, Any]:
        """Peak RSS and server CPU seconds between two `time.time()` marks."""
        inside = [s for s in self.samples if since <= s.t <= until]
        if len(inside) < 2:
            return {"peak_rss_mb": None, "server_cpu_s": None}
        return {
            "peak_rss_mb": round(max(s.rss_kb for s in inside) / 1024, 1),
            "server_cpu_s": round(inside[-1].cpu_s - inside[0].cpu_s, 2),
        }

    def kill9(self) -> None:
        """SIGKILL: no shutdown handler, no flush; what a crash or OOM kill looks like."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._finish()

    def stop(self) -> Sample | None:
        """Stop gracefully (SIGTERM, then SIGKILL after 30 s); returns the last sample."""
        last = self.sample()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._finish()
        return last

    def _finish(self) -> None:
        self._stop_sampling.set()
        if self._sampler is not None:
            self._sampler.join(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None


def log_problems(path: Path, *, limit: int = 40) -> list[str]:
    """Tracebacks and error lines the server wrote to its log, for the report."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    keep: list[str] = []
    for i, line in enumerate(lines):
        if "Traceback" in line or "ERROR" in line or "Exception" in line or "Error:" in line:
            keep.extend(lines[i : i + 1] if "Traceback" not in line else lines[i : i + 30])
        if len(keep) >= limit:
            break
    return keep[:limit]


def machine() -> dict[str, Any]:
    load1, load5, _ = os.getloadavg()
    return {"cpus": os.cpu_count(), "loadavg_1m": round(load1, 2), "loadavg_5m": round(load5, 2)}


def git_state() -> dict[str, Any]:
    def run(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "commit": run("rev-parse", "--short", "HEAD"),
        "dirty": bool(run("status", "--porcelain", "src")),
    }
