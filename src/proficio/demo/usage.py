"""AI-tool usage: a daily export (one row per person per day) and a last-activity report.

Cohort members get their licence on the first day of their cohort, so the daily rows run from
then to the day before "today" (today's export is not in yet); days without use are rows with
active=no, as the real exports that list every licensed user do. The last-activity report is
derived from the same days, so both shapes tell one story.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from proficio.demo.company import Archetype, Department, Person, department
from proficio.demo.program import Cohort

COPILOT = "Microsoft 365 Copilot"
CODE_TOOL = "GitHub Copilot"
UNAPPROVED = "ChatGPT (personal account)"

USAGE_HEADER = (
    "person", "date", "tool", "active", "sessions", "prompts", "features", "approved",
)  # fmt: skip
LAST_ACTIVITY_APPS = {  # app name in the mapping: column of the report
    "Microsoft 365 Copilot": "Microsoft 365 Copilot Last Activity Date",
    "Copilot Chat": "Copilot Chat Last Activity Date",
    "Teams Copilot": "Teams Copilot Last Activity Date",
}
LAST_ACTIVITY_HEADER = ("User Principal Name", "Report Refresh Date", *LAST_ACTIVITY_APPS.values())


@dataclass
class Activity:
    """One person's use, kept for the files that depend on it (surveys, observations, report)."""

    days: int = 0  # days with access
    active: list[dt.date] = field(default_factory=list)
    last: dict[str, dt.date] = field(default_factory=dict)  # by LAST_ACTIVITY_APPS name

    def rate(self, since: dt.date, until: dt.date) -> float:
        """Share of working days in [since, until) with use."""
        working = [since + dt.timedelta(days=i) for i in range((until - since).days)]
        working = [d for d in working if d.weekday() < 5]
        used = sum(1 for d in self.active if since <= d < until and d.weekday() < 5)
        return used / len(working) if working else 0.0


def daily_rate(person: Person, archetype: Archetype, week: int) -> float:
    """Chance of using the tool on a working day in week `week` (0-based) of the cohort."""
    engagement = person.traits.engagement
    rate = engagement * (0.6, 0.9)[week] if week < 2 else engagement
    if archetype.gives_up:
        # They finish the courses, then drift back to the old way; only the keenest keep on.
        gives_up_at = 1 + int(engagement * 3)  # after week 1, 2 or 3
        if engagement < 0.85 and week >= gives_up_at:
            rate *= 0.04
    if archetype.champions > 0.05:
        rate *= 1 + 0.02 * week  # a thriving department keeps getting more out of it
    return min(rate, 0.97)


def usage_rows(
    rng: random.Random, people: list[Person], cohorts: list[Cohort], today: dt.date
) -> tuple[list[tuple[str, ...]], dict[str, Activity]]:
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    activity: dict[str, Activity] = {}
    for cohort in cohorts:
        for person_id in cohort.members:
            person = by_id[person_id]
            dept = department(person.department)
            mine = activity[person_id] = Activity()
            day = cohort.start
            while day < today:
                rate = daily_rate(person, dept.archetype, (day - cohort.start).days // 7)
                if day.weekday() >= 5:
                    rate *= 0.06
                mine.days += 1
                if rng.random() < rate:
                    rows.append(_active_row(rng, person, dept, day, mine))
                else:
                    tool = CODE_TOOL if "code" in dept.features else COPILOT
                    rows.append((person_id, day.isoformat(), tool, "no", "0", "0", "", "yes"))
                day += dt.timedelta(days=1)
    return rows, activity


def _active_row(
    rng: random.Random, person: Person, dept: Department, day: dt.date, mine: Activity
) -> tuple[str, ...]:
    traits = person.traits
    mine.active.append(day)
    sessions = 1 + min(11, int(rng.expovariate(1 / (0.4 + 2.5 * traits.engagement))))
    per_session = dept.archetype.prompts_per_session
    prompts = sum(max(1, round(rng.gauss(per_session, per_session / 3))) for _ in range(sessions))
    if rng.random() < 0.005 * (1 - traits.care):
        # The careless few who reach for a personal account: rare, and the dashboard's to find.
        return _row(person, day, UNAPPROVED, sessions, prompts, ["chat"], approved=False)
    if "code" in dept.features and rng.random() < 0.55:
        features = ["code"] if rng.random() < 0.6 else ["code", "chat"]
        return _row(person, day, CODE_TOOL, sessions, prompts, features, approved=True)
    count = 1 + (rng.random() < 0.5) + (rng.random() < 0.2)
    chosen = rng.sample(dept.features, count)
    features = [f for f in dept.features if f in chosen]  # in a stable order
    mine.last["Microsoft 365 Copilot"] = day
    if "chat" in features:
        mine.last["Copilot Chat"] = day
    if "summarise" in features:
        mine.last["Teams Copilot"] = day  # meeting recaps
    return _row(person, day, COPILOT, sessions, prompts, features, approved=True)


def _row(
    person: Person,
    day: dt.date,
    tool: str,
    sessions: int,
    prompts: int,
    features: list[str],
    *,
    approved: bool,
) -> tuple[str, ...]:
    return (
        person.person_id,
        day.isoformat(),
        tool,
        "yes",
        str(sessions),
        str(prompts),
        ";".join(features),
        "yes" if approved else "no",
    )


def last_activity_rows(
    people: list[Person], activity: dict[str, Activity], today: dt.date
) -> list[tuple[str, ...]]:
    """One row per person, as Microsoft 365's Copilot usage report lists every user."""
    rows = []
    for person in people:
        last = activity[person.person_id].last if person.person_id in activity else {}
        dates = [last[app].isoformat() if app in last else "" for app in LAST_ACTIVITY_APPS]
        rows.append((person.email, today.isoformat(), *dates))
    return rows
