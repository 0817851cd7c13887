"""Required training: which of their cohort's due items each person completed, when, and on
which statements (the compliance record; the program view's completion rate).

An item is required of a person when a cohort they are enrolled in lists it among its due dates
(`cohorts.due_dates`, named by course id). It is tracked when the LMS reports on it: its parts
are the course's modules and assessments seen completed or passed by anyone. A person completed
it when they completed or passed every part; the moment is their last first completion, and the
evidence is those statements. Items no LMS reports on (an assignment handed in elsewhere) are
not tracked here, rather than reported as missed by everyone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Connection

from proficio.capture.profile import ADL_VERBS
from proficio.lrs.activities import activity_names
from proficio.lrs.timestamps import iso_from_us
from proficio.progress.evidence import Evidence
from proficio.storage import cohorts as cohort_store
from proficio.storage import people as people_store
from proficio.storage import progress as store

COMPLETING_VERBS = (ADL_VERBS + "completed", ADL_VERBS + "passed")
_TRAINING_TYPES = ("course", "module", "assessment")
COMPLETED, LATE, OVERDUE, OPEN = "completed on time", "completed late", "overdue", "not yet due"
STATUSES = (COMPLETED, LATE, OVERDUE, OPEN)


@dataclass(frozen=True, slots=True)
class Record:
    """One required item of one person."""

    person_id: str
    name: str
    department: str
    cohort_id: str
    item: str  # the course id, as the cohort's due date names it
    title: str  # the course's name in the LMS, else its id
    due: str  # YYYY-MM-DD
    status: str
    completed_us: int | None
    evidence: tuple[tuple[int, str, int], ...]  # (timestamp µs, statement id, stored µs)
    day: str  # YYYY-MM-DD: when it was completed, else when it is due

    @property
    def completed_at(self) -> str | None:
        return iso_from_us(self.completed_us) if self.completed_us is not None else None

    def to_json(self) -> dict[str, object]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "department": self.department,
            "cohort_id": self.cohort_id,
            "item": self.item,
            "title": self.title,
            "due": self.due,
            "status": self.status,
            "completed_at": self.completed_at,
            "evidence": [
                {"statement_id": s, "timestamp": iso_from_us(t), "stored": iso_from_us(st)}
                for t, s, st in self.evidence
            ],
        }


def course_of(activity: str | None) -> str | None:
    """The course id in a training activity IRI: <base>/activities/{course|module|assessment}/
    COURSE[/PART]."""
    if not activity or "/activities/" not in activity:
        return None
    kind, _, rest = activity.rsplit("/activities/", 1)[1].partition("/")
    if kind not in _TRAINING_TYPES or not rest:
        return None
    return unquote(rest.split("/", 1)[0])


def records(conn: Connection, *, today: dt.date) -> list[Record]:
    """Every required item of every enrolled person, by department, then name, then due
    date (callers keep those of the people the viewer may see)."""
    firsts: dict[tuple[str, str], dict[str, tuple[int, str, int]]] = defaultdict(dict)
    parts: dict[str, set[str]] = defaultdict(set)
    for person_id, statement_id, at_us, stored_us, facts in store.evidence_by_verb(
        conn, COMPLETING_VERBS
    ):
        activity = Evidence.from_row(statement_id, at_us, facts).activity
        course = course_of(activity)
        if activity is None or course is None:
            continue
        parts[course].add(activity)
        seen = firsts[(person_id, course)]
        if activity not in seen or at_us < seen[activity][0]:
            seen[activity] = (at_us, statement_id, stored_us)
    titles = _titles(conn, parts)
    out = []
    for person, cohort in _enrolments(conn):
        for due in cohort.due_dates:
            item, date = due["name"], due["date"]
            if item not in parts:
                continue
            done = firsts.get((person["person_id"], item), {})
            ordered = sorted(done.values())  # (at_us, statement id, stored_us)
            finished_us = ordered[-1][0] if ordered and set(done) >= parts[item] else None
            finished = _day(finished_us) if finished_us is not None else None
            out.append(
                Record(
                    person_id=person["person_id"],
                    name=person["name"],
                    department=person["department"],
                    cohort_id=cohort.cohort_id,
                    item=item,
                    title=titles.get(item, item),
                    due=date,
                    status=_status(finished, date, today),
                    completed_us=finished_us,
                    evidence=tuple(ordered),
                    day=finished or date,
                )
            )
    out.sort(key=lambda r: (r.department, r.name, r.person_id, r.due))
    return out


def _day(us: int) -> str:
    return dt.datetime.fromtimestamp(us / 1e6, dt.UTC).date().isoformat()


def _status(finished: str | None, due: str, today: dt.date) -> str:
    if finished is not None:
        return COMPLETED if finished <= due else LATE
    return OVERDUE if today.isoformat() > due else OPEN


def _enrolments(conn: Connection) -> Iterator[tuple[dict[str, Any], cohort_store.CohortRow]]:
    """(person, cohort) of every enrolment; a merged person lives on in another, not here."""
    cohorts = {c.cohort_id: c for c in cohort_store.find_cohorts(conn)}
    people = people_store.all_people(conn)
    for member in cohort_store.members_of(conn, sorted(cohorts)):
        person = people.get(member.person_id)
        if member.status == "enrolled" and person is not None and person["status"] != "merged":
            yield {"person_id": member.person_id, **person}, cohorts[member.cohort_id]


def _titles(conn: Connection, parts: dict[str, set[str]]) -> dict[str, str]:
    """Each course's name, from its activity definition (the LMS names the course as the
    parent of its modules)."""
    wanted: dict[str, str] = {}
    for course, activities in parts.items():
        base = next(iter(activities)).rsplit("/activities/", 1)[0]
        wanted[f"{base}/activities/course/{course}"] = course
    return {wanted[a]: name for a, name in activity_names(conn, wanted).items()}
