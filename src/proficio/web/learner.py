"""The learner's page (`/people/{person_id}`, `/me` for one's own): their level in every
competency on the ladder, the evidence that earned it, what is missing for the next level, how
it moved over time, what happened lately, their cohort's due dates, and where all their data is.

A manager drills down to the same page for someone in their reporting line; anyone else gets
403 and nothing of the person (`progress:read` on the person decides).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from proficio.auth.web import current_session
from proficio.errors import SignInRequired
from proficio.lrs.activities import activity_names
from proficio.lrs.timestamps import iso_from_us
from proficio.people import cohorts as cohort_service
from proficio.people.views import person_view, statement_about, timeline_page
from proficio.progress import training
from proficio.progress.evidence import Evidence
from proficio.progress.frameworks import NO_LEVEL
from proficio.progress.rules import DAY_US
from proficio.progress.service import person_evidence
from proficio.progress.views import person_progress
from proficio.storage import progress as progress_store
from proficio.web.charts import level_steps
from proficio.web.pages import Ask, Page
from proficio.web.words import day, evidence_line, plural

FEED_SIZE = 12
QUIET_DAYS = 14  # no evidence for longer than this: not on track, whatever the target
PACE_WEEKS = 3  # a level every three weeks: the pace that keeps a learner on track


def learner_page(conn: Connection, ask: Ask) -> dict[str, Any]:
    person_id = ask.params["person_id"]
    progress = person_progress(
        conn, actor=ask.actor, person_id=person_id, frameworks=ask.frameworks, at_us=ask.at_us
    )
    person = progress["person"]
    own = person_id == ask.actor.person_id
    rows = progress_store.evidence_of_people(conn, [person_id])[person_id]
    evidence = sorted(person_evidence(rows), key=lambda e: e.at_us, reverse=True)
    competencies = [c for f in progress["frameworks"] for c in f["competencies"]]
    week = _week(evidence, ask)
    scales = {f.id: f.level_names for f in ask.frameworks}
    start_us = _chart_start(progress, evidence, ask.at_us)
    charts = {}
    for framework in progress["frameworks"]:
        scale = scales[framework["framework_id"]]
        for c in framework["competencies"]:
            c["evidence_links"] = [
                {"statement_id": s, "href": f"/people/{quote(person_id)}/evidence/{s}"}
                for s in c["evidence"]
            ]
            points = [(_us(h["at"]), _rank(scale, h["to"])) for h in c["history"]]
            charts[c["competency_id"]] = level_steps(
                f"chart-{framework['framework_id']}-{c['competency_id']}",
                title=f"{c['name']}: level over time",
                levels=scale,
                points=[(t / DAY_US, r) for t, r in points],
                start=start_us / DAY_US,
                end=ask.at_us / DAY_US,
            )
    due = _due_dates(conn, person_id, ask.training(conn, {person_id}))
    return {
        "title": "My progress" if own else f"{person['name']}: progress",
        "view": "learner" if own else None,  # a drill-down is not a view of its own
        "own": own,
        "person": person,
        "as_of": progress["as_of"],
        "judged_at": progress["judged_at"],
        "baseline_date": progress["baseline_date"],
        "scale": next(iter(scales.values()), [NO_LEVEL]),
        "narrative": _narrative(person, own, competencies, week, due, evidence, ask.at_us),
        "this_week": week,
        "competencies": competencies,
        "feed": _feed(conn, person_id, evidence[:FEED_SIZE], competencies),
        "due_dates": due,
        "links": {
            "data": f"/people/{quote(person_id)}/data",
            "export": f"/people/{quote(person_id)}/data.json",
        },
        "charts": charts,
    }


def _rank(scale: list[str], name: str) -> int:
    return scale.index(name) if name in scale else 0


def _us(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1_000_000)


def _chart_start(progress: dict[str, Any], evidence: list[Evidence], now_us: int) -> int:
    """From the baseline (cohort start), else the first evidence; at least 30 days back."""
    candidates = [now_us - 30 * DAY_US]
    if progress["baseline_date"]:
        candidates.append(_us(progress["baseline_date"]))
    if evidence:
        candidates.append(evidence[-1].at_us)
    return min(candidates)


def _week(evidence: list[Evidence], ask: Ask) -> dict[str, int]:
    since = ask.at_us - 7 * DAY_US
    recent = [e for e in evidence if e.at_us >= since]
    used, applied = ask.profile.verb("used"), ask.profile.verb("applied")
    return {
        "evidence": len(recent),
        "tool_uses": sum(1 for e in recent if e.verb == used),
        "workflow_uses": sum(1 for e in recent if e.verb == applied),
    }


def _narrative(
    person: dict[str, Any],
    own: bool,
    competencies: list[dict[str, Any]],
    week: dict[str, int],
    due: list[dict[str, Any]],
    evidence: list[Evidence],
    now_us: int,
) -> str:
    """One paragraph a person reads first: where they stand, this week, what is next."""
    who, verb = ("You", "are") if own else (person["name"].split(" ")[0], "is")
    if not competencies:
        return f"{who} {verb} not assessed on any competency yet."
    counts: dict[str, int] = {}
    for c in competencies:
        counts[c["level"]["name"]] = counts.get(c["level"]["name"], 0) + 1
    top, n = max(counts.items(), key=lambda item: (item[1], item[0] != NO_LEVEL))
    where = (
        f"{who} {verb} not at any level yet in {n} of {len(competencies)} competencies"
        if top == NO_LEVEL
        else f"{who} {verb} at {top} in {n} of {len(competencies)} competencies"
    )
    this_week = (
        f"{plural(week['workflow_uses'], 'workflow use')} and "
        f"{plural(week['tool_uses'], 'AI-tool day')} this week"
    )
    return f"{where}; {this_week}; {outlook(competencies, due, evidence, now_us)}."


def outlook(
    competencies: list[dict[str, Any]],
    due: list[dict[str, Any]],
    evidence: list[Evidence],
    now_us: int,
) -> str:
    quiet_days = (now_us - evidence[0].at_us) // DAY_US if evidence else None
    active = quiet_days is not None and quiet_days <= QUIET_DAYS
    unmet = [c for c in competencies if c["target"] and not c["target"]["reached"]]
    # The first due, and of those the furthest away: on track only if even that one is.
    targets = sorted(
        unmet,
        key=lambda c: (c["target"]["due"] or "9999", c["level"]["rank"] - c["target"]["rank"]),
    )
    if targets:
        c = targets[0]
        goal, due_on = f"{c['target']['name']} in {c['name']}", c["target"]["due"]
        today = iso_from_us(now_us)[:10]
        if due_on and due_on < today:
            late = sum(1 for t in targets if t["target"]["due"] and t["target"]["due"] < today)
            return f"{plural(late, 'target')} past due, first {goal} (due {day(due_on)})"
        by = f" by {day(due_on)}" if due_on else ""
        if not active:
            return f"{goal} is due{by}, and no new evidence has come in for {quiet_days} days"
        # On track: active, and at most a level to go per PACE_WEEKS left (or no date).
        gap = c["target"]["rank"] - c["level"]["rank"]
        if not due_on:
            return f"on track for {goal}"
        weeks = (dt.date.fromisoformat(due_on) - dt.date.fromisoformat(today)).days / 7
        if gap <= max(1, weeks / PACE_WEEKS):
            return f"on track for {goal}{by}"
        step = f"; next: {c['missing'][0]}" if c["missing"] else ""
        return f"{goal}{by} is {plural(gap, 'level')} away with {weeks:.0f} weeks left{step}"
    overdue = [d for d in due if d["status"] == training.OVERDUE]
    if overdue:
        return f"{plural(len(overdue), 'training item')} overdue, first {overdue[0]['title']}"
    upcoming = [d for d in due if d["status"] == training.OPEN]
    if upcoming:
        return f"next due: {upcoming[0]['title']} by {day(upcoming[0]['due'])}"
    nearest = min(
        (c for c in competencies if c["next_level"] and c["missing"]),
        key=lambda c: (len(c["missing"]), -c["level"]["rank"]),
        default=None,
    )
    if nearest is None:
        return "every competency is at the top of the ladder"
    return f"next: {nearest['next_level']} in {nearest['name']} needs {nearest['missing'][0]}"


def _due_dates(
    conn: Connection, person_id: str, records: list[training.Record]
) -> list[dict[str, Any]]:
    tracked = {(r.cohort_id, r.item): r for r in records}
    out = []
    for cohort in cohort_service.cohorts_of_person(conn, person_id=person_id):
        for item in cohort.due_dates:
            record = tracked.get((cohort.cohort_id, item["name"]))
            out.append(
                {
                    "cohort": cohort.name,
                    "item": item["name"],
                    "title": record.title
                    if record
                    else item["name"].replace("-", " ").capitalize(),
                    "due": item["date"],
                    "status": record.status if record else "not tracked by the LMS",
                    "completed_at": record.completed_at if record else None,
                }
            )
    return sorted(out, key=lambda d: d["due"])


def _feed(
    conn: Connection,
    person_id: str,
    recent: list[Evidence],
    competencies: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The latest evidence and level changes, newest first, in plain words."""
    names = activity_names(conn, [e.activity for e in recent if e.activity])
    items: list[dict[str, Any]] = [
        {
            "at": iso_from_us(e.at_us),
            "text": evidence_line(e, names.get(e.activity or "")),
            "href": f"/people/{quote(person_id)}/evidence/{e.statement_id}",
            "kind": "evidence",
        }
        for e in recent
    ]
    cutoff = recent[-1].at_us if len(recent) >= FEED_SIZE else 0
    for c in competencies:
        for h in c["history"]:
            if _us(h["at"]) < cutoff:
                continue
            moved = "Reached" if h["direction"] == "up" else "Dropped to"
            text = f"{moved} {h['to']} in {c['name']}"
            if h.get("gap_days"):
                text += f" (back after {h['gap_days']} days away)"
            items.append({"at": h["at"], "text": text, "href": None, "kind": h["direction"]})
    return sorted(items, key=lambda i: i["at"], reverse=True)[:FEED_SIZE]


