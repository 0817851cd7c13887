"""Run a Proficio server for a benchmark: a throwaway database, a credential, a subprocess on a
free 127.0.0.1 port, and a sampler of its memory and CPU.

Used by `load.py` and `durability.py`; nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import cpu
from rawhttp import basic_auth

ROOT = Path(__file__).resolve().parent.parent
PROFICIO = ROOT / ".venv" / "bin" / "proficio"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
HEADERS_VERSION = {"X-Experience-API-Version": "1.0.3"}


class BenchError(Exception):
    """A benchmark could not run (the server would not start, a database not be made)."""


def stop_on_signal(signum: int, _frame: object) -> None:
    """A SIGTERM handler: unwind like Ctrl-C, so `finally` blocks stop the server and drop
    the database."""
    raise KeyboardInterrupt(f"signal {signum}")


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
    """The server's whole process tree (it may run workers in child processes) at one time."""

    t: float
    rss_kb: int  # resident memory, summed over the tree
    hwm_kb: int  # each process's peak resident memory (VmHWM), summed: an upper bound
    cpu: dict[str, float]  # CPU seconds so far per group (see cpu.py), machine-wide
    processes: int
    by_process: dict[int, int]  # pid -> resident memory (kB)


def _process_name(pid: int, *, server: int) -> str:
    """What a server process is: the server itself, or the start of its command line."""
    if pid == server:
        return "server"
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in args if a]
    if words and words[-1].startswith("proficio-"):  # named by `proficio.children`
        return words[-1]
    return " ".join(words[1:4])[:60]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_for_quiet(*, max_wait: float, cores: float = 0.3, window: float = 2.0) -> float:
    """Wait (at most `max_wait` s) until the machine used under `cores` CPUs over `window` s:
    a test run or another benchmark in progress would skew the figures. Returns the busy
    cores of the last window."""
    deadline = time.monotonic() + max_wait
    while True:
        before = cpu.busy_seconds()
        time.sleep(window)
        used = (cpu.busy_seconds() - before) / window
        if used < cores or time.monotonic() >= deadline:
            return round(used, 2)


@dataclass
class Server:
    """A `proficio serve` subprocess. `start()` returns once /xapi/about answers."""

    db_url: str
    log_path: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    profile_to: Path | None = None  # run through profile_server.py, report written here
    proc: subprocess.Popen[bytes] | None = None
    samples: list[Sample] = field(default_factory=list)
    process_names: dict[int, str] = field(default_factory=dict)
    leftovers: list[int] = field(default_factory=list)
    _meter: cpu.CpuMeter | None = None
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
        address = ["--db", self.db_url, "--host", "127.0.0.1", "--port", str(self.port)]
        if self.profile_to is None:
            command = [str(PROFICIO), "serve", *address]
        else:
            profiler = Path(__file__).with_name("profile_server.py")
            command = [sys.executable, str(profiler), *address, "--out", str(self.profile_to)]
        self.proc = subprocess.Popen(
            command,
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
        """Memory of the server and its child processes now, CPU use so far; None once the
        server is gone."""
        if self.proc is None or not alive(self.proc.pid):
            return None
        if self._meter is None:
            self._meter = cpu.CpuMeter()
        used = self._meter.tick(self.proc.pid)
        tree = self._meter.server_tree
        rss = hwm = 0
        by_process: dict[int, int] = {}
        for pid in tree:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    by_process[pid] = int(line.split()[1])
                    rss += by_process[pid]
                elif line.startswith("VmHWM:"):
                    hwm += int(line.split()[1])
            if pid not in self.process_names:
                self.process_names[pid] = _process_name(pid, server=self.proc.pid)
        return Sample(time.time(), rss, hwm, used, len(tree), by_process)

    def window(self, since: float, until: float) -> dict[str, Any]:
        """Peak RSS of the server and CPU seconds per group (cpu.GROUPS) between two
        `time.time()` marks."""
        inside = [s for s in self.samples if since <= s.t <= until]
        if len(inside) < 2:
            return {"peak_rss_mb": None, "cpu_s": None}
        first, last = inside[0].cpu, inside[-1].cpu
        return {
            "peak_rss_mb": round(max(s.rss_kb for s in inside) / 1024, 1),
            "cpu_s": {group: round(last[group] - first[group], 2) for group in cpu.GROUPS},
            "server_processes": max(s.processes for s in inside),
        }

    def peak_rss_mb(self) -> float | None:
        """The largest resident memory of the whole server seen in any sample."""
        return round(max(s.rss_kb for s in self.samples) / 1024, 1) if self.samples else None

    def peak_rss_by_process_mb(self) -> dict[str, float]:
        """Each server process's largest resident memory (their sum can exceed the peak)."""
        peaks: dict[int, int] = {}
        for sample in self.samples:
            for pid, kb in sample.by_process.items():
                peaks[pid] = max(kb, peaks.get(pid, 0))
        return {
            f"{self.process_names.get(pid, '?')} ({pid})": round(kb / 1024, 1)
            for pid, kb in sorted(peaks.items())
        }

    def kill9(self, *, group: bool = False) -> list[int]:
        """SIGKILL the server process (`group`: and its children at once): no shutdown
        handler, no flush, as in a crash or an OOM kill. Returns the child processes still
        alive 5 s later, which are then killed too (as systemd would when restarting)."""
        assert self.proc is not None
        tree = cpu.descendants(self.proc.pid, cpu.scan())
        for pid in tree if group else tree[:1]:
            os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._finish()
        return self._reap(tree[1:], grace=5.0)

    def stop(self) -> Sample | None:
        """Stop gracefully (SIGTERM, then SIGKILL after 30 s); returns the last sample.
        Child processes still running 10 s after the server exited are killed and listed
        in `leftovers`."""
        last = self.sample()
        if self.proc is not None and self.proc.poll() is None:
            tree = cpu.descendants(self.proc.pid, cpu.scan())
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
            self.leftovers = self._reap(tree[1:], grace=10.0)
        self._finish()
        return last

    @staticmethod
    def _reap(pids: list[int], *, grace: float) -> list[int]:
        """Wait up to `grace` s for these processes (ours) to exit; SIGKILL the rest."""
        deadline = time.monotonic() + grace
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [p for p in pids if alive(p)]
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return survivors

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

    # The server runs whatever src/ holds right now, committed or not: fingerprint it.
    digest = hashlib.sha1()
    for path in sorted((ROOT / "src").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return {
        "commit": run("rev-parse", "--short", "HEAD"),
        "src_dirty": bool(run("status", "--porcelain", "src")),
        "src_sha1": digest.hexdigest()[:12],
    }


@contextlib.contextmanager
def serving(
    kind: str, log_name: str, *, env: dict[str, str] | None = None
) -> Iterator[tuple[Server, dict[str, str]]]:
    """A fresh `kind` database, a credential with the `all` scope and a server on it: yields
    the server and the headers of an xAPI 1.0.3 client; stops the server and drops the
    database afterwards."""
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    database = TempDatabase.create(kind)
    server = Server(database.url, results / log_name, env=env or {})
    try:
        key, secret = create_credential(database.url)
        server.start()
        yield server, {**HEADERS_VERSION, "Authorization": basic_auth(key, secret)}
    finally:
        server.stop()
        database.drop()
