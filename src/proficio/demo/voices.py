"""What people say and what managers see: survey waves, manager observations, office hours.

Each answer follows the person's latent traits and their actual use (Activity), with noise, so a
survey can disagree with the usage export in the ways real ones do (Sales rates its confidence
above its verification scores).
"""

from __future__ import annotations

import datetime as dt
import random

from proficio.demo.company import Person, department
from proficio.demo.program import Cohort
from proficio.demo.usage import Activity

SURVEY_HEADER = (
    "person", "wave", "submitted_on", "tool_access", "usage_frequency", "confidence",
    "understands_approved_tools", "aware_of_data_rules", "pain_points", "manager_expectations",
    "priority_use_cases",
)  # fmt: skip
OBSERVATION_HEADER = ("person", "observer", "behaviour", "rating", "note", "date")
OFFICE_HOURS_HEADER = ("person", "question", "topics", "date", "answered_by")

PAIN_POINTS = (
    "Not sure what I am allowed to paste in",
    "No time to practise during busy weeks",
    "Outputs need a lot of rework",
    "Hard to know which tool is approved for what",
    "It does not know our internal systems",
    "I forget to use it when I am under pressure",
    "Checking its answers takes as long as doing the work",
    "",
)
MANAGER_EXPECTATIONS = (
    "Use it for routine drafting and check everything before it goes out",
    "My manager has not said anything about it",
    "Save time on reporting",
    "Try it on one workflow and share what worked",
    "Expected to use it but not told for what",
    "Keep customer data out of it",
)
# Office-hour questions as (question, topics). The data-rules ones come back week after week in
# slightly different words: the pattern a dashboard should surface.
QUESTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "data-rules": (
        ("Can I paste a customer's email into Copilot if I delete their name first?", "data-rules"),
        ("Is it OK to upload the complaints spreadsheet so it can summarise it?", "data-rules"),
        ("Which data classification can go into the assistant? Is 'internal' fine?", "data-rules"),
        ("Are account numbers personal data if the customer sent them to us?", "data-rules"),
        (
            "If a tool is approved, does that mean any data can go into it?",
            "data-rules;approved-tools",
        ),
        ("Do the data rules also apply to ChatGPT on my own phone?", "data-rules;approved-tools"),
        (
            "What counts as customer data? Is a ticket number enough to identify someone?",
            "data-rules",
        ),
        ("Can I put contract drafts with client names into the tool?", "data-rules"),
    ),
    "approved-tools": (
        ("Which tools are on the approved list now?", "approved-tools"),
        ("Is Copilot in Teams the same thing as Copilot Chat?", "approved-tools"),
        ("Can I use a browser plugin for ChatGPT at work?", "approved-tools"),
    ),
    "prompting": (
        ("How do I get it to keep our tone of voice?", "prompting"),
        ("Why does it ignore half of my instructions?", "prompting"),
        ("Can I save good prompts for my team?", "prompting;workflows"),
    ),
    "verification": (
        ("How do I check the figures it gives me?", "verification"),
        ("It cited a policy that does not exist. How do I catch that?", "verification"),
        ("How much checking is enough for an internal note?", "verification;prompting"),
    ),
    "workflows": (
        ("Which of my weekly tasks is worth trying first?", "workflows"),
        ("How do I measure the time it saves?", "workflows"),
    ),
    "access": (("My licence is not showing in Outlook. Who do I ask?", "access"),),
}
_TOPIC_WEIGHTS = {
    "data-rules": 0.42,
    "approved-tools": 0.12,
    "prompting": 0.18,
    "verification": 0.12,
    "workflows": 0.14,
    "access": 0.08,
}


def _scale(rng: random.Random, value: float, noise: float = 0.6) -> int:
    """A 1-5 answer from a 0-1 tendency."""
    return max(1, min(5, round(1 + 4 * value + rng.gauss(0, noise))))


def survey_rows(
    rng: random.Random,
    people: list[Person],
    cohorts: list[Cohort],
    activity: dict[str, Activity],
    today: dt.date,
) -> list[tuple[str, ...]]:
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    for cohort in cohorts:
        waves = (
            ("baseline", cohort.start - dt.timedelta(days=rng.randint(3, 7))),
            ("pulse 1", cohort.day(6)),
            ("pulse 2", cohort.day(11)),
        )
        for person_id in cohort.members:
            person = by_id[person_id]
            traits = person.traits
            dept = department(person.department)
            for wave, opens in waves:
                submitted = opens + dt.timedelta(days=rng.randint(0, 4))
                if submitted >= today or rng.random() > 0.45 + 0.5 * traits.diligence:
                    continue
                if wave == "baseline":
                    access = rng.random() < 0.12  # a few had a licence before the program
                    rate = rng.choice((0.0, 0.0, 0.1)) if access else 0.0
                    known, aware = 0.25 + 0.2 * traits.diligence, 0.6 * traits.care
                else:
                    rate = activity[person_id].rate(submitted - dt.timedelta(weeks=4), submitted)
                    access = rate > 0 or rng.random() < 0.8  # non-users may not know they have one
                    known, aware = 0.4 + 0.5 * traits.diligence, 0.25 + 0.7 * traits.care
                uses = dept.workflows[: rng.randint(1, len(dept.workflows))]
                rows.append(
                    (
                        person_id,
                        wave,
                        submitted.isoformat(),
                        "yes" if access else "no",
                        _frequency(rate),
                        # Confidence follows use more than skill: heavy users overrate themselves.
                        str(_scale(rng, 0.15 + 0.5 * min(rate * 1.3, 1) + 0.2 * traits.skill)),
                        str(_scale(rng, known)),
                        str(_scale(rng, aware)),
                        rng.choice(PAIN_POINTS),
                        rng.choice(MANAGER_EXPECTATIONS),
                        ";".join(name.lower() for name, _ in uses),
                    )
                )
    return rows


