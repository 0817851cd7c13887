"""Progress of a group (a team, cohort, role, department, or the people of a workflow): how many
people are at each level of each competency, how that moved since their baseline, how long
levels took, who regressed and who stalled. Read from the engine's packed rows, one per person
(`progress.packing`); never from the statements.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, select

from proficio.lrs.timestamps import iso_from_us
from proficio.progress.frameworks import Framework
from proficio.progress.packing import DAYS_WIDTH, NO_DAYS, level_of, signature
from proficio.progress.rules import DAY_US
from proficio.storage import rawsql
from proficio.storage.schema import progress_summaries

DEFAULT_TARGET = 3  # Application: using it in real work, when no plan says otherwise
STALLED_DAYS = 21


@dataclass(frozen=True, slots=True)
class PeopleGroup:
    kind: str  # team | cohort | role | department | workflow
    id: str
    name: str
    people: Select[Any]  # the person ids in the group that the caller may see
    size: int


def aggregate(
    conn: Connection,
    *,
    group: PeopleGroup,
    frameworks: list[Framework],
    at_us: int,
    targets: dict[tuple[str, str], int] | None = None,
    stalled_days: int = STALLED_DAYS,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """The group's figures per assessed competency (those in `only`, when given)."""
    targets = targets or {}
    stalled_before = at_us - stalled_days * DAY_US
    out: list[dict[str, Any]] = []
    stalled: set[str] = set()
    for framework in frameworks:
        if not framework.assessed:
            continue  # listed, not assessed: nobody has a level in it
        rows = _summaries(conn, group.people, framework)
        stalled |= {person for person, *_, changed in rows if (changed or 0) < stalled_before}
        counted = _count(rows, len(framework.scale))
        for index, competency in enumerate(framework.assessed):
            if only is not None and competency.id not in only:
                continue
            default = min(DEFAULT_TARGET, len(framework.scale))  # a scale may be shorter
            target = targets.get((framework.id, competency.id), default)
            out.append(
                _competency(
                    framework, competency.id, competency.name, group.size, counted, index, target
                )
            )
    people = sorted(stalled)
    return {
        "group": {"kind": group.kind, "id": group.id, "name": group.name, "size": group.size},
        "as_of": iso_from_us(at_us),
        "stalled_days": stalled_days,
        "stalled": {"count": len(people), "people": people[:100]},
        "competencies": out,
    }


@dataclass(frozen=True, slots=True)
class _Counted:
    """A group's packed rows, counted once: how many people share each (levels, baselines)
    pair of strings and each regressed string (a few hundred distinct ones, however large the
    group), so a competency is counted over those, and the days to each level, column by
    column, for a pass of `map` and `Counter` per competency at C speed."""

    levels: Counter[tuple[str, str]]  # (levels, baselines) -> people
    regressed: Counter[str]
    reached: list[str]
    ranks: int


def _count(rows: list[tuple[Any, ...]], ranks: int) -> _Counted:
    return _Counted(
        levels=Counter((row[1], row[2]) for row in rows),
        regressed=Counter(row[3] for row in rows),
        reached=[row[4] for row in rows],
        ranks=ranks,
    )


def _summaries(
    conn: Connection, people: Select[Any], framework: Framework
) -> list[tuple[Any, ...]]:
    c = progress_summaries.c
    query = select(c.person_id, c.levels, c.baselines, c.regressed, c.reached, c.changed_us).where(
        c.framework_id == framework.id,
        c.signature == signature(framework),  # rows of another version wait to be judged again
        c.person_id.in_(people),
    )
    return rawsql.execute_query(conn, query)


def _competency(
    framework: Framework,
    competency_id: str,
    name: str,
    size: int,
    counted: _Counted,
    index: int,
    target: int,
) -> dict[str, Any]:
    now: Counter[int] = Counter()
    baseline: Counter[int] = Counter()
    up = down = with_baseline = 0
    pairs: Counter[tuple[str, str]] = Counter()
    for (levels, baselines), count in counted.levels.items():
        pairs[levels[index], baselines[index]] += count
    for (after_char, before_char), count in pairs.items():
        after = level_of(after_char)
        now[after] += count
        if before_char == "-":
            continue
        before = level_of(before_char)
        baseline[before] += count
        with_baseline += count
        up += count if after > before else 0
        down += count if after < before else 0
    regressed = sum(count for text, count in counted.regressed.items() if text[index] == "1")
    start = (index * counted.ranks + target - 1) * DAYS_WIDTH
    days: Counter[int] = Counter()
    for text, count in Counter(
        map(itemgetter(slice(start, start + DAYS_WIDTH)), counted.reached)
    ).items():
        if text and text != NO_DAYS:
            days[int(text, 36)] += count
    judged = sum(now.values())
    now[0] += size - judged  # people with no evidence yet: no level
    at_target = sum(c for level, c in now.items() if level >= target)
    names = framework.level_names
    return {
        "framework_id": framework.id,
        "competency_id": competency_id,
        "name": name,
        "distribution": [
            {"level": names[r], "rank": r, "people": now[r]} for r in range(len(names))
        ],
        "baseline_distribution": [
            {"level": names[r], "rank": r, "people": baseline[r]} for r in range(len(names))
        ],
        "target": {"level": names[target], "rank": target},
        "completion": round(at_target / size, 4) if size else None,
        "at_target": at_target,
        "movement": {
            "with_baseline": with_baseline,
            "moved_up": up,
            "moved_down": down,
            "unchanged": with_baseline - up - down,
        },
        "regressed": {"people": regressed, "share": round(regressed / size, 4) if size else None},
        "time_to_target_days": _spread(days),
    }


def _spread(days: Counter[int]) -> dict[str, Any] | None:
    """Median and quartiles of a histogram of days."""
    total = sum(days.values())
    if not total:
        return None
    ordered = sorted(days.items())

    def quantile(q: float) -> int:
        position, seen = q * (total - 1), 0
        for value, count in ordered:
            seen += count
            if seen > position:
                return value
        return ordered[-1][0]

    return {
        "people": total,
        "median": quantile(0.5),
        "p25": quantile(0.25),
        "p75": quantile(0.75),
        "min": ordered[0][0],
        "max": ordered[-1][0],
    }
