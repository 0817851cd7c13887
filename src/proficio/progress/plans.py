"""Plans: which competencies, to which level, each role or cohort must reach, and by when.

    plans:
      - id: customer-ops-2026
        name: Customer Operations, wave 2
        framework: ai-at-work
        for: {cohort: ai-at-work-2026-w2}     # or {role: Operations Analyst}
        due: 2026-12-18                       # optional for a cohort: its end date
        targets: {restricted-data: review, verify-outputs: review, workflow: application}

A person under several plans takes, per competency, the highest target (of equal ones, the
one due first). The whole file replaces the plans stored; a wrong file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from proficio.progress.frameworks import Framework, FrameworkError
from proficio.storage import cohorts as cohort_store
from proficio.storage import progress as store

_KEYS = {"id", "name", "framework", "for", "due", "targets"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    framework_id: str
    role: str | None
    cohort_id: str | None
    due: str | None  # ISO date
    targets: dict[str, int]  # competency id -> level rank


@dataclass(frozen=True, slots=True)
class Target:
    level: int
    due: str | None
    plan_id: str


def check_plans(conn: Connection, document: Any, *, frameworks: list[Framework]) -> list[Plan]:
    if not isinstance(document, dict) or not isinstance(document.get("plans"), list):
        raise FrameworkError("a plans file is an object with a list under plans", field="plans")
    try:  # stored as JSON
        orjson.dumps(document)
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise FrameworkError(f"holds a value JSON cannot: {exc}", field="plans") from None
    by_id = {f.id: f for f in frameworks}
    cohorts = {row.cohort_id: row for row in cohort_store.find_cohorts(conn)}
    plans: list[Plan] = []
    for index, raw in enumerate(document["plans"]):
        path = f"plans[{index}]"
        plan = _plan(raw, path, by_id, cohorts)
        if any(p.id == plan.id for p in plans):
            raise FrameworkError(f"plan id {plan.id!r} is used twice", field=f"{path}.id")
        plans.append(plan)
    return plans


def _plan(raw: Any, path: str, frameworks: dict[str, Framework], cohorts: dict[str, Any]) -> Plan:
    if not isinstance(raw, dict):
        raise FrameworkError("must be an object with id, framework, for and targets", field=path)
    for key in raw:
        if key not in _KEYS:
            raise FrameworkError(
                f"unknown field; expected {', '.join(sorted(_KEYS))}", field=f"{path}.{key}"
            )
    plan_id = raw.get("id")
    if not isinstance(plan_id, str) or not plan_id:
        raise FrameworkError("must be a non-empty text", field=f"{path}.id")
    framework = frameworks.get(str(raw.get("framework")))
    if framework is None:
        raise FrameworkError(
            f"no framework {raw.get('framework')!r} is loaded", field=f"{path}.framework"
        )
    scope = raw.get("for")
    if (
        not isinstance(scope, dict)
        or len(scope) != 1
        or not scope.keys() <= {"role", "cohort"}
        or not isinstance(next(iter(scope.values())), str)
    ):
        raise FrameworkError("must be {role: NAME} or {cohort: ID}", field=f"{path}.for")
    cohort_id = scope.get("cohort")
    due = raw.get("due")
    if cohort_id is not None:
        if cohort_id not in cohorts:
            raise FrameworkError(f"no cohort {cohort_id!r}", field=f"{path}.for.cohort")
        due = due or cohorts[cohort_id].end_date
    if due is not None:
        due = str(due)
        if not _DATE.fullmatch(due):
            raise FrameworkError("must be a date, YYYY-MM-DD", field=f"{path}.due")
        try:
            dt.date.fromisoformat(due)
        except ValueError:
            raise FrameworkError("must be a date, YYYY-MM-DD", field=f"{path}.due") from None
    targets = raw.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise FrameworkError("must map competencies to target levels", field=f"{path}.targets")
    ranks = {level.id: level.rank for level in framework.scale}
    resolved: dict[str, int] = {}
    for competency_id, level_id in targets.items():
        if not isinstance(level_id, str):
            raise FrameworkError("must be a level's id", field=f"{path}.targets.{competency_id}")
        competency = framework.competency(str(competency_id))
        if competency is None:
            raise FrameworkError(
                f"no competency {competency_id!r} in {framework.id}",
                field=f"{path}.targets.{competency_id}",
            )
        if level_id not in ranks:
            raise FrameworkError(
                f"{level_id!r} is not a level of {framework.id} ({', '.join(ranks)})",
                field=f"{path}.targets.{competency_id}",
            )
        if not competency.rules:
            raise FrameworkError(
                "is not assessed (it has no evidence rules)",
                field=f"{path}.targets.{competency_id}",
            )
        resolved[str(competency_id)] = ranks[level_id]
    return Plan(
        id=plan_id,
        name=str(raw.get("name") or plan_id),
        framework_id=framework.id,
        role=scope.get("role"),
        cohort_id=cohort_id,
        due=due,
        targets=resolved,
    )


def load_plans(
    conn: Connection, *, document: Any, frameworks: list[Framework], at: str
) -> list[Plan]:
    """Check a plans document whole and store it, as given, in place of the plans stored."""
    plans = check_plans(conn, document, frameworks=frameworks)
    store.replace_plans(conn, document["plans"], updated_at=at)
    return plans


def stored_plans(conn: Connection, *, frameworks: list[Framework]) -> list[Plan]:
    """The plans stored, skipping any whose framework or cohort has gone since."""
    plans = []
    for document in store.plan_documents(conn):
        try:
            plans += check_plans(conn, {"plans": [document]}, frameworks=frameworks)
        except FrameworkError:
            continue
    return plans


def targets_of(
    plans: list[Plan], *, role: str | None, cohort_ids: set[str]
) -> dict[tuple[str, str], Target]:
    """(framework, competency) -> the target for someone in this role and these cohorts."""
    found: dict[tuple[str, str], Target] = {}
    for plan in plans:
        if not ((plan.role and plan.role == role) or (plan.cohort_id in cohort_ids)):
            continue
        for competency_id, level in plan.targets.items():
            key = (plan.framework_id, competency_id)
            current = found.get(key)
            if current is None or (level, _later(current.due)) > (current.level, _later(plan.due)):
                found[key] = Target(level, plan.due, plan.id)
    return found


def _later(due: str | None) -> str:
    return due or "9999-12-31"
