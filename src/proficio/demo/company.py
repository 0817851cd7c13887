"""Northwind, the demo company: eight departments, each behaving after an archetype, and its people.

A department's archetype gives only the *means* of its people's latent traits; every person draws
their own traits from a wide distribution around them, so each department has strong and weak
performers and a dashboard must show more than different averages (docs/demo.md).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, replace
from typing import Literal

from proficio.demo.names import email_local, full_name

DOMAIN = "northwind.example"
Level = Literal["ceo", "head", "manager", "staff"]


@dataclass(frozen=True)
class Archetype:
    """Mean traits of a department's people, each 0-1 (see Traits)."""

    name: str
    diligence: float
    engagement: float
    skill: float
    care: float
    prompts_per_session: float
    gives_up: bool  # stops using the tool once the first courses are done
    champions: float  # share of the department that becomes AI champions


COMPLETES_NOT_USES = Archetype("completes but does not use", 0.95, 0.45, 0.6, 0.75, 3, True, 0)
WEAK_OUTPUTS = Archetype("uses often, weak outputs", 0.72, 0.72, 0.25, 0.45, 9, False, 0.005)
THRIVING = Archetype("thriving, with champions", 0.85, 0.72, 0.74, 0.72, 5, False, 0.07)
OPERATIONS = Archetype("operations, customer data at hand", 0.8, 0.5, 0.5, 0.3, 4, False, 0.01)
MIXED = Archetype("mixed", 0.72, 0.42, 0.52, 0.62, 4, False, 0.015)


@dataclass(frozen=True)
class Department:
    name: str
    share: float  # of the company's headcount
    archetype: Archetype
    cohort: int  # which cohort (0-2) trains it
    manager_role: str
    roles: tuple[str, ...]
    locations: tuple[str, ...]
    features: tuple[str, ...]  # the tool features people here use most
    workflows: tuple[tuple[str, str], ...]  # (recurring workflow, AI use case)


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "Customer Operations", 0.24, OPERATIONS, 1, "Customer Operations Team Lead",
        ("Customer Support Agent", "Senior Support Agent", "Claims Handler", "Billing Specialist"),
        ("Manchester", "Lisbon", "Manchester", "Remote"),
        ("chat", "summarise", "draft"),
        (("Customer complaint replies", "draft"), ("Ticket summaries", "summarise"),
         ("Refund case notes", "summarise"), ("Knowledge-base articles", "draft")),
    ),
    Department(
        "Sales", 0.20, WEAK_OUTPUTS, 2, "Sales Manager",
        ("Account Executive", "Sales Development Representative", "Account Manager"),
        ("London", "Berlin", "Toronto", "Remote"),
        ("draft", "chat", "summarise"),
        (("Prospecting emails", "draft"), ("Proposal drafts", "draft"),
         ("Call notes", "summarise"), ("Competitor research", "research")),
    ),
    Department(
        "Engineering", 0.19, THRIVING, 0, "Engineering Manager",
        ("Software Engineer", "Senior Software Engineer", "QA Engineer", "SRE"),
        ("London", "Lisbon", "Remote", "Berlin"),
        ("code", "chat", "summarise"),
        (("Code review", "review"), ("Test writing", "code"), ("Incident write-ups", "summarise"),
         ("Release notes", "draft")),
    ),
    Department(
        "Marketing", 0.10, MIXED, 0, "Marketing Manager",
        ("Content Marketer", "Campaign Manager", "Marketing Analyst", "Designer"),
        ("London", "Toronto", "Remote"),
        ("draft", "chat", "summarise"),
        (("Campaign copy", "draft"), ("Campaign reports", "analyse"), ("Social posts", "draft")),
    ),
    Department(
        "Finance", 0.09, COMPLETES_NOT_USES, 2, "Finance Manager",
        ("Financial Analyst", "Accountant", "Payroll Specialist", "Controller"),
        ("London", "Dublin"),
        ("chat", "summarise", "analyse"),
        (("Month-end commentary", "draft"), ("Variance analysis", "analyse"),
         ("Invoice queries", "draft")),
    ),
    Department(
        "Product", 0.08, MIXED, 0, "Product Lead",
        ("Product Manager", "Product Designer", "User Researcher", "Product Analyst"),
        ("London", "Berlin", "Remote"),
        ("chat", "summarise", "draft"),
        (("Interview synthesis", "summarise"), ("Specs and PRDs", "draft"),
         ("Roadmap updates", "draft")),
    ),
    Department(
        "HR", 0.06, MIXED, 2, "HR Manager",
        ("HR Business Partner", "Recruiter", "People Operations Specialist"),
        ("London", "Dublin", "Manchester"),
        ("draft", "chat", "summarise"),
        (("Job descriptions", "draft"), ("Policy questions", "research"),
         ("Onboarding plans", "draft")),
    ),
    Department(
        "Legal", 0.04, MIXED, 2, "Legal Manager",
        ("Commercial Counsel", "Paralegal", "Privacy Counsel", "Contract Manager"),
        ("London", "Dublin"),
        ("summarise", "chat", "draft"),
        (("Contract first reviews", "review"), ("Regulatory summaries", "summarise"),
         ("Standard clause drafting", "draft")),
    ),
)  # fmt: skip

TEAM_SIZE = 10  # people per team manager; teams come out 8-12


