"""The AI-at-work program: three staggered 12-week cohorts, their courses, and the LMS rows.

Cohorts start four weeks apart and are placed so that on the demo's "today" the first has
finished, the second is finishing and the third is in week 9: a dashboard then shows every
stage of a program at once.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from proficio.demo.company import DEPARTMENTS, Person

PROGRAM = "ai-at-work"
WEEKS = 12


@dataclass(frozen=True)
class DueDate:
    name: str
    date: dt.date


@dataclass(frozen=True)
class Cohort:
    id: str
    name: str
    program: str
    start: dt.date
    end: dt.date
    due_dates: tuple[DueDate, ...]
    target_roles: tuple[str, ...]
    members: tuple[str, ...]  # person ids
    operations: bool  # the cohort whose work touches customer data

    def day(self, week: int, weekday: int = 0) -> dt.date:
        """A date inside the cohort: week 0 is the first week, weekday 0 is Monday."""
        return self.start + dt.timedelta(days=7 * week + weekday)


@dataclass(frozen=True)
class Module:
    course_id: str
    course_name: str
    module_id: str
    scored: bool  # a quiz or exercise with a 0-100 score; pass mark PASS
    minutes: int  # typical time spent
    due_week: int  # due on the Friday of this week of the cohort


PASS = 70
MODULES: tuple[Module, ...] = (
    Module("ai-safe-use", "Using AI safely at Northwind", "safe-use", False, 35, 1),
    Module("ai-safe-use", "Using AI safely at Northwind", "safe-use-quiz", True, 15, 1),
    Module("prompting-basics", "Prompting basics", "prompting-basics", False, 50, 3),
    Module("verifying-outputs", "Verifying AI outputs", "verifying-outputs", False, 40, 6),
    Module("verifying-outputs", "Verifying AI outputs", "verification-exercise", True, 30, 6),
    Module("workflow-design", "Designing AI into your workflow", "workflow-design", False, 60, 10),
)
ASSIGNMENTS = (("use-case-brief", 5), ("workflow-redesign", 11))  # (id, due week)
_COHORTS = (  # (id, name, weeks before today's week that it started)
    ("ai-at-work-2026-w1", "AI at Work, wave 1: Engineering, Product and Marketing", 16),
    ("ai-at-work-2026-w2", "AI at Work, wave 2: Customer Operations", 12),
    ("ai-at-work-2026-w3", "AI at Work, wave 3: Sales, Finance, HR and Legal", 8),
)


def build_cohorts(people: list[Person], today: dt.date) -> list[Cohort]:
    """Everyone but the CEO joins their department's cohort, unless hired after it started."""
    monday = today - dt.timedelta(days=today.weekday())
    cohorts = []
    for index, (cohort_id, name, weeks_ago) in enumerate(_COHORTS):
        start = monday - dt.timedelta(weeks=weeks_ago)
        departments = [d.name for d in DEPARTMENTS if d.cohort == index]
        members = [p for p in people if p.department in departments and p.hire_date < start]
        due = {m.course_id: m.due_week for m in MODULES} | dict(ASSIGNMENTS)
        cohorts.append(
            Cohort(
                id=cohort_id,
                name=name,
                program=PROGRAM,
                start=start,
                end=start + dt.timedelta(weeks=WEEKS, days=-1),
                due_dates=tuple(
                    DueDate(n, start + dt.timedelta(weeks=w, days=4))
                    for n, w in sorted(due.items(), key=lambda item: item[1])
                ),
                target_roles=tuple(sorted({p.role for p in members})),
                members=tuple(p.person_id for p in members),
                operations=departments == ["Customer Operations"],
            )
        )
    return cohorts


LMS_HEADER = (
    "person", "course_id", "course_name", "module_id", "outcome", "score", "max_score",
    "time_spent_minutes", "timestamp",
)  # fmt: skip


def lms_rows(
    rng: random.Random, people: list[Person], cohorts: list[Cohort], today: dt.date
) -> list[tuple[str, ...]]:
    """One row per module completion or scored attempt, up to today; failed attempts are
    retaken by the diligent."""
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    for cohort in cohorts:
        for person_id in cohort.members:
            traits = by_id[person_id].traits
            dropped = False
            for position, module in enumerate(MODULES):
                # Later modules lose more people: a chance that shrinks with each module.
                if dropped or rng.random() > traits.diligence ** (0.4 + 0.25 * position):
                    dropped = not module.scored  # a skipped quiz does not end the course
                    continue
                lateness = rng.gauss(-2.0, 3.0) + 6 * (1 - traits.diligence)
                when = _moment(rng, cohort.day(module.due_week, 4), lateness)
                while when.date() < today:
                    minutes = round(module.minutes * rng.uniform(0.6, 1.6))
                    if not module.scored:
                        rows.append(_row(person_id, module, "completed", "", minutes, when))
                        break
                    score = _score(rng, traits.skill, module)
                    outcome = "passed" if score >= PASS else "failed"
                    rows.append(_row(person_id, module, outcome, str(score), minutes, when))
                    if outcome == "passed" or rng.random() > traits.diligence:
                        break
                    when += dt.timedelta(days=rng.randint(1, 4), minutes=rng.randint(0, 240))
                    traits = replace(traits, skill=min(1.0, traits.skill + 0.12))  # practice
    return rows


def _score(rng: random.Random, skill: float, module: Module) -> int:
    # The verification exercise is where weak checking habits show; the quiz is easier.
    base = 0.45 + 0.5 * skill if module.module_id == "safe-use-quiz" else 0.2 + 0.75 * skill
    return max(0, min(100, round(100 * (base + rng.gauss(0, 0.08)))))


def _moment(rng: random.Random, due: dt.date, days_late: float) -> dt.datetime:
    """A working-hours moment around the due date."""
    day = due + dt.timedelta(days=round(days_late))
    if day.weekday() >= 5:
        day -= dt.timedelta(days=day.weekday() - 4)
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))


def _row(
    person: str, module: Module, outcome: str, score: str, minutes: int, when: dt.datetime
) -> tuple[str, ...]:
    return (
        person,
        module.course_id,
        module.course_name,
        module.module_id,
        outcome,
        score,
        "100" if module.scored else "",
        str(minutes),
        when.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


# What the program aims for: every assessed competency at Application by the cohort's end;
# the operations cohort, whose work touches customer data, also at Review in keeping restricted
# data out and in verifying outputs.
TARGETS = {
    "approved-tools": "application",
    "use-cases": "application",
    "restricted-data": "application",
    "prompting": "application",
    "verify-outputs": "application",
    "workflow": "application",
    "when-not": "application",
    "escalate": "application",
}
OPERATIONS_TARGETS = {"restricted-data": "review", "verify-outputs": "review"}


def plans(cohorts: list[Cohort]) -> dict[str, object]:
    """The plans document for the cohorts (`proficio plans load`), due at each cohort's end."""
    return {
        "plans": [
            {
                "id": f"{cohort.id}-targets",
                "name": f"{cohort.name}: targets",
                "framework": "ai-at-work",
                "for": {"cohort": cohort.id},
                "targets": TARGETS | (OPERATIONS_TARGETS if cohort.operations else {}),
            }
            for cohort in cohorts
        ]
    }