def evidence_page(conn: Connection, ask: Ask) -> dict[str, Any]:
    """One statement of a person's evidence, as stored (agents the viewer may not see hidden)."""
    person_id, statement_id = ask.params["person_id"], ask.params["statement_id"]
    body = statement_about(conn, actor=ask.actor, person_id=person_id, statement_id=statement_id)
    return {
        "title": f"Evidence {statement_id}",
        "person_id": person_id,
        "back": f"/people/{quote(person_id)}",
        "statement": body,
        "pretty": orjson.dumps(body, option=orjson.OPT_INDENT_2).decode(),
    }


def data_page(conn: Connection, ask: Ask) -> dict[str, Any]:
    """Everything Proficio holds about a person, on one page; its JSON twin is the export."""
    person_id = ask.params["person_id"]
    record = person_view(conn, actor=ask.actor, person_id=person_id)
    progress = person_progress(
        conn, actor=ask.actor, person_id=person_id, frameworks=ask.frameworks, at_us=ask.at_us
    )
    statements: list[dict[str, Any]] = []
    cursor: tuple[int, int] | None = None
    while True:  # the page shows the first 100; the JSON twin is the export of them all
        items, more = timeline_page(
            conn, actor=ask.actor, person_id=person_id, before=cursor, limit=1000
        )
        statements += items
        if more is None or ask.fmt == "html":
            break
        stamp, seq = more.split(".")
        cursor = (int(stamp), int(seq))
    return {
        "title": "Data Proficio holds"
        + ("" if person_id == ask.actor.person_id else f" about {record['person']['name']}"),
        "generated_at": iso_from_us(ask.at_us),
        "record": record,
        "progress": progress,
        "statements": statements,
        "export": f"/people/{quote(person_id)}/data.json",
    }


async def me(request: Request) -> Response:
    """`/me`: one's own learner page (or sign-in)."""
    try:
        found = await current_session(request)
    except SignInRequired:
        return RedirectResponse("/sign-in?next=%2Fme", status_code=303)
    person_id = found.actor.person_id
    if person_id is None:  # an account that is not a person: its own home instead
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/people/{quote(person_id)}", status_code=303)


PAGES = (
    Page("/people/{person_id}", "learner.html", learner_page, view_name="learner"),
    Page("/people/{person_id}/evidence/{statement_id}", "evidence.html", evidence_page),
    Page("/people/{person_id}/data", "data.html", data_page),
)
