"""Cohorts: named runs of a program, with dates, due dates, target roles and members.

Applying a cohort file (`cohort_file.read_cohort_file`) adds the cohorts it lists and updates
those known, members included: a person no longer listed is marked removed (their row stays,
so history shows they were enrolled), one listed again is enrolled again. Cohorts the file
does not list are left alone. Nothing is stored unless every cohort passes: a new member must
be an active person (one already enrolled who has since left stays as they are, so their
cohort can still be closed or moved), and nobody may be in two active cohorts of one program,
whether both are in the file or one is already in the database. A cohort is active when its
status is active and it ends today or later. Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from proficio.errors import NotFound
from proficio.people.cohort_file import ACTIVE, CohortSpec, CohortsRejected, Problem
from proficio.storage import cohorts as store
from proficio.storage import people as people_store
from proficio.storage import progress as progress_store
from proficio.storage.cohorts import CohortRow, MemberRow

ENROLLED, REMOVED = "enrolled", "removed"
_COMPARED = ("name", "program", "start_date", "end_date", "due_dates", "target_roles", "status")


@dataclass(frozen=True)
class Cohort:
    cohort_id: str
    name: str
    program: str
    start_date: str
    end_date: str
    due_dates: list[dict[str, str]]
    target_roles: list[str]
    status: str
    members: list[MemberRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        body = {k: v for k, v in self.__dict__.items() if k != "members"}
        body["members"] = [
            {"person_id": m.person_id, "enrolled_on": m.enrolled_on, "status": m.status}
            for m in self.members
        ]
        return body


@dataclass
class CohortChange:
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    members_added: list[str] = field(default_factory=list)
    members_removed: list[str] = field(default_factory=list)


@dataclass
class CohortReport:
    added: list[str] = field(default_factory=list)
    updated: dict[str, CohortChange] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": {
                cohort_id: {
                    "changes": {n: {"from": a, "to": b} for n, (a, b) in change.changes.items()},
                    "members_added": change.members_added,
                    "members_removed": change.members_removed,
                }
                for cohort_id, change in self.updated.items()
            },
            "unchanged": self.unchanged,
        }


def _row(spec: CohortSpec) -> CohortRow:
    return CohortRow(
        cohort_id=spec.cohort_id,
        name=spec.name,
        program=spec.program,
        start_date=spec.start,
        end_date=spec.end,
        due_dates=spec.due_dates,
        target_roles=spec.target_roles,
        status=spec.status,
    )


def apply_cohorts(conn: Connection, *, cohorts: list[CohortSpec], today: dt.date) -> CohortReport:
    """Store the file's cohorts and members (see the module docstring)."""
    ids = [spec.cohort_id for spec in cohorts]
    known = {row.cohort_id: row for row in store.find_cohorts(conn, cohort_ids=ids)}
    members: dict[str, dict[str, MemberRow]] = {}
    for member in store.members_of(conn, ids):
        members.setdefault(member.cohort_id, {})[member.person_id] = member
    problems = _check_people(conn, cohorts, members) + _check_active(conn, cohorts, today)
    if problems:
        raise CohortsRejected(sorted(problems, key=lambda p: p.index))
    report = CohortReport()
    now_us = time.time_ns() // 1000
    for spec in cohorts:
        row, before = _row(spec), known.get(spec.cohort_id)
        change = CohortChange()
        if before is not None:
            change.changes = {
                n: (getattr(before, n), getattr(row, n))
                for n in _COMPARED
                if getattr(before, n) != getattr(row, n)
            }
        saved = before is None or bool(change.changes)
        if saved:
            store.save_cohort(conn, row, exists=before is not None, updated_us=now_us)
        _apply_members(conn, spec, members.get(spec.cohort_id, {}), today, change)
        if not saved and (change.members_added or change.members_removed):
            # Members changed alone: the cohort's updated time still moves (pages cache by it).
            store.save_cohort(conn, row, exists=True, updated_us=now_us)
        if before is None:
            report.added.append(spec.cohort_id)
        elif change.changes or change.members_added or change.members_removed:
            report.updated[spec.cohort_id] = change
        else:
            report.unchanged.append(spec.cohort_id)
            continue
        # A cohort's start is its members' baseline: the progress engine judges them again.
        affected = set(spec.members) | set(change.members_removed)
        progress_store.queue_people(conn, sorted(affected), now_us=now_us)
    return report


def _apply_members(
    conn: Connection,
    spec: CohortSpec,
    current: dict[str, MemberRow],
    today: dt.date,
    change: CohortChange,
) -> None:
    new = []
    for person in spec.members:
        member = current.get(person)
        if member is None:
            new.append(MemberRow(spec.cohort_id, person, today.isoformat(), ENROLLED))
        elif member.status == REMOVED:
            store.set_member(
                conn,
                cohort_id=spec.cohort_id,
                person_id=person,
                status=ENROLLED,
                enrolled_on=today.isoformat(),
            )
        else:
            continue
        change.members_added.append(person)
    store.insert_members(conn, new)
    listed = set(spec.members)
    for person, member in sorted(current.items()):
        if member.status == ENROLLED and person not in listed:
            store.set_member(
                conn, cohort_id=spec.cohort_id, person_id=person, status=REMOVED, enrolled_on=None
            )
            change.members_removed.append(person)


