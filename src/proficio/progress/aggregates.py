"""Progress of a group (a team, cohort, role, department, or the people of a workflow): how many
people are at each level of each competency, how that moved since their baseline, how long
levels took, who regressed and who stalled. Read from the engine's stored state in a few
grouped queries; never from the statements.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, case, func, literal, select

from proficio.lrs.timestamps import iso_from_us
from proficio.progress.frameworks import Framework
from proficio.progress.rules import DAY_US
from proficio.storage.schema import progress_levels, progress_reached

DEFAULT_TARGET = 3  # Application: using it in real work, when no plan says otherwise
STALLED_DAYS = 21


@dataclass(frozen=True, slots=True)
class Group:
    kind: str  # team | cohort | role | department | workflow | people
    id: str
    name: str
    people: Select[Any]  # the person ids in the group that the caller may see
    size: int


def aggregate(
    conn: Connection,
    *,
    group: Group,
    frameworks: list[Framework],
    at_us: int,
    targets: dict[tuple[str, str], int] | None = None,
    stalled_days: int = STALLED_DAYS,
) -> dict[str, Any]:
    targets = targets or {}
    stalled_before = at_us - stalled_days * DAY_US
    levels = _level_counts(conn, group.people, stalled_before)
    reached = _time_to_level(conn, group.people)
    stalled_people = _stalled(conn, group.people, stalled_before)
    out: list[dict[str, Any]] = []
    for framework in frameworks:
        for competency in framework.competencies:
            if not competency.rules:
                continue
            key = (framework.id, competency.id)
            target = targets.get(key, DEFAULT_TARGET)
            out.append(
                _competency(
                    framework,
                    competency.id,
                    competency.name,
                    group.size,
                    levels.get(key, []),
                    reached.get((*key, target), Counter()),
                    target,
                )
            )
    return {
        "group": {"kind": group.kind, "id": group.id, "name": group.name, "size": group.size},
        "as_of": iso_from_us(at_us),
        "stalled_days": stalled_days,
        "stalled": {"count": len(stalled_people), "people": stalled_people[:100]},
        "competencies": out,
    }


def _competency(
    framework: Framework,
    competency_id: str,
    name: str,
    size: int,
    rows: list[tuple[int, int | None, bool, bool, int]],
    days: Counter[int],
    target: int,
) -> dict[str, Any]:
    now: Counter[int] = Counter()
    baseline: Counter[int] = Counter()
    up = down = regressed = stalled = with_baseline = 0
    for level, base, was_regressed, is_stalled, count in rows:
        now[level] += count
        if base is not None:
            baseline[base] += count
            with_baseline += count
            up += count if level > base else 0
            down += count if level < base else 0
        regressed += count if was_regressed else 0
        stalled += count if is_stalled else 0
    judged = sum(now.values())
    now[0] += size - judged  # people with no evidence yet: no level
    at_target = sum(c for level, c in now.items() if level >= target)
    names = ["None yet", *(level.name for level in framework.scale)]
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
        "stalled": stalled,
        "time_to_target_days": _spread(days),
    }


def _level_counts(
    conn: Connection, people: Select[Any], stalled_before: int
) -> dict[tuple[str, str], list[tuple[int, int | None, bool, bool, int]]]:
    c = progress_levels.c
    is_stalled = case((c.since_us < stalled_before, literal(True)), else_=literal(False))
    query = (
        select(
            c.framework_id,
            c.competency_id,
            c.level,
            c.baseline_level,
            c.regressed,
            is_stalled,
            func.count(),
        )
        .where(c.person_id.in_(people))
        .group_by(
            c.framework_id, c.competency_id, c.level, c.baseline_level, c.regressed, is_stalled
        )
    )
    found: dict[tuple[str, str], list[tuple[int, int | None, bool, bool, int]]] = {}
    for fw, comp, level, base, regressed, stalled, count in conn.execute(query):
        found.setdefault((fw, comp), []).append(
            (level, base, bool(regressed), bool(stalled), count)
        )
    return found


def _time_to_level(
    conn: Connection, people: Select[Any]
) -> dict[tuple[str, str, int], Counter[int]]:
    """(framework, competency, level) -> how many took each number of days from their start."""
    c = progress_reached.c
    query = (
        select(c.framework_id, c.competency_id, c.level, c.days_from_start, func.count())
        .where(c.person_id.in_(people), c.days_from_start.is_not(None), c.days_from_start >= 0)
        .group_by(c.framework_id, c.competency_id, c.level, c.days_from_start)
    )
    found: dict[tuple[str, str, int], Counter[int]] = {}
    for fw, comp, level, days, count in conn.execute(query):
        found.setdefault((fw, comp, level), Counter())[days] = count
    return found


def _stalled(conn: Connection, people: Select[Any], stalled_before: int) -> list[str]:
    """People with evidence whose levels have not changed (anywhere) in the stalled window."""
    c = progress_levels.c
    latest = func.max(func.coalesce(c.since_us, 0))
    query = (
        select(c.person_id)
        .where(c.person_id.in_(people))
        .group_by(c.person_id)
        .having(latest < stalled_before)
        .order_by(c.person_id)
    )
    return [row[0] for row in conn.execute(query)]


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
