"""The LRS clock's text form: `stored` is exact to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proficio.lrs.timestamps import StoredClock, iso_from_us

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "us",
    [0, 1, 999_999, 1_000_000, 1_795_000_000_999_999, 1_795_000_001_000_000, 4_102_444_800_000_001],
)
def test_iso_from_us_is_exact(us: int) -> None:
    expected = (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert iso_from_us(us) == expected


def test_the_clock_never_repeats_or_goes_back() -> None:
    clock = StoredClock()
    far_future = 4_102_444_800_000_000
    clock.advance_to(far_future)
    stamps = [clock.next_us() for _ in range(1000)]
    assert stamps == sorted(set(stamps)) and stamps[0] == far_future + 1
    assert [iso_from_us(s) for s in stamps] == sorted(iso_from_us(s) for s in stamps)
