"""Who used the CPUs during a benchmark: the server (with its child processes), PostgreSQL,
this client, kernel threads, and everything else (tests someone is running, say).

On a 2-core machine shared with other work, "everything else" says whether a figure can be
trusted. Counting is per process from /proc/PID/stat deltas, so processes that come and go
between two scans are missed; `unattributed` (machine busy time minus the groups: interrupts,
short-lived processes) catches what slips through.
"""

from __future__ import annotations

import os

GROUPS = ("server", "postgres", "client", "kernel", "other", "unattributed")
_TICKS = os.sysconf("SC_CLK_TCK")

# pid -> (parent pid, start time, user + system CPU ticks, command name). The start time tells
# a reused pid apart (the name does not: kernel workers rename themselves as they go).
Snapshot = dict[int, tuple[int, int, int, str]]


def scan() -> Snapshot:
    found: Snapshot = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()  # state, ppid, ...
        name = raw[raw.find("(") + 1 : raw.rfind(")")]
        ticks = int(fields[11]) + int(fields[12])
        found[int(entry)] = (int(fields[1]), int(fields[19]), ticks, name)
    return found


def descendants(root: int, snapshot: Snapshot) -> list[int]:
    """`root` and every process below it, breadth-first."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_) in snapshot.items():
        children.setdefault(ppid, []).append(pid)
    tree = [root] if root in snapshot else []
    for pid in tree:  # grows while iterating
        tree.extend(children.get(pid, []))
    return tree


def busy_seconds() -> float:
    """Non-idle CPU time of the whole machine since boot (first line of /proc/stat)."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in parts[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


class CpuMeter:
    """Cumulative CPU seconds per group since the meter was made; call `tick` often."""

    def __init__(self) -> None:
        self._last = scan()
        self._busy0 = busy_seconds()
        self.totals = dict.fromkeys(GROUPS, 0.0)
        self.me = os.getpid()
        self.server_tree: list[int] = []

    def tick(self, server_pid: int | None) -> dict[str, float]:
        now = scan()
        self.server_tree = descendants(server_pid, now) if server_pid else []
        server = set(self.server_tree)
        for pid, (ppid, started, ticks, name) in now.items():
            prev = self._last.get(pid)
            delta = ticks - prev[2] if prev is not None and prev[1] == started else ticks
            if delta > 0:
                self.totals[self._group(pid, ppid, name, server)] += delta / _TICKS
        self._last = now
        known = sum(v for k, v in self.totals.items() if k != "unattributed")
        self.totals["unattributed"] = max(0.0, busy_seconds() - self._busy0 - known)
        return dict(self.totals)

    def _group(self, pid: int, ppid: int, comm: str, server: set[int]) -> str:
        if pid in server:
            return "server"
        if pid == self.me:
            return "client"
        if comm.startswith("postgres"):
            return "postgres"
        if pid == 2 or ppid == 2:
            return "kernel"
        return "other"
