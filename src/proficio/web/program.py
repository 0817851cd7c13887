"""The enablement page (`/program`): the whole program by cohort, role, department or workflow,
each group beside the others, so a thriving department and a stuck one are both in view.

Per group: training completion, the level distribution of a chosen competency (a stacked bar,
never only a mean), the share at its target, who moved up since their baseline, self-rated
confidence at baseline and now, repeated application on workflows, and the median days to
the target level. Every bar and count drills down to the people behind it
(`/program/people`), and every table exports as CSV.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from statistics import fmean
from typing import Any
from urllib.parse import quote, unquote, urlencode

from sqlalchemy import Connection

from proficio.auth.permissions import ORGANISATION, Action, ensure_permission, visible_people
from proficio.capture.profile import ADL_VERBS
from proficio.errors import BadRequest
from proficio.lrs.timestamps import iso_from_us
from proficio.progress import training
from proficio.progress.aggregates import aggregate
from proficio.progress.evidence import Evidence
from proficio.progress.frameworks import Competency, Framework
from proficio.progress.rules import DAY_US
from proficio.progress.views import group_targets, people_group
from proficio.storage import cohorts as cohort_store
from proficio.storage import people as people_store
from proficio.storage import progress as progress_store
from proficio.storage import rawsql
from proficio.storage.keys import keys_containing
from proficio.web.charts import Bar, paired_histogram, stacked_bars
from proficio.web.pages import Ask, Page, Table

KINDS = ("department", "cohort", "role", "workflow")
REPEAT_DAYS = 30
REPEATS = 2  # workflow applications in REPEAT_DAYS that count as repeated use
CONFIDENCE = ("1", "2", "3", "4", "5")
RESPONDED = ADL_VERBS + "responded"
TABLES = ("groups", "distribution", "confidence")


def _groups(conn: Connection, kind: str) -> list[tuple[str, str]]:
    """(id, name) of every group of a kind."""
    if kind == "cohort":
        return [(c.cohort_id, c.name) for c in cohort_store.find_cohorts(conn)]
    if kind in ("department", "role"):
        return [(v, v) for v in people_store.active_values(conn, kind)]
    marker = "/activities/workflow/"
    paths = sorted({unquote(v.rsplit("/activities/", 1)[1]) for v in keys_containing(conn, marker)})
    return [(path, path.removeprefix("workflow/")) for path in paths]


def _competency(ask: Ask) -> tuple[Framework, Competency]:
    assessed = [(f, c) for f in ask.frameworks for c in f.assessed]
    if not assessed:
        raise BadRequest("no framework has an assessed competency yet", field="competency")
    chosen = ask.params.get("competency") or assessed[0][1].id
    for framework, competency in assessed:
        if competency.id == chosen:
            return framework, competency
    raise BadRequest(f"{chosen!r} is not an assessed competency", field="competency")


def _kind(ask: Ask) -> str:
    kind = ask.params.get("by") or "department"
    if kind not in KINDS:
        raise BadRequest(f"must be one of {', '.join(KINDS)}", field="by")
    return kind


def program_page(conn: Connection, ask: Ask) -> dict[str, Any]:
    ensure_permission(conn, ask.actor, Action.PROGRAM_READ, ORGANISATION)
    kind = _kind(ask)
    framework, competency = _competency(ask)
    _check_table(ask)
    scale = framework.level_names
    facts = _facts(conn, ask)

    def groups(c: Connection) -> list[dict[str, Any]]:
        return _group_rows(c, ask, kind, framework, competency)

    if visible_people(conn, ask.actor, Action.PROGRESS_READ) is None:
        # The same for everyone who sees everyone: shared, and recounted as levels change.
        key = ("program-groups", kind, framework.id, competency.id, ask.today)
        rows = ask.cached(conn, key, _verbs(ask), groups, levels=True)
    else:
        rows = groups(conn)
    bars = [
        Bar(
            r["name"],
            [d["people"] for d in r["distribution"]],
            [d["href"] for d in r["distribution"]],
        )
        for r in rows
        if r["size"]
    ]
    baseline, latest = facts.histograms
    competencies = [(c.id, c.name) for f in ask.frameworks for c in f.assessed]
    return {
        "title": "Program",
        "by": kind,
        "kinds": [{"kind": k, "href": ask.link(by=k), "current": k == kind} for k in KINDS],
        "competency": {"competency_id": competency.id, "name": competency.name},
        "competency_options": competencies,
        "scale": scale,
        "as_of": iso_from_us(ask.at_us),
        "groups": rows,
        "confidence": {"baseline": baseline, "now": latest, "people": len(facts.confidence)},
        "definitions": {
            "completion": "share of the group's enrolled people who completed every required "
            "training item the LMS reports on",
            "repeated_use": f"share who applied AI to a workflow at least {REPEATS} times in "
            f"the last {REPEAT_DAYS} days",
            "at_target": "share at the target level of the competency (the plan's, else "
            "Application)",
            "moved_up": "share of those with a baseline whose level rose since it",
        },
        "exports": {
            "groups": ask.link(".csv", table="groups"),
            "distribution": ask.link(".csv", table="distribution"),
            "confidence": ask.link(".csv", table="confidence"),
            "json": ask.link(".json"),
        },
        "charts": {
            "distribution": stacked_bars(
                "program-levels",
                title=f"{competency.name}: people at each level, by {kind}",
                levels=scale,
                bars=bars,
            )
            if bars
            else "",
            "confidence": paired_histogram(
                "program-confidence",
                title="Self-rated confidence (1-5): baseline and latest survey",
                categories=CONFIDENCE,
                series=[("Baseline", baseline), ("Latest", latest)],
            ),
        },
    }


def _group_rows(
    conn: Connection,
    ask: Ask,
    kind: str,
    framework: Framework,
    competency: Competency,
) -> list[dict[str, Any]]:
    """Each group's figures for one competency, side by side."""
    facts = _facts(conn, ask)
    rows = []
    for group_id, name in _groups(conn, kind):
        group = people_group(conn, ask.actor, kind, group_id)
        members = [row[0] for row in rawsql.execute_query(conn, group.people)]
        summary = aggregate(
            conn,
            group=group,
            frameworks=[framework],
            at_us=ask.at_us,
            targets=group_targets(conn, kind, group_id, [framework]),
            only={competency.id},
        )
        found = next(
            (c for c in summary["competencies"] if c["competency_id"] == competency.id), None
        )
        if found is not None:
            rows.append(_row(kind, group_id, name, members, found, facts, ask))
    return rows


