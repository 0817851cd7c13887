"""The work itself: workflow-transfer reports and the program's two written assignments.

Customer Operations' submissions quote the customer cases they worked on, names, account
numbers, emails, phone numbers and bank details included, as people do when asked to "show an
example": the assignments importer and the privacy checks must find them.
"""

from __future__ import annotations

import datetime as dt
import random

from proficio.demo.company import Person, department
from proficio.demo.names import CUSTOMER_DOMAINS, email_local, full_name
from proficio.demo.program import ASSIGNMENTS, Cohort
from proficio.demo.usage import Activity

WORKFLOW_HEADER = (
    "person", "workflow", "use_case", "repeatable", "minutes_saved", "quality_change",
    "needs_redesign", "date",
)  # fmt: skip
ASSIGNMENT_HEADER = ("person", "assignment_id", "submitted_on", "text", "score")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def workflow_rows(
    rng: random.Random,
    people: list[Person],
    cohorts: list[Cohort],
    activity: dict[str, Activity],
    today: dt.date,
) -> list[tuple[str, ...]]:
    """Reports of AI applied to a recurring workflow, from week 4 on; people who use the tool
    report more, mostly on one workflow of their own (the habit the Application level looks
    for), the skilled ones on a second too; their skill decides whether the work got better
    or worse."""
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    for cohort in cohorts:
        for person_id in cohort.members:
            person = by_id[person_id]
            traits = person.traits
            # From week 4 until today: those who keep using the tool after the program keep
            # reporting (and keep their Application level); those who drift away stop.
            first = cohort.day(4)
            if first >= today:
                continue
            use = activity[person_id].rate(first, today)
            workflows = department(person.department).workflows
            main = rng.choice(workflows)
            weeks = (today - first).days / 7
            for _ in range(round(rng.random() * 2.2 * weeks * use + (2 if traits.champion else 0))):
                day = first + dt.timedelta(days=rng.randrange((today - first).days))
                if day.weekday() >= 5:
                    day -= dt.timedelta(days=day.weekday() - 4)
                second = rng.random() < 0.35 * traits.skill
                workflow, use_case = rng.choice(workflows) if second else main
                roll = rng.random()
                if roll < 0.9 * (1 - traits.skill) ** 2:
                    quality = "worse"
                elif roll > 1 - 0.85 * traits.skill:
                    quality = "better"
                else:
                    quality = "same"
                saved = max(0, round(rng.gauss(10 + 40 * traits.skill, 10)))
                rows.append(
                    (
                        person_id,
                        workflow,
                        use_case,
                        _yes(rng.random() < 0.1 + 0.85 * traits.skill),
                        str(saved if quality != "worse" else max(0, saved - 25)),
                        quality,
                        _yes(quality == "worse" or rng.random() < 0.15),
                        day.isoformat(),
                    )
                )
    return rows


_OPENINGS = (
    "For {workflow} I used {tool} to {use_case} the first version.",
    "I tried {tool} on {workflow}, mainly to {use_case}.",
    "My example is {workflow}: the assistant helped me {use_case} it.",
)
_REFLECTIONS = (
    "I checked the result against the source before sending it.",
    "It saved me time but I had to fix the tone.",
    "The first answer was wrong about our policy, so I rewrote the prompt.",
    "Next time I will keep a prompt template for the team.",
    "I am not sure the output was accurate but it looked fine.",
)


def _customer_case(rng: random.Random) -> str:
    """A customer's details as an agent would paste them: fake, but shaped like the real thing."""
    name = full_name(rng)
    account = f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}-{rng.randint(10, 99)}"
    email = f"{email_local(name)}@{rng.choice(CUSTOMER_DOMAINS)}"
    phone = f"+44 7700 900{rng.randint(100, 999)}"  # Ofcom's range for drama, never in use
    digits = "".join(str(rng.randint(0, 9)) for _ in range(14))
    iban = f"GB{rng.randint(10, 99)} NWBK {digits[:4]} {digits[4:8]} {digits[8:12]} {digits[12:]}"
    parts = [f"Customer {name} (account {account})"]
    if rng.random() < 0.7:
        parts.append(f"email {email}, phone {phone}")
    text = ", ".join(parts) + " wrote in about a double charge."
    if rng.random() < 0.5:
        text += f" I asked it to draft the refund confirmation to IBAN {iban}."
    return text


def assignment_rows(
    rng: random.Random, people: list[Person], cohorts: list[Cohort], today: dt.date
) -> list[tuple[str, ...]]:
    by_id = {p.person_id: p for p in people}
    rows: list[tuple[str, ...]] = []
    for cohort in cohorts:
        for person_id in cohort.members:
            person = by_id[person_id]
            traits = person.traits
            dept = department(person.department)
            for assignment_id, week in ASSIGNMENTS:
                if rng.random() > traits.diligence:
                    continue
                submitted = cohort.day(week, 4) + dt.timedelta(days=round(rng.gauss(-1, 2)))
                if submitted >= today:
                    continue
                workflow, use_case = rng.choice(dept.workflows)
                opening = rng.choice(_OPENINGS).format(
                    workflow=workflow.lower(), tool="Copilot", use_case=use_case
                )
                sentences = [opening, *rng.sample(_REFLECTIONS, 2)]
                # Operations agents paste real cases; elsewhere it happens only by rare accident.
                leaks = 0.15 + 0.5 * (1 - traits.care) if cohort.operations else 0.01
                if rng.random() < leaks:
                    sentences.insert(1, _customer_case(rng))
                criteria = [
                    max(0, min(4, round(4 * traits.skill + rng.gauss(0, 0.7)))) for _ in range(4)
                ]
                score = sum(criteria) / 4
                rows.append(
                    (person_id, assignment_id, submitted.isoformat(), " ".join(sentences),
                     f"{score:.2f}")
                )  # fmt: skip
    return rows
