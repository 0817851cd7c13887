"""The fields an import file's columns hold, and how each value is read.

A field says whether the file must have its column, whether a row may leave it empty, and
how to turn the text into a value; a bad value raises ValueError with the reason a customer
reads ("'31/02/2026' is not a date in the format %Y-%m-%d").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
# What a statement can carry: JSON numbers exact as integers, dates a learning record can have.
LARGEST = 2**53
YEARS = (1900, 2999)
FALSE_WORDS = frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True)
class Formats:
    """How a file writes dates and lists (a mapping may change them)."""

    date_format: str = "%Y-%m-%d"
    list_separator: str = ";"


Parser = Callable[[str, Formats], Any]


class Invalid(ValueError):
    """A row whose values are each fine but do not go together (a score above the maximum)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Field:
    name: str
    parse: Parser
    meaning: str
    column_required: bool = True
    value_required: bool = True
    layout: str = "text"  # what docs show as the value's form
    column: str | None = None  # a fixed column, whatever the mapping says


def optional(name: str, parse: Parser, meaning: str, *, layout: str = "text") -> Field:
    """A field a file may leave out, or leave empty on some rows."""
    return Field(name, parse, meaning, column_required=False, value_required=False, layout=layout)


def text(value: str, _: Formats) -> str:
    return value


def _plausible(value: str, year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"{value!r} is not in the years {YEARS[0]} to {YEARS[1]}")


def date(value: str, formats: Formats) -> dt.date:
    try:
        day = dt.datetime.strptime(value, formats.date_format).date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date in the format {formats.date_format}") from None
    _plausible(value, day.year)
    return day


def timestamp(value: str, formats: Formats) -> dt.datetime:
    """An ISO 8601 date-time (a zone is needed), or a plain date (taken as midnight UTC)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = dt.datetime.strptime(value, formats.date_format).date()
        except ValueError:
            raise ValueError(
                f"{value!r} is neither an ISO 8601 date-time nor a date in the format "
                f"{formats.date_format}"
            ) from None
        _plausible(value, day.year)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    _plausible(value, parsed.year)
    if parsed.tzinfo is None:
        if len(value) <= 10:  # a bare ISO date
            return parsed.replace(tzinfo=dt.UTC)
        raise ValueError(f"{value!r} has no time zone (add Z or an offset such as +01:00)")
    return parsed.astimezone(dt.UTC)


def boolean(value: str, _: Formats) -> bool:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def integer(low: int | None = None, high: int | None = None) -> Parser:
    def parse(value: str, _: Formats) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        _check_range(value, number, low, high)
        if abs(number) >= LARGEST:
            raise ValueError(f"{value} is too large")
        return number

    return parse


def number(low: float | None = None, high: float | None = None) -> Parser:
    def parse(value: str, _: Formats) -> float:
        try:
            got = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if not math.isfinite(got) or abs(got) >= LARGEST:
            raise ValueError(f"{value!r} is not a number Proficio can store (too large)")
        _check_range(value, got, low, high)
        return got

    return parse


def _check_range(raw: str, value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ValueError(f"{raw} is below the minimum {low:g}")
    if high is not None and value > high:
        raise ValueError(f"{raw} is above the maximum {high:g}")


def choice(*allowed: str) -> Parser:
    def parse(value: str, _: Formats) -> str:
        word = value.lower()
        if word not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return word

    return parse


def items(value: str, formats: Formats) -> list[str]:
    """A list in one cell ("chat; summarise"), without empty items or repeats."""
    return list(dict.fromkeys(i.strip() for i in value.split(formats.list_separator) if i.strip()))
