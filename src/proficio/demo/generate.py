"""The demo organisation, generated: `generate_demo(seed=7, today=...)` -> DemoOrg.

A pure function of its arguments: no database, no importers, no clock. Each file draws from its
own random stream (seeded with the seed and the file's name), so the same seed gives the same
organisation, and a change to how one file is drawn leaves the others as they were.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from proficio.demo.company import Person, build_people
from proficio.demo.program import LMS_HEADER, Cohort, build_cohorts, lms_rows
from proficio.demo.usage import (
    LAST_ACTIVITY_HEADER,
    USAGE_HEADER,
    last_activity_rows,
    usage_rows,
)
from proficio.demo.voices import (
    OBSERVATION_HEADER,
    OFFICE_HOURS_HEADER,
    SURVEY_HEADER,
    observation_rows,
    office_hour_rows,
    survey_rows,
)
from proficio.demo.work import (
    ASSIGNMENT_HEADER,
    WORKFLOW_HEADER,
    assignment_rows,
    workflow_rows,
)

ROSTER_HEADER = (
    "person_id", "name", "email", "department", "role", "location", "manager_id", "hire_date",
)  # fmt: skip


@dataclass(frozen=True)
class Table:
    """The rows of one CSV file, every value already the string written."""

    filename: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class DemoOrg:
    seed: int
    today: dt.date
    people: list[Person]  # with their latent traits: the truth the files only hint at
    cohorts: list[Cohort]
    roster: Table
    lms: Table
    usage: Table
    usage_last_activity: Table
    surveys: Table
    observations: Table
    office_hours: Table
    workflows: Table
    assignments: Table

    @property
    def tables(self) -> list[Table]:
        return [
            self.roster,
            self.lms,
            self.usage,
            self.usage_last_activity,
            self.surveys,
            self.observations,
            self.office_hours,
            self.workflows,
            self.assignments,
        ]


def generate_demo(*, seed: int, people: int = 1500, today: dt.date) -> DemoOrg:
    """The demo company of `people` people (at least 100) as its systems would export it on
    `today`; the cohorts are placed relative to `today` (docs/demo.md)."""

    def stream(name: str) -> random.Random:
        return random.Random(f"proficio-demo/{seed}/{name}")

    staff = build_people(stream("people"), people, today)
    cohorts = build_cohorts(staff, today)
    usage, activity = usage_rows(stream("usage"), staff, cohorts, today)
    return DemoOrg(
        seed=seed,
        today=today,
        people=staff,
        cohorts=cohorts,
        roster=Table("roster.csv", ROSTER_HEADER, [_roster_row(p) for p in staff]),
        lms=Table("lms.csv", LMS_HEADER, lms_rows(stream("lms"), staff, cohorts, today)),
        usage=Table("usage.csv", USAGE_HEADER, usage),
        usage_last_activity=Table(
            "usage_last_activity.csv",
            LAST_ACTIVITY_HEADER,
            last_activity_rows(staff, activity, today),
        ),
        surveys=Table(
            "surveys.csv",
            SURVEY_HEADER,
            survey_rows(stream("surveys"), staff, cohorts, activity, today),
        ),
        observations=Table(
            "observations.csv",
            OBSERVATION_HEADER,
            observation_rows(stream("observations"), staff, cohorts, activity, today),
        ),
        office_hours=Table(
            "office_hours.csv",
            OFFICE_HOURS_HEADER,
            office_hour_rows(stream("office_hours"), staff, cohorts, today),
        ),
        workflows=Table(
            "workflows.csv",
            WORKFLOW_HEADER,
            workflow_rows(stream("workflows"), staff, cohorts, activity, today),
        ),
        assignments=Table(
            "assignments.csv",
            ASSIGNMENT_HEADER,
            assignment_rows(stream("assignments"), staff, cohorts, today),
        ),
    )


def _roster_row(person: Person) -> tuple[str, ...]:
    return (
        person.person_id,
        person.name,
        person.email,
        person.department,
        person.role,
        person.location,
        person.manager_id or "",
        person.hire_date.isoformat(),
    )