def _check_table(ask: Ask) -> None:
    if (ask.params.get("table") or "groups") not in TABLES:
        raise BadRequest(f"must be one of {', '.join(TABLES)}", field="table")


def _row(
    kind: str,
    group_id: str,
    name: str,
    members: list[str],
    found: dict[str, Any],
    facts: PersonFacts,
    ask: Ask,
) -> dict[str, Any]:
    def share(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    done = facts.completed if kind != "cohort" else facts.completed_in.get(group_id, {})
    completed = [done[p] for p in members if p in done]
    confidences = [facts.confidence[p] for p in members if p in facts.confidence]
    movement = found["movement"]
    since = ask.at_us - REPEAT_DAYS * DAY_US
    drill = {"by": kind, "group": group_id, "competency": found["competency_id"]}
    return {
        "group_id": group_id,
        "name": name,
        "size": len(members),
        "completion": share(completed),
        "at_target": found["completion"],
        "target": found["target"]["level"],
        "moved_up": round(movement["moved_up"] / movement["with_baseline"], 4)
        if movement["with_baseline"]
        else None,
        "confidence_baseline": round(fmean(c[0] for c in confidences), 2) if confidences else None,
        "confidence_now": round(fmean(c[1] for c in confidences), 2) if confidences else None,
        "repeated_use": share([facts.applied_since(p, since) >= REPEATS for p in members]),
        "median_days_to_target": (found["time_to_target_days"] or {}).get("median"),
        "regressed": found["regressed"]["people"],
        "distribution": [
            {
                **d,
                "href": "/program/people?" + urlencode({**drill, "level": d["rank"]}),
            }
            for d in found["distribution"]
        ],
        "href": "/program/people?" + urlencode(drill),
    }


def _histogram(values: Any) -> list[int]:
    counts = [0] * len(CONFIDENCE)
    for v in values:
        if 1 <= v <= len(CONFIDENCE):
            counts[round(v) - 1] += 1
    return counts


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the groups' figures need per person, read once for everyone."""

    completed: dict[str, bool]  # person -> every required item done
    completed_in: dict[str, dict[str, bool]]  # cohort -> person -> its items done
    confidence: dict[str, tuple[float, float]]  # person -> (first answer, latest answer)
    applied: dict[str, list[int]]  # person -> when they applied AI to a workflow, in order
    histograms: tuple[list[int], list[int]]  # people per confidence rating: first, latest

    def applied_since(self, person_id: str, since_us: int) -> int:
        times = self.applied.get(person_id, [])
        return len(times) - bisect_left(times, since_us)


def _verbs(ask: Ask) -> tuple[str, ...]:
    """The statements the program's figures are counted from."""
    return (*training.COMPLETING_VERBS, RESPONDED, ask.profile.verb("applied"))


def _facts(conn: Connection, ask: Ask) -> PersonFacts:
    return ask.cached(conn, ("program-facts", ask.today), _verbs(ask), lambda c: _count(c, ask))


def _count(conn: Connection, ask: Ask) -> PersonFacts:
    completed: dict[str, bool] = {}
    completed_in: dict[str, dict[str, bool]] = defaultdict(dict)
    for record in ask.training(conn, None):
        done = record.status in (training.COMPLETED, training.LATE)
        completed[record.person_id] = completed.get(record.person_id, True) and done
        in_cohort = completed_in[record.cohort_id]
        in_cohort[record.person_id] = in_cohort.get(record.person_id, True) and done
    key = ask.profile.extension("confidence")
    answers: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for person_id, statement_id, at_us, _stored, facts in progress_store.evidence_by_verb(
        conn, [RESPONDED]
    ):
        value = Evidence.from_row(statement_id, at_us, facts).extensions.get(key)
        if isinstance(value, int | float):
            answers[person_id].append((at_us, float(value)))
    confidence = {p: (min(found)[1], max(found)[1]) for p, found in answers.items()}
    applied: dict[str, list[int]] = defaultdict(list)
    for person_id, _sid, at_us, _stored, _facts in progress_store.evidence_by_verb(
        conn, [ask.profile.verb("applied")]
    ):
        applied[person_id].append(at_us)
    for times in applied.values():
        times.sort()
    histograms = (
        _histogram(first for first, _ in confidence.values()),
        _histogram(last for _, last in confidence.values()),
    )
    return PersonFacts(completed, completed_in, confidence, applied, histograms)


def _program_table(context: dict[str, Any], params: dict[str, str]) -> Table:
    by = context["by"]
    if params.get("table") == "confidence":
        confidence = context["confidence"]
        rows = [
            ["baseline", *confidence["baseline"]],
            ["latest", *confidence["now"]],
        ]
        return Table("program-confidence", ["survey", *CONFIDENCE], rows)
    if params.get("table") == "distribution":
        header = [by, "people", *context["scale"]]
        rows = [
            [g["name"], g["size"], *(d["people"] for d in g["distribution"])]
            for g in context["groups"]
        ]
        return Table(f"program-{by}-{context['competency']['competency_id']}-levels", header, rows)
    columns = (
        "size",
        "completion",
        "at_target",
        "target",
        "moved_up",
        "confidence_baseline",
        "confidence_now",
        "repeated_use",
        "median_days_to_target",
        "regressed",
    )
    header = [by, *columns]
    rows = [[g["name"], *(g[c] for c in columns)] for g in context["groups"]]
    return Table(f"program-{by}", header, rows)


# The people behind a bar


def program_people(conn: Connection, ask: Ask) -> dict[str, Any]:
    ensure_permission(conn, ask.actor, Action.PROGRAM_READ, ORGANISATION)
    kind = _kind(ask)
    framework, competency = _competency(ask)
    group_id = ask.params.get("group") or ""
    if not group_id:
        raise BadRequest("name the group whose people to list", field="group")
    level = ask.params.get("level", "")
    if level and not (level.isascii() and level.isdigit() and int(level) <= len(framework.scale)):
        raise BadRequest(f"must be a level rank from 0 to {len(framework.scale)}", field="level")
    group = people_group(conn, ask.actor, kind, group_id)
    rows = []
    found = progress_store.level_of_people(
        conn, people=group.people, framework_id=framework.id, competency_id=competency.id
    )
    for person_id, name, department, role, rank, since_us, baseline in found:
        rank = rank or 0
        if level and rank != int(level):
            continue
        rows.append(
            {
                "person_id": person_id,
                "name": name,
                "department": department,
                "role": role,
                "level": {"rank": rank, "name": framework.level_name(rank)},
                "since": iso_from_us(since_us)[:10] if since_us else None,
                "baseline": framework.level_name(baseline) if baseline is not None else None,
                "href": f"/people/{quote(person_id)}",
            }
        )
    at = f" at {framework.level_name(int(level))}" if level else ""
    return {
        "title": f"{group.name}: {competency.name}{at}",
        "group": {"kind": kind, "id": group_id, "name": group.name, "size": group.size},
        "competency": {"competency_id": competency.id, "name": competency.name},
        "level": int(level) if level else None,
        "people": rows,
        "back": "/program?" + urlencode({"by": kind, "competency": competency.id}),
        "exports": {"csv": ask.link(".csv"), "json": ask.link(".json")},
    }


def _people_table(context: dict[str, Any], _params: dict[str, str]) -> Table:
    header = ["person_id", "name", "department", "role", "level", "since", "baseline"]
    rows = [
        [
            r["person_id"],
            r["name"],
            r["department"],
            r["role"],
            r["level"]["name"],
            r["since"],
            r["baseline"],
        ]
        for r in context["people"]
    ]
    return Table("program-people", header, rows)


PAGES = (
    Page(
        "/program",
        "program.html",
        program_page,
        filters=("by", "competency", "table"),
        view_name="program",
        tables=_program_table,
    ),
    Page(
        "/program/people",
        "program_people.html",
        program_people,
        filters=("by", "group", "competency", "level"),
        tables=_people_table,
    ),
)
