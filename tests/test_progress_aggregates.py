"""Group figures counted from packed summary rows (`progress.aggregates`): distributions,
movement since the baseline, regressions and days to the target, per competency."""

from __future__ import annotations

from proficio.capture.profile import Profile
from proficio.progress.aggregates import _competency, _count
from proficio.progress.frameworks import compile_framework
from proficio.progress.packing import NO_DAYS
from proficio.progress.service import default_framework_document

FRAMEWORK = compile_framework(default_framework_document(), profile=Profile())
COMPETENCIES = len(FRAMEWORK.assessed)
RANKS = len(FRAMEWORK.scale)


def _row(person: str, levels: str, baselines: str, regressed: str, days: dict[int, str]) -> tuple:
    """A summary row; `days`: the days to each level of the second competency, by rank."""
    reached = [NO_DAYS] * (COMPETENCIES * RANKS)
    for rank, text in days.items():
        reached[RANKS + rank - 1] = text
    return (person, levels, baselines, regressed, "".join(reached), 0)


def test_a_competency_is_counted_from_its_column_of_every_row() -> None:
    rest = "0" * (COMPETENCIES - 2)
    rows = [
        _row("a", "12" + rest, "-0" + rest, "01" + rest, {1: "005", 2: "00a"}),
        _row("b", "13" + rest, "-3" + rest, "00" + rest, {1: "003", 2: "004", 3: "00b"}),
        _row("c", "10" + rest, "-1" + rest, "01" + rest, {1: "001"}),
        _row("d", "02" + rest, "--" + rest, "00" + rest, {1: "002", 2: "002"}),
    ]
    second = FRAMEWORK.assessed[1]
    figures = _competency(FRAMEWORK, second.id, second.name, 5, _count(rows, RANKS), 1, 2)
    assert [d["people"] for d in figures["distribution"]] == [2, 0, 2, 1, 0, 0, 0]
    assert [d["people"] for d in figures["baseline_distribution"]] == [1, 1, 0, 1, 0, 0, 0]
    assert figures["movement"] == {
        "with_baseline": 3,
        "moved_up": 1,
        "moved_down": 1,
        "unchanged": 1,
    }
    assert figures["regressed"] == {"people": 2, "share": 0.4}
    assert figures["at_target"] == 3 and figures["completion"] == 0.6
    assert figures["time_to_target_days"] == {
        "people": 3,
        "median": 4,
        "p25": 2,
        "p75": 4,
        "min": 2,
        "max": 10,
    }
