"""The manager's page (`/team`; `/teams/{manager_id}` for someone else's): a heatmap of their
reporting line, people by competency with the level as colour and as text; stalled and overdue
people first; movement since the baseline; coaching signals; a drill-down to each person.

Only the manager's reporting line, ever: the team is read from the people directory under
`teams:read` on the manager, and every row is one the caller may `progress:read`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection

from proficio.auth.permissions import (
    Action,
    Person,
    Reach,
    ensure_permission,
    reach_of,
    visible_people,
)
from proficio.errors import BadRequest, Forbidden, NotFound
from proficio.lrs.timestamps import iso_from_us
from proficio.people.cohorts import Cohort, latest_cohorts
from proficio.people.directory import reporting_line
from proficio.progress import training
from proficio.progress.aggregates import STALLED_DAYS
from proficio.progress.frameworks import Framework
from proficio.progress.plans import stored_plans, targets_of
from proficio.progress.rules import DAY_US
from proficio.progress.service import person_evidence
from proficio.progress.signals import coaching_signals, worth_reading
from proficio.storage import people as people_store
from proficio.storage import progress as progress_store
from proficio.web.charts import Bar, stacked_bars
from proficio.web.pages import Ask, Page, Table, paginate

PAGE_SIZE = 50
CHUNK = 500  # ids per IN (...) list
STATUSES = ("all", "needs attention", "overdue", "stalled", "regressed", "on track")


def _columns(frameworks: list[Framework]) -> list[tuple[Framework, str, str]]:
    return [(f, c.id, c.name) for f in frameworks for c in f.assessed]


def team_page(conn: Connection, ask: Ask) -> dict[str, Any]:
    manager_id = ask.params.get("manager_id") or ask.actor.person_id
    if manager_id is None:
        raise NotFound("this account is not a person, so it has no team", field="account")
    if reach_of(ask.actor, Action.TEAMS_READ) < Reach.TEAM:
        raise Forbidden("teams:read reaches only this account's own person", field="action")
    ensure_permission(conn, ask.actor, Action.TEAMS_READ, Person(manager_id))
    manager = people_store.get_person(conn, manager_id)
    if manager is None:
        raise NotFound(f"no person with the id {manager_id!r}", field="manager_id")
    among = visible_people(conn, ask.actor, Action.PROGRESS_READ)
    line = [p for p in reporting_line(conn, manager_id=manager_id) if among is None or p in among]
    columns = _columns(ask.frameworks)
    chosen = ask.params.get("competency", "")
    if chosen and chosen not in {c for _, c, _ in columns}:
        raise BadRequest(f"{chosen!r} is not an assessed competency", field="competency")
    status = ask.params.get("status") or "all"
    if status not in STATUSES:
        raise BadRequest(f"must be one of {', '.join(STATUSES)}", field="status")
    team_cohorts = latest_cohorts(conn, person_ids=line)
    cohort = ask.params.get("cohort", "")
    if cohort and cohort not in {c.cohort_id for c in team_cohorts.values()}:
        raise BadRequest(f"{cohort!r} is not a cohort of this team", field="cohort")

    rows = _rows(conn, ask, line, columns, team_cohorts)
    if cohort:
        rows = [r for r in rows if r["cohort_id"] == cohort]
    # A competency chosen by id: the first framework's, should two frameworks share an id.
    if chosen:
        shown = [next(i for i, (_, c, _) in enumerate(columns) if c == chosen)]
    else:
        shown = list(range(len(columns)))
    shown_columns = [columns[i] for i in shown]
    summary = _summary(rows, columns)
    if status != "all":
        rows = [r for r in rows if _matches(r, status)]
    if chosen:
        rows.sort(key=lambda r: (r["cells"][shown[0]]["rank"], r["name"]))
    on_page, pagination = paginate(rows, ask, PAGE_SIZE)
    if not ask.whole:
        _add_signals(conn, ask, on_page)
    for r in on_page:
        r["cells"] = [r["cells"][i] for i in shown]
    return {
        "title": "My team" if manager_id == ask.actor.person_id else f"{manager['name']}'s team",
        "manager": {"person_id": manager_id, "name": manager["name"]},
        "as_of": iso_from_us(ask.at_us),
        "size": len(line),
        "filters": {"competency": chosen, "cohort": cohort, "status": status},
        "filter_options": {
            "competency": [("", "All competencies")] + [(c, n) for _, c, n in columns],
            "cohort": [
                ("", "All cohorts"),
                *sorted({(c.cohort_id, c.name) for c in team_cohorts.values()}, key=lambda c: c[1]),
            ],
            "status": [(s, s.capitalize()) for s in STATUSES],
        },
        "columns": [{"competency_id": c, "name": n} for _, c, n in shown_columns],
        "summary": summary,
        "people": on_page,
        "pagination": pagination,
        "exports": {"csv": ask.link(".csv", page=None), "json": ask.link(".json")},
        "charts": {"distribution": _chart(summary, columns)},
    }


def _rows(
    conn: Connection,
    ask: Ask,
    line: list[str],
    columns: list[tuple[Framework, str, str]],
    team_cohorts: dict[str, Cohort],
) -> list[dict[str, Any]]:
    if not line:
        return []
    people = {}
    for start in range(0, len(line), CHUNK):  # SQLite binds at most 32,766 parameters
        chunk = set(line[start : start + CHUNK])
        for p in people_store.find_people(conn, among=chunk, limit=len(chunk) + 1):
            people[p["person_id"]] = p
    levels: dict[str, dict[tuple[str, str], progress_store.LevelRow]] = {}
    for level in progress_store.levels_of_people(conn, line):
        levels.setdefault(level.person_id, {})[(level.framework_id, level.competency_id)] = level
    today = ask.today
    overdue_items = Counter(
        r.person_id for r in ask.training(conn, set(line)) if r.status == training.OVERDUE
    )
    plans = stored_plans(conn, frameworks=ask.frameworks)
    stalled_before = ask.at_us - STALLED_DAYS * DAY_US  # as the group views count it
    out = []
    for person_id in line:
        person = people.get(person_id)
        if person is None or person["status"] != "active":
            continue
        own = levels.get(person_id, {})
        cohort = team_cohorts.get(person_id)
        targets = targets_of(
            plans, role=person["role"], cohort_ids={cohort.cohort_id} if cohort else set()
        )
        cells, moved, last, regressed, missed = [], 0, None, False, 0
        for framework, competency_id, _name in columns:
            row = own.get((framework.id, competency_id))
            rank = row.level if row else 0
            cells.append({"rank": rank, "name": framework.level_name(rank)})
            if row is None:
                continue
            if row.baseline_level is not None:
                moved += row.level - row.baseline_level
            if row.last_evidence_us is not None:
                last = max(last or 0, row.last_evidence_us)
            regressed |= row.regressed
            target = targets.get((framework.id, competency_id))
            if target and target.due and target.due < today.isoformat() and rank < target.level:
                missed += 1
        stalled = last is None or last < stalled_before
        out.append(
            {
                "person_id": person_id,
                "name": person["name"],
                "role": person["role"],
                "href": f"/people/{quote(person_id)}",
                "cohort_id": cohort.cohort_id if cohort else None,
                "cohort": cohort.name if cohort else None,
                "cells": cells,
                "moved_since_baseline": moved,
                "last_evidence": iso_from_us(last)[:10] if last else None,
                "stalled": stalled,
                "overdue": overdue_items[person_id] + missed,
                "regressed": regressed,
            }
        )
    # Who needs the manager first: overdue, then stalled, then regressed; then by name.
    out.sort(key=lambda r: (-min(r["overdue"], 1), not r["stalled"], not r["regressed"], r["name"]))
    return out


def _matches(row: dict[str, Any], status: str) -> bool:
    attention = bool(row["overdue"] or row["stalled"] or row["regressed"])
    matches: dict[str, bool] = {
        "needs attention": attention,
        "overdue": bool(row["overdue"]),
        "stalled": row["stalled"],
        "regressed": row["regressed"],
        "on track": not attention,
    }
    return matches[status]


def _summary(
    rows: list[dict[str, Any]], columns: list[tuple[Framework, str, str]]
) -> dict[str, Any]:
    per_competency = []
    for i, (framework, competency_id, name) in enumerate(columns):
        counts = Counter(r["cells"][i]["rank"] for r in rows)
        per_competency.append(
            {
                "framework_id": framework.id,
                "competency_id": competency_id,
                "name": name,
                "levels": [
                    {"rank": rank, "name": framework.level_name(rank), "people": counts[rank]}
                    for rank in range(len(framework.scale) + 1)
                ],
            }
        )
    return {
        "people": len(rows),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "stalled": sum(1 for r in rows if r["stalled"]),
        "regressed": sum(1 for r in rows if r["regressed"]),
        "moved_up": sum(1 for r in rows if r["moved_since_baseline"] > 0),
        "levels_gained": sum(max(0, r["moved_since_baseline"]) for r in rows),
        "competencies": per_competency,
    }


def _chart(summary: dict[str, Any], columns: list[tuple[Framework, str, str]]) -> str:
    """One stacked-bar chart per framework (each has its own scale)."""
    charts = []
    for framework in {f.id: f for f, _, _ in columns}.values():
        mine = [c for c in summary["competencies"] if c["framework_id"] == framework.id]
        bars = [
            Bar(c["name"], [lv["people"] for lv in c["levels"]])
            for c in mine
            if sum(lv["people"] for lv in c["levels"])
        ]
        if bars:
            charts.append(
                stacked_bars(
                    f"team-levels-{framework.id}",
                    title=f"{framework.name}: people at each level, per competency",
                    levels=[lv["name"] for lv in mine[0]["levels"]],
                    bars=bars,
                )
            )
    return "".join(charts)


def _add_signals(conn: Connection, ask: Ask, rows: list[dict[str, Any]]) -> None:
    found = progress_store.evidence_of_people(conn, [r["person_id"] for r in rows])
    worth = worth_reading(ask.profile, ask.at_us)
    for r in rows:
        stored = found[r["person_id"]]
        last = max((row[2] for row in stored), default=None)
        evidence = person_evidence([row for row in stored if worth(row[2], row[3])])
        signals = coaching_signals(evidence, profile=ask.profile, now_us=ask.at_us, last_us=last)
        r["signals"] = [{"key": s.key, "text": s.text} for s in signals]


# The CSV's columns before the levels: each a key of a row of the heatmap.
_TABLE_FIELDS = ("person_id", "name", "role", "cohort", "overdue", "stalled", "regressed",
                 "moved_since_baseline", "last_evidence")  # fmt: skip


def _team_table(context: dict[str, Any], _params: dict[str, str]) -> Table:
    header = [*_TABLE_FIELDS, *(c["name"] for c in context["columns"])]
    rows = [
        [*(r[k] for k in _TABLE_FIELDS), *(c["name"] for c in r["cells"])]
        for r in context["people"]
    ]
    return Table("team", header, rows)


PAGES = (
    Page(
        "/team",
        "team.html",
        team_page,
        filters=("competency", "cohort", "status", "page"),
        view_name="team",
        tables=_team_table,
    ),
    Page(
        "/teams/{manager_id}",
        "team.html",
        team_page,
        filters=("competency", "cohort", "status", "page"),
        tables=_team_table,
    ),
)
