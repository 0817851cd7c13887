"""The LRS clock: `stored` values that strictly increase, so stored order is insertion order."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from functools import lru_cache


class StoredClock:
    """Hands out microsecond timestamps, never the same one twice within a process."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._last > 0

    def advance_to(self, us: int) -> None:
        """Never hand out a value at or below `us` (the newest one already stored)."""
        with self._lock:
            self._last = max(self._last, us, 1)

    def next_us(self) -> int:
        with self._lock:
            now = time.time_ns() // 1000
            self._last = now if now > self._last else self._last + 1
            return self._last


def iso_from_us(us: int) -> str:
    """ISO 8601 in UTC with microseconds, e.g. ``2026-11-23T20:45:23.123456Z``."""
    seconds, micros = divmod(us, 1_000_000)
    return f"{_iso_seconds(seconds)}.{micros:06d}Z"


@lru_cache(maxsize=64)
def _iso_seconds(seconds: int) -> str:
    """The part up to the seconds: the writer stamps thousands of statements per second."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def us_from_datetime(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def http_date_from_us(us: int) -> str:
    """The RFC 7231 date a Last-Modified header carries (to the second)."""
    return _http_date(us // 1_000_000)


@lru_cache(maxsize=256)
def _http_date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
