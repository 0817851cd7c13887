"""Serve Proficio like `proficio serve`, sampling every thread's Python stack, to see where
the server spends its time under load.

    .venv/bin/python bench/profile_server.py --db DB --port PORT --out profile.txt
    .venv/bin/python bench/load.py --profile ...      # runs the server through this

Every `--interval` seconds a sampler thread records each thread's stack
(`sys._current_frames`). On shutdown (SIGTERM or Ctrl-C) it writes, per kind of thread (the
event loop, the writer, the read pool), the functions that were on the stack in the most
busy samples (inclusive) and at the top of it (self). A sample counts as idle when the thread
waits for work (a queue, a selector, a condition). Threads waiting for the GIL count as busy,
so read the figures as wall-clock shares, not CPU time. Costs the server a few per cent.
"""

from __future__ import annotations

import argparse
import linecache
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

# Leaf frames that mean "waiting for work", by function name or by the source line.
# Blocking reads on a pipe or socket (a thread waiting for another process) are idle too.
IDLE_FUNCTIONS = frozenset({"wait", "select", "accept", "poll", "_poll", "_recv", "read_signed"})
# uvloop runs the loop in C: an idle event loop shows run_until_complete at the top.
IDLE_LINES = ("_queue.get()", "queue.get(", ".wait(", "select(", "run_until_complete(")


def _where(frame: FrameType) -> str:
    path = frame.f_code.co_filename
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{frame.f_code.co_name}"


def _thread_kind(name: str) -> str:
    if name.startswith("AnyIO worker"):
        return "read pool (AnyIO worker threads)"
    if name == "MainThread":
        return "event loop (MainThread)"
    return name


class Sampler:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.inclusive: dict[str, Counter[str]] = {}
        self.own: dict[str, Counter[str]] = {}
        self.samples: Counter[str] = Counter()
        self.busy: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="profile-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._record(_thread_kind(names.get(ident, "?")), frame)

    def _record(self, kind: str, frame: FrameType) -> None:
        self.samples[kind] += 1
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno or 0)
        if frame.f_code.co_name in IDLE_FUNCTIONS or any(m in line for m in IDLE_LINES):
            return
        self.busy[kind] += 1
        leaf = _where(frame)
        self.own.setdefault(kind, Counter())[leaf] += 1
        seen: set[str] = set()
        f: FrameType | None = frame
        while f is not None:
            key = _where(f)
            if key not in seen:  # recursion counts once per sample
                seen.add(key)
                self.inclusive.setdefault(kind, Counter())[key] += 1
            f = f.f_back

    def report(self, seconds: float, top: int = 30) -> str:
        out = [f"stack samples every {self.interval * 1000:.0f} ms over {seconds:.0f} s"]
        for kind, total in self.samples.most_common():
            busy = self.busy[kind]
            out.append(f"\n== {kind}: busy in {busy / max(total, 1):.0%} of {total} samples")
            if not busy:
                continue
            out.append("  inclusive (on the stack):")
            for key, n in self.inclusive[kind].most_common(top):
                out.append(f"    {n / busy:6.1%}  {key}")
            out.append("  self (top of the stack):")
            for key, n in self.own[kind].most_common(top):
                out.append(f"    {n / busy:6.1%}  {key}")
        return "\n".join(out) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", required=True, help="SQLite file path or postgresql:// URL")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--interval", type=float, default=0.005, help="seconds between samples")
    p.add_argument("--out", type=Path, required=True, help="where to write the report")
    args = p.parse_args()

    import uvicorn

    from proficio.app import create_app
    from proficio.settings import Settings

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            # uvicorn re-raises SIGTERM after shutting down, which would skip the report.
            self._captured_signals.clear()

    settings = Settings(database_url=args.db, host=args.host, port=args.port)
    config = uvicorn.Config(
        create_app(settings), host=args.host, port=args.port, log_level="warning"
    )
    sampler = Sampler(args.interval)
    started = time.monotonic()
    sampler.start()
    try:
        print(f"Proficio (profiled) on http://{args.host}:{args.port}", flush=True)
        Server(config).run()
    finally:
        sampler.stop()
        args.out.write_text(sampler.report(time.monotonic() - started))


if __name__ == "__main__":
    main()