def _frequency(rate: float) -> str:
    if rate >= 0.55:
        return "daily"
    if rate >= 0.15:
        return "weekly"
    return "monthly" if rate > 0.02 else "never"


BEHAVIOURS = {  # behaviour: how often managers pick it
    "reviews-outputs": 3,
    "uses-on-workflow": 3,
    "protects-data": 2,
    "escalates-uncertain": 1,
    "coaches-others": 1,
}
NOTES = {  # behaviour: (low, middling, high) notes
    "reviews-outputs": (
        "Sent a draft with invented figures without checking",
        "Checks the main facts, misses details",
        "Checks every output against the source before sending",
    ),
    "uses-on-workflow": (
        "Has not used it on real work since the course",
        "Uses it now and then for drafts",
        "Uses it on the weekly report every week",
    ),
    "protects-data": (
        "Pasted customer details into a prompt",
        "Mostly careful; asked before uploading a file",
        "Strips personal data before every prompt",
    ),
    "escalates-uncertain": (
        "Guessed instead of asking about a borderline case",
        "Asks when reminded",
        "Flags unclear cases to the team lead straight away",
    ),
    "coaches-others": (
        "Keeps what works to themselves",
        "Shares tips when asked",
        "Runs a weekly tips session for the team",
    ),
}


def observation_rows(
    rng: random.Random,
    people: list[Person],
    cohorts: list[Cohort],
    activity: dict[str, Activity],
    today: dt.date,
) -> list[tuple[str, ...]]:
    """Managers rate their direct reports on observed behaviours during weeks 3-11."""
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    for cohort in cohorts:
        for person_id in cohort.members:
            person = by_id[person_id]
            if person.manager_id is None or rng.random() > 0.8:
                continue
            traits = person.traits
            for _ in range(rng.randint(1, 3)):
                day = cohort.day(rng.randint(3, 11), rng.randint(0, 4))
                if day >= today:
                    continue
                if traits.champion:
                    behaviour = rng.choice(("coaches-others", "coaches-others", "reviews-outputs"))
                else:
                    behaviour = rng.choices(list(BEHAVIOURS), list(BEHAVIOURS.values()))[0]
                value = {
                    "reviews-outputs": traits.skill,
                    "uses-on-workflow": activity[person_id].rate(cohort.start, day),
                    "protects-data": traits.care,
                    "escalates-uncertain": (traits.care + traits.skill) / 2,
                    "coaches-others": 0.95 if traits.champion else 0.5 * traits.skill,
                }[behaviour]
                rating = _scale(rng, value, 0.5)
                note = NOTES[behaviour][0 if rating <= 2 else 1 if rating == 3 else 2]
                rows.append(
                    (person_id, person.manager_id, behaviour, str(rating), note, day.isoformat())
                )
    return rows


def office_hour_rows(
    rng: random.Random, people: list[Person], cohorts: list[Cohort], today: dt.date
) -> list[tuple[str, ...]]:
    """A weekly Thursday session from the first cohort's start; champions answer most."""
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    session = cohorts[0].day(0, 3)
    while session < today:
        started = [c for c in cohorts if c.start <= session]
        askers = [by_id[m] for c in started for m in c.members]
        champions = [p.person_id for p in askers if p.traits.champion]
        for _ in range(4 + 4 * len(started) + rng.randint(0, 4)):
            asker = rng.choice(askers)
            weights = dict(_TOPIC_WEIGHTS)
            weights["data-rules"] *= 1.6 - asker.traits.care  # the unsure ask about data
            topic = rng.choices(list(weights), list(weights.values()))[0]
            question, topics = rng.choice(QUESTIONS[topic])
            anonymous = rng.random() < (0.45 if topic == "data-rules" else 0.2)
            answered = rng.choice(champions) if champions and rng.random() < 0.65 else ""
            if answered == asker.person_id:
                answered = ""
            rows.append(
                (
                    "" if anonymous else asker.person_id,
                    question,
                    topics,
                    session.isoformat(),
                    answered,
                )
            )
        session += dt.timedelta(weeks=1)
    return rows
