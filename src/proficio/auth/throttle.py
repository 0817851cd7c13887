"""A brake on password guessing: after too many failed sign-ins for one email, refuse further
attempts for that email for a while (429), whatever the password.

Kept in memory, per server process: it slows an online guesser down without a database write
per attempt; a restart forgets it. The failures themselves are in the audit log.
"""

from __future__ import annotations

import time
from collections import deque

from proficio.errors import TooManyRequests

MAX_FAILURES = 10
WINDOW_SECONDS = 300.0


class SignInThrottle:
    def __init__(
        self, *, max_failures: int = MAX_FAILURES, window_seconds: float = WINDOW_SECONDS
    ) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, email: str, now: float) -> deque[float]:
        times = self._failures.get(email, deque())
        while times and now - times[0] > self._window:
            times.popleft()
        return times

    def check(self, email: str) -> None:
        """Raise 429 while `email` has had too many recent failures."""
        now = time.monotonic()
        times = self._recent(email, now)
        if len(times) >= self._max:
            wait = int(self._window - (now - times[0])) + 1
            raise TooManyRequests(
                f"too many failed sign-ins for this email; try again in {wait} seconds",
                field="email",
            )

    def failed(self, email: str) -> None:
        now = time.monotonic()
        if len(self._failures) > 100_000:  # bounded memory under a spray of emails
            self._failures.clear()
        times = self._recent(email, now)
        times.append(now)
        self._failures[email] = times

    def succeeded(self, email: str) -> None:
        self._failures.pop(email, None)