def _check_people(
    conn: Connection, cohorts: list[CohortSpec], current: dict[str, dict[str, MemberRow]]
) -> list[Problem]:
    """Every member is a person of the directory; every new enrolment is of an active one."""
    everyone = sorted({p for spec in cohorts for p in spec.members})
    statuses = people_store.statuses(conn, everyone)
    problems = []
    for spec in cohorts:
        enrolled = current.get(spec.cohort_id, {})
        for i, person in enumerate(spec.members):
            found = statuses.get(person)
            member = enrolled.get(person)
            if found is None:
                problems.append(spec.member_problem(i, f"no person with id {person!r}"))
            elif found[0] != ACTIVE and (member is None or member.status != ENROLLED):
                problems.append(spec.member_problem(i, f"{person!r} is not active ({found[0]})"))
    return problems


def _is_active(status: str, end_date: str, today: dt.date) -> bool:
    return status == ACTIVE and end_date >= today.isoformat()


def _check_active(conn: Connection, cohorts: list[CohortSpec], today: dt.date) -> list[Problem]:
    """Nobody in two active cohorts of one program, whether or not their runs overlap: each
    file cohort against the file's earlier cohorts and the database's cohorts the file does
    not list."""
    active = [spec for spec in cohorts if _is_active(spec.status, spec.end, today)]
    in_file = {spec.cohort_id for spec in cohorts}
    programs = {spec.program for spec in active}
    stored = [
        row
        for row in store.find_cohorts(conn, status=ACTIVE)
        if row.cohort_id not in in_file
        and row.program in programs
        and _is_active(row.status, row.end_date, today)
    ]
    enrolled: dict[str, set[str]] = {}
    for member in store.members_of(conn, [row.cohort_id for row in stored]):
        if member.status == ENROLLED:
            enrolled.setdefault(member.cohort_id, set()).add(member.person_id)
    # program -> person -> (cohort id, its end date, where it is)
    seen: dict[str, dict[str, tuple[str, str, str]]] = {}
    for row in stored:
        for person in enrolled.get(row.cohort_id, set()):
            seen.setdefault(row.program, {})[person] = (
                row.cohort_id,
                row.end_date,
                "in the database",
            )
    problems = []
    for spec in active:
        of_program = seen.setdefault(spec.program, {})
        for i, person in enumerate(spec.members):
            if person in of_program:
                other, end, where = of_program[person]
                reason = (
                    f"{person!r} is already in cohort {other!r} ({where}), an active cohort of "
                    f"program {spec.program!r} until {end}; a person is in one active cohort "
                    "of a program at a time"
                )
                problems.append(spec.member_problem(i, reason))
            else:
                of_program[person] = (
                    spec.cohort_id,
                    spec.end,
                    f"cohorts[{spec.index}] of the file",
                )
    return problems


def _with_members(conn: Connection, rows: list[CohortRow]) -> list[Cohort]:
    members: dict[str, list[MemberRow]] = {}
    for member in store.members_of(conn, [row.cohort_id for row in rows]):
        members.setdefault(member.cohort_id, []).append(member)
    return [Cohort(**_fields(row), members=members.get(row.cohort_id, [])) for row in rows]


def _fields(row: CohortRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CohortRow.__slots__}


def list_cohorts(
    conn: Connection, *, program: str | None = None, status: str | None = None
) -> list[Cohort]:
    """Cohorts by start date (members not loaded)."""
    return [Cohort(**_fields(r)) for r in store.find_cohorts(conn, program=program, status=status)]


def get_cohort(conn: Connection, *, cohort_id: str) -> Cohort:
    """One cohort with its members, removed ones included (their status says so)."""
    found = store.find_cohorts(conn, cohort_ids=[cohort_id])
    if not found:
        raise NotFound(f"no cohort with id {cohort_id!r}", field="cohort_id")
    return _with_members(conn, found)[0]


def cohorts_of_person(conn: Connection, *, person_id: str) -> list[Cohort]:
    """The cohorts a person is enrolled in, by start date (members not loaded)."""
    ids = store.cohort_ids_of_person(conn, person_id)
    return [Cohort(**_fields(r)) for r in store.find_cohorts(conn, cohort_ids=ids)] if ids else []


def latest_cohorts(conn: Connection, *, person_ids: Sequence[str]) -> dict[str, Cohort]:
    """Each person's latest-starting cohort they are enrolled in (members not loaded)."""
    wanted = set(person_ids)
    rows = store.find_cohorts(conn)  # by start date: a later one replaces an earlier one
    found: dict[str, Cohort] = {}
    by_id = {r.cohort_id: Cohort(**_fields(r)) for r in rows}
    members = store.members_of(conn, list(by_id)) if by_id else []
    order = {r.cohort_id: i for i, r in enumerate(rows)}
    for member in sorted(members, key=lambda m: order[m.cohort_id]):
        if member.status == ENROLLED and member.person_id in wanted:
            found[member.person_id] = by_id[member.cohort_id]
    return found