@dataclass(frozen=True)
class Traits:
    """A person's latent tendencies, 0-1; nobody sees these, the files only show their effects.

    diligence: finishes courses and assignments on time. engagement: uses the tool on a working
    day. skill: checks and improves what the tool produces. care: keeps data where it belongs.
    """

    diligence: float
    engagement: float
    skill: float
    care: float
    champion: bool = False


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    email: str
    department: str  # "Executive" for the CEO, else one of DEPARTMENTS
    role: str
    location: str
    manager_id: str | None
    hire_date: dt.date
    level: Level
    traits: Traits


def department(name: str) -> Department:
    return next(d for d in DEPARTMENTS if d.name == name)


def headcounts(people: int) -> list[int]:
    """People per department (after the CEO), by share, summing to people - 1."""
    total = people - 1
    counts = [math.floor(d.share * total) for d in DEPARTMENTS]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def _draw(rng: random.Random, mean: float, concentration: float = 5.0) -> float:
    """A Beta draw around `mean`; a low concentration keeps a real spread within a department."""
    return rng.betavariate(mean * concentration, (1 - mean) * concentration)


def _traits(rng: random.Random, archetype: Archetype) -> Traits:
    return Traits(
        diligence=_draw(rng, archetype.diligence, 8.0),
        engagement=_draw(rng, archetype.engagement),
        skill=_draw(rng, archetype.skill),
        care=_draw(rng, archetype.care),
    )


def _hire_date(rng: random.Random, today: dt.date, level: Level) -> dt.date:
    # Leaders have been around longer; about 3% of staff joined in the last four months,
    # after their department's cohort had started, so they are not in any cohort.
    years = {"ceo": 11.0, "head": 6.0, "manager": 4.0, "staff": 2.5}[level]
    days = int(rng.expovariate(1 / (years * 365)))
    if days > 19 * 365:  # the company was founded 20 years ago
        days = rng.randint(365, 19 * 365)
    if level == "staff" and rng.random() < 0.03:
        days = rng.randint(5, 110)
    return today - dt.timedelta(days=max(days, 30 if level != "staff" else 5))


@dataclass
class _Draft:
    """A person before ids are known (ids follow hire order, so they come last)."""

    level: Level
    department: str
    role: str
    manager: _Draft | None
    traits: Traits
    name: str = ""
    location: str = ""
    hire_date: dt.date = dt.date.min
    person_id: str = ""


def build_people(rng: random.Random, people: int, today: dt.date) -> list[Person]:
    """The company, ordered by person id: a CEO, a head per department reporting to the CEO,
    team managers reporting to the heads, staff reporting to the team managers."""
    if people < 100:
        raise ValueError("the demo organisation needs at least 100 people")
    ceo = _Draft("ceo", "Executive", "Chief Executive Officer", None, Traits(0.8, 0.6, 0.6, 0.7))
    drafts = [ceo]
    for dept, count in zip(DEPARTMENTS, headcounts(people), strict=True):
        arch = dept.archetype
        head = _Draft("head", dept.name, f"Head of {dept.name}", ceo, _traits(rng, arch))
        teams = max(1, round((count - 1) / (TEAM_SIZE + 1)))
        managers = [
            _Draft("manager", dept.name, dept.manager_role, head, _traits(rng, arch))
            for _ in range(teams)
        ]
        staff = [
            _Draft(
                "staff", dept.name, rng.choice(dept.roles), managers[i % teams], _traits(rng, arch)
            )
            for i in range(count - 1 - teams)
        ]
        _name_champions(rng, [*managers, *staff], arch.champions)
        drafts += [head, *managers, *staff]
    for draft in drafts:
        draft.hire_date = _hire_date(rng, today, draft.level)
        draft.name = full_name(rng)
        locations = ("London",) if draft is ceo else department(draft.department).locations
        draft.location = rng.choice(locations)
    # The CEO founded the company; HRIS ids follow hire order, as they do in most systems.
    ceo.hire_date = min(d.hire_date for d in drafts) - dt.timedelta(days=rng.randint(30, 400))
    drafts.sort(key=lambda d: d.hire_date)
    for number, draft in enumerate(drafts, start=10001):
        draft.person_id = f"E{number}"
    taken: dict[str, int] = {}
    result = []
    for draft in drafts:
        local = email_local(draft.name)
        taken[local] = taken.get(local, 0) + 1
        suffix = "" if taken[local] == 1 else str(taken[local])
        result.append(
            Person(
                person_id=draft.person_id,
                name=draft.name,
                email=f"{local}{suffix}@{DOMAIN}",
                department=draft.department,
                role=draft.role,
                location=draft.location,
                manager_id=None if draft.manager is None else draft.manager.person_id,
                hire_date=draft.hire_date,
                level=draft.level,
                traits=draft.traits,
            )
        )
    return result


def _name_champions(rng: random.Random, drafts: list[_Draft], share: float) -> None:
    """Champions are the most engaged, most skilled people of a department (with some luck)."""
    promise = {id(d): d.traits.engagement + d.traits.skill + rng.gauss(0, 0.15) for d in drafts}
    wanted = round(share * len(drafts))
    for draft in sorted(drafts, key=lambda d: promise[id(d)], reverse=True)[:wanted]:
        draft.traits = replace(draft.traits, champion=True)
