"""One row per person and framework that group views count from (`progress_summaries`): each
competency's level, baseline and whether it ever fell as one character, and the days from the
cohort's start to each level as three, in the framework's order. Ten thousand people are then
ten thousand short rows, counted in memory, instead of a hundred thousand rows grouped in SQL.
"""

from __future__ import annotations

import hashlib

from proficio.progress.engine import State
from proficio.progress.frameworks import Framework
from proficio.progress.rules import DAY_US

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
DAYS_WIDTH = 3  # base 36: up to 46,655 days
NO_DAYS = "-" * DAYS_WIDTH


def signature(framework: Framework) -> str:
    """Which competencies, in which order, a packed row describes."""
    ids = ",".join(c.id for c in framework.assessed)
    return hashlib.sha256(f"{framework.id}:{ids}".encode()).hexdigest()[:16]


def _digit(value: int) -> str:
    return _DIGITS[value]


def pack(states: tuple[State, ...], baseline_us: int | None) -> tuple[str, str, str, str]:
    """levels, baselines ('-': none), regressed ('0'/'1'), days to each level ('---': not
    reached, or before the start, or no start)."""
    levels = "".join(_digit(s.level) for s in states)
    baselines = "".join(
        "-" if s.baseline_level is None else _digit(s.baseline_level) for s in states
    )
    regressed = "".join("1" if s.regressed else "0" for s in states)
    days = []
    for s in states:
        for when in s.reached_us:
            if when is None or baseline_us is None or when < baseline_us:
                days.append(NO_DAYS)
            else:
                days.append(_base36((when - baseline_us) // DAY_US))
    return levels, baselines, regressed, "".join(days)


def _base36(value: int) -> str:
    value = min(value, 36**DAYS_WIDTH - 1)
    out = ""
    for _ in range(DAYS_WIDTH):
        value, rest = divmod(value, 36)
        out = _DIGITS[rest] + out
    return out


def level_of(char: str) -> int:
    return _DIGITS.index(char)
