"""What the progress API and CLI return, each scoped by permission: a learner sees themself, a
manager their reporting line, enablement and compliance everyone (`auth.permissions`).

A person's view reads their stored levels and history, and works out the explanation (which
rule branches held, on which statements) from their evidence with the same pure function the
engine ran, so what is shown as the reason is exactly what decided the level.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import ColumnElement, Connection, Select, func, select, union_all

from proficio.auth.permissions import (
    ORGANISATION,
    Action,
    Actor,
    Person,
    ensure_permission,
    visible_people,
)
from proficio.errors import BadRequest, NotFound
from proficio.lrs.refs import RefKind
from proficio.lrs.timestamps import iso_from_us
from proficio.people import cohorts as cohort_service
from proficio.people.directory import reporting_line
from proficio.progress.aggregates import PeopleGroup, aggregate
from proficio.progress.engine import State, missing_for_next, progress_of
from proficio.progress.frameworks import Framework
from proficio.progress.plans import Target, stored_plans, targets_of
from proficio.progress.service import baselines, person_evidence
from proficio.storage import cohorts as cohort_store
from proficio.storage import people as people_store
from proficio.storage import progress as store
from proficio.storage.schema import (
    REF_TABLES,
    cohort_members,
    lrs_keys,
    people,
    person_identities,
    progress_evidence,
    statements,
)

GROUP_KINDS = ("team", "cohort", "role", "department", "workflow")


def _iso(us: int | None) -> str | None:
    return iso_from_us(us) if us is not None else None


def _person(conn: Connection, person_id: str) -> dict[str, Any]:
    found = people_store.get_person(conn, person_id)
    if found is None:
        raise NotFound(f"no person with the id {person_id!r}", field="person_id")
    return found


def _targets(
    conn: Connection, person: dict[str, Any], frameworks: list[Framework]
) -> dict[tuple[str, str], Target]:
    cohorts = {
        c.cohort_id for c in cohort_service.cohorts_of_person(conn, person_id=person["person_id"])
    }
    plans = stored_plans(conn, frameworks=frameworks)
    return targets_of(plans, role=person.get("role"), cohort_ids=cohorts)


def person_progress(
    conn: Connection,
    *,
    actor: Actor,
    person_id: str,
    frameworks: list[Framework],
    at_us: int,
    competency_id: str | None = None,
) -> dict[str, Any]:
    """Every competency's level for one person, with what earned it, what is missing for the
    next level, their history and targets; with `competency_id`, that one explained in full."""
    ensure_permission(conn, actor, Action.PROGRESS_READ, Person(person_id))
    person = _person(conn, person_id)
    rows = store.evidence_of_people(conn, [person_id])[person_id]
    evidence = person_evidence(rows)
    baseline_us = baselines(conn, [person_id], at_us=at_us).get(person_id)
    stored = {
        (r.framework_id, r.competency_id): r for r in store.levels_of_people(conn, [person_id])
    }
    history = store.changes_of(conn, [person_id], competency_id=competency_id)
    targets = _targets(conn, person, frameworks)
    known = False
    out = []
    for framework in frameworks:
        progress = progress_of(
            framework, evidence, now_us=at_us, baseline_us=baseline_us, explain=True
        )
        competencies = []
        for state in progress.states:
            if competency_id is not None and state.competency_id != competency_id:
                continue
            known = True
            key = (framework.id, state.competency_id)
            competencies.append(
                _competency_view(
                    framework,
                    state,
                    stored.get(key),
                    targets.get(key),
                    [c for c in history if (c.framework_id, c.competency_id) == key],
                    full=competency_id is not None,
                )
            )
        if competencies:
            out.append(
                {"framework_id": framework.id, "name": framework.name, "competencies": competencies}
            )
    if competency_id is not None and not known:
        raise NotFound(f"no assessed competency {competency_id!r}", field="competency")
    judged = store.evaluated_at(conn, [person_id]).get(person_id)
    return {
        "person": {k: person[k] for k in ("person_id", "name", "department", "role", "manager_id")},
        "as_of": iso_from_us(at_us),
        "judged_at": _iso(judged),
        "baseline_date": _iso(baseline_us),
        "evidence_count": len(evidence),
        "frameworks": out,
        "summary": _summary(out),
    }


def _competency_view(
    framework: Framework,
    state: State,
    stored: store.LevelRow | None,
    target: Target | None,
    history: list[store.ChangeRow],
    *,
    full: bool,
) -> dict[str, Any]:
    level = state.level
    earned = sorted({i for o in state.levels[:level] for i in _ids(o.to_json())})
    view: dict[str, Any] = {
        "competency_id": state.competency_id,
        "name": framework.competency(state.competency_id).name,  # type: ignore[union-attr]
        "level": {"rank": level, "name": framework.level_name(level)},
        "stored_level": stored.level if stored is not None else 0,
        "since": _iso(state.since_us),
        "last_evidence": _iso(state.last_evidence_us),
        "baseline": (
            {"rank": state.baseline_level, "name": framework.level_name(state.baseline_level)}
            if state.baseline_level is not None
            else None
        ),
        "regressed": state.regressed,
        "evidence": earned,
        "next_level": framework.level_name(level + 1) if level < len(framework.scale) else None,
        "missing": missing_for_next(state),
        "target": (
            {
                "rank": target.level,
                "name": framework.level_name(target.level),
                "due": target.due,
                "plan_id": target.plan_id,
                "reached": level >= target.level,
            }
            if target is not None
            else None
        ),
        "history": [
            {
                "at": iso_from_us(c.at_us),
                "from": framework.level_name(c.from_level),
                "to": framework.level_name(c.to_level),
                "direction": "up" if c.to_level > c.from_level else "down",
                "cause": c.cause,
                "statement_ids": orjson.loads(c.statement_ids),
                "gap_days": c.gap_days,
            }
            for c in history
        ],
    }
    if full:
        view["levels"] = [
            {"rank": rank, "name": framework.level_name(rank), **outcome.to_json()}
            for rank, outcome in enumerate(state.levels, 1)
        ]
    return view


def _ids(outcome: dict[str, Any]) -> list[str]:
    if not outcome["held"]:
        return []
    if "children" in outcome:
        return [i for child in outcome["children"] for i in _ids(child)]
    return list(outcome["statement_ids"])


def _summary(frameworks: list[dict[str, Any]]) -> str:
    """One line: where the person stands."""
    competencies = [c for f in frameworks for c in f["competencies"]]
    if not competencies:
        return "No competencies are assessed yet."
    counts: dict[str, int] = {}
    for c in competencies:
        counts[c["level"]["name"]] = counts.get(c["level"]["name"], 0) + 1
    top = max(counts.items(), key=lambda item: (item[1], item[0]))
    return f"At {top[0]} in {top[1]} of {len(competencies)} competencies."


# Groups


def group_progress(
    conn: Connection,
    *,
    actor: Actor,
    kind: str,
    group_id: str,
    frameworks: list[Framework],
    at_us: int,
    stalled_days: int,
) -> dict[str, Any]:
    if kind not in GROUP_KINDS:
        raise BadRequest(f"must be one of {', '.join(GROUP_KINDS)}", field="kind")
    group = people_group(conn, actor, kind, group_id)
    return aggregate(
        conn,
        group=group,
        frameworks=frameworks,
        at_us=at_us,
        targets=group_targets(conn, kind, group_id, frameworks),
        stalled_days=stalled_days,
    )


def group_targets(
    conn: Connection, kind: str, group_id: str, frameworks: list[Framework]
) -> dict[tuple[str, str], int]:
    """The level a cohort's or a role's plans aim for, per competency (others: none)."""
    if kind not in ("cohort", "role"):
        return {}
    plans = stored_plans(conn, frameworks=frameworks)
    if kind == "cohort":
        found = targets_of(plans, role=None, cohort_ids={group_id})
    else:
        found = targets_of(plans, role=group_id, cohort_ids=set())
    return {k: t.level for k, t in found.items()}


def people_group(conn: Connection, actor: Actor, kind: str, group_id: str) -> PeopleGroup:
    """The people of a group that the caller may see; 403 when that is nobody."""
    among = visible_people(conn, actor, Action.PROGRESS_READ)
    p = people.c
    if kind == "team":
        ensure_permission(conn, actor, Action.PROGRESS_READ, Person(group_id))
        manager = _person(conn, group_id)
        members: Select[Any] = select(p.person_id).where(
            p.person_id.in_(reporting_line(conn, manager_id=group_id))
        )
        name = f"{manager['name']}'s team"
    elif kind == "cohort":
        found = cohort_store.find_cohorts(conn, cohort_ids=[group_id])
        if not found and among is not None:  # whether it exists is not theirs to learn
            ensure_permission(conn, actor, Action.PROGRESS_READ, ORGANISATION)
        if not found:
            raise NotFound(f"no cohort with id {group_id!r}", field="cohort_id")
        m = cohort_members.c
        members = select(m.person_id).where(m.cohort_id == group_id, m.status == "enrolled")
        name = found[0].name
    elif kind in ("role", "department"):
        column = p.role if kind == "role" else p.department
        members = select(p.person_id).where(column == group_id, p.status == "active")
        name = group_id
    else:
        members, name = _workflow_people(group_id), group_id
    if among is not None:
        members = members.where(members.selected_columns[0].in_(sorted(among)))
    size = int(conn.execute(select(func.count()).select_from(members.subquery())).scalar_one())
    if size == 0 and among is not None:
        # Nobody the caller may see: refuse (audited) rather than show an empty group.
        ensure_permission(conn, actor, Action.PROGRESS_READ, ORGANISATION)
    return PeopleGroup(kind=kind, id=group_id, name=name, people=members, size=size)


def _workflow_people(workflow: str) -> Select[Any]:
    """People with evidence on the workflow: an activity IRI, or its path under Proficio's
    activities (`workflow/Month-end close`)."""
    s, e, i, k = statements.c, progress_evidence.c, person_identities.c, lrs_keys.c
    wanted: ColumnElement[bool]
    if "://" in workflow:  # a URL path arrives decoded: "%20" in the IRI came as a space
        wanted = k.value.in_({workflow, quote(workflow, safe=":/%?#=&+;@!$'()*,~")})
    else:
        wanted = k.value.endswith("/activities/" + quote(workflow, safe="/"), autoescape=True)
    on_it = union_all(
        *(
            select(t.c.seq).where(
                t.c.kind == RefKind.ACTIVITY, t.c.key_id.in_(select(k.id).where(wanted))
            )
            for t in REF_TABLES
        )
    ).subquery()
    return (
        select(i.person_id)
        .distinct()
        .select_from(on_it)
        .join(statements, s.seq == on_it.c.seq)
        .join(progress_evidence, e.seq == s.seq)
        .join(person_identities, i.identifier == e.actor_key)
    )
